// Durations as people write them ("30s", "2m", "1500ms"): the idle check's ladder, `run --keepalive`,
// `assess --random-delay`. Apart from the idle-hold code, which opens connections.

/** Parses "30s", "2m", "1500ms", "20 min" ladders. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = unit === 'ms' ? n : unit === 's' || unit === 'sec' ? n * 1000 : unit === 'h' ? n * 3_600_000 : n * 60_000;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}
