// Progress on stderr: a live spinner on a TTY, one plain line per finished task otherwise,
// nothing with --quiet. stdout stays clean for the report.

import type { ProgressEvent } from '../runner/run.js';

export interface Progress {
  onEvent(e: ProgressEvent): void;
  stop(): void;
}

export async function createProgress(opts: { quiet: boolean; color: boolean; stream?: NodeJS.WriteStream }): Promise<Progress> {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { onEvent: () => undefined, stop: () => undefined };
  let total = 0;
  let done = 0;
  const running = new Set<string>();
  // A TTY that reports no width (some pseudo-terminals) would make the spinner's line arithmetic
  // divide by zero: plain lines are the safe choice there.
  if (stream.isTTY && (stream.columns ?? 0) > 0 && process.env.CI === undefined) {
    const { default: ora } = await import('ora');
    const spinner = ora({ stream, color: 'cyan', isEnabled: true, discardStdin: false });
    const label = () => `${done}/${total} ${[...running].slice(0, 3).join(', ')}${running.size > 3 ? ` +${running.size - 3}` : ''}`;
    return {
      onEvent(e) {
        if (e.type === 'plan') {
          total = e.total;
          spinner.start(label());
        } else if (e.type === 'start') {
          running.add(e.task.key);
          spinner.text = label();
        } else if (e.type === 'end') {
          running.delete(e.task.key);
          done++;
          spinner.text = label();
        } else if (e.type === 'done') spinner.stop();
      },
      stop: () => spinner.stop(),
    };
  }
  return {
    onEvent(e) {
      if (e.type === 'plan') total = e.total;
      else if (e.type === 'end') {
        done++;
        stream.write(`[${done}/${total}] ${e.result.status.padEnd(5)} ${e.task.key} ${e.result.durationMs} ms\n`);
      }
    },
    stop: () => undefined,
  };
}
