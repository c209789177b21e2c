// Why a run was stopped early, carried as the abort reason of the run's signal so that every
// stage after measuring (report, exit code) can tell an interrupted run from a finished one.

export type InterruptSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** Exit status of a process ended by the signal, as shells report it: 128 + signal number. */
export const SIGNAL_EXIT: Record<InterruptSignal, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export class Interrupted extends Error {
  constructor(readonly signal: InterruptSignal) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}
