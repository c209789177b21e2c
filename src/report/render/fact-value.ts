// A fact's value as a person reads it: scalars as they are, lists as their items (objects by
// their name), never raw JSON with escaped quotes.

const NAME_KEYS = ['name', 'id', 'host', 'url', 'address'];

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return undefined;
}

function named(o: Record<string, unknown>): string {
  for (const k of NAME_KEYS) if (typeof o[k] === 'string' || typeof o[k] === 'number') return String(o[k]);
  return `{${Object.keys(o).slice(0, 3).join(', ')}${Object.keys(o).length > 3 ? ', …' : ''}}`;
}

export function factValue(v: unknown, max = 60): string {
  const s = scalar(v);
  let text: string;
  if (s !== undefined) text = s;
  else if (Array.isArray(v)) {
    const items = v.map((x) => scalar(x) ?? (x && typeof x === 'object' ? named(x as Record<string, unknown>) : String(x)));
    text = `[${items.join(', ')}]`;
  } else if (v && typeof v === 'object') text = named(v as Record<string, unknown>);
  else text = String(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
