// What keeps a command's run from being lost to the process around it: faults nothing caught
// (charged to the task that raised them, or remembered as the tool's own defect), a standard
// output that was closed (`| head`) or cannot be written (a full disk), and signals (a first one
// stops measuring and writes what was measured; a second one quits at once).

import { installProcessGuard, type UncaughtFault } from '../runner/fault-guard.js';
import { SIGNAL_EXIT, type InterruptSignal } from '../runner/interruption.js';

export const EXIT = { OK: 0, GATE_FAILED: 1, USAGE: 2, INTERNAL: 3 } as const;

const SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

interface State {
  strayFaults: UncaughtFault[];
  stdoutClosed: boolean;
  stdoutProblem?: string;
  interrupted?: InterruptSignal;
  /** Masks secrets in what is printed about faults (set once a site file is loaded). */
  mask: (text: string) => string;
}

const state: State = { strayFaults: [], stdoutClosed: false, mask: (t) => t };

function writeErr(text: string): void {
  if (!process.stderr.destroyed) process.stderr.write(state.mask(text));
}

/** Called once by the program before any command runs. */
export function setUpProcess(): void {
  // A reader that went away (`siteready … | head`) is not an error: stop writing, quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    state.stdoutClosed = true;
    if (err.code !== 'EPIPE' && !state.stdoutProblem) state.stdoutProblem = `${err.code ?? 'error'}: ${err.message}`;
  });
  process.stderr.on('error', () => undefined);
  installProcessGuard((fault) => {
    state.strayFaults.push(fault);
    writeErr(`siteready: internal error: ${fault.message}\n(the report is still written; please report this)\n`);
  });
}

/** Secrets loaded from the site file must not reach stderr through a fault's message either. */
export function maskFaultsWith(mask: (text: string) => string): void {
  state.mask = mask;
}

/** Writes to stdout and waits until it is handed to the OS; a closed stdout is skipped. */
export function writeStdout(text: string): Promise<void> {
  if (state.stdoutClosed || text === '') return Promise.resolve();
  return new Promise((resolve) => {
    process.stdout.write(text, () => resolve());
  });
}

/**
 * Routes SIGINT, SIGTERM and SIGHUP to `onFirst` while measuring (it stops the run; the report is
 * then written from what was measured). A second signal exits at once. Returns the remover.
 */
export function interceptSignals(onFirst: (signal: InterruptSignal) => void): () => void {
  const handlers = SIGNALS.map((signal) => {
    const handler = () => {
      if (state.interrupted) {
        writeErr(`siteready: ${signal} again: quitting without a report\n`);
        process.exit(SIGNAL_EXIT[signal]);
      }
      state.interrupted = signal;
      writeErr(
        `\nsiteready: ${signal}: stopping; writing the report of what was measured (${signal === 'SIGINT' ? 'Ctrl-C' : 'send it'} again to quit at once)\n`,
      );
      onFirst(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

/**
 * The exit code a command ends with, by precedence: a signal (128 + its number, as shells
 * report it), the tool's own defect (3), an output that could not be written (2), then the
 * command's own code.
 */
export function finalExitCode(code: number): number {
  if (state.interrupted) return SIGNAL_EXIT[state.interrupted];
  if (state.strayFaults.length) return EXIT.INTERNAL;
  if (state.stdoutProblem) {
    writeErr(`siteready: cannot write to standard output (${state.stdoutProblem})\n`);
    return Math.max(code, EXIT.USAGE);
  }
  return code;
}

/** For tests of the library in-process: forget what a previous command left behind. */
export function resetProcessState(): void {
  state.strayFaults = [];
  state.stdoutClosed = false;
  delete state.stdoutProblem;
  delete state.interrupted;
  state.mask = (t) => t;
}
