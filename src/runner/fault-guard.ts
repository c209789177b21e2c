// The process guard: an exception nobody caught, or a rejection nobody handled, must cost the
// task(s) running their result — not the whole run its report. A plugin's task runs inside an
// async scope: Node runs the process's fault handlers in the async context of the code that
// failed, so a plugin's fault is charged to the task that caused it. Built-in checks do not rely on
// the guard (the hostile-peer matrix proves it), and on Node 20 an async scope slows every promise
// (a TLS audit by a fifth), so a fault there — the tool's own defect — is charged to every task
// running. A fault outside every task goes to the command (which still writes what it has, and
// exits as an internal error).

import { AsyncLocalStorage } from 'node:async_hooks';

/** A fault raised outside the code that could catch it, charged to a task. */
export class UncaughtFault extends Error {
  constructor(
    readonly error: unknown,
    readonly origin: 'uncaughtException' | 'unhandledRejection',
    /** True when the fault could not be traced to one task and every running task was charged. */
    readonly unattributed = false,
  ) {
    super(`${origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception'}: ${describe(error)}`);
    this.name = 'UncaughtFault';
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`;
  return String(err);
}

export interface TaskScope {
  /** Ends the task with this fault (the first one wins). */
  fail(fault: UncaughtFault): void;
  /**
   * True when the error is the task's own cancellation surfacing late (a promise the check left
   * unobserved rejecting with the abort reason): that is not a fault, the task already ended so.
   */
  isAftermath?(error: unknown): boolean;
}

const scope = new AsyncLocalStorage<TaskScope>();
const running = new Set<TaskScope>();
let strayHandler: ((fault: UncaughtFault) => void) | undefined;
let installed = 0;

/**
 * Runs `fn` as a task. With `attribute`, faults raised by anything it starts are charged to `task`
 * alone; without, a fault no task can be named for is charged to every task running.
 */
export function runInTaskScope<T>(task: TaskScope, fn: () => Promise<T>, attribute = true): Promise<T> {
  running.add(task);
  return (attribute ? scope.run(task, fn) : fn()).finally(() => running.delete(task));
}

function charge(cause: unknown, origin: UncaughtFault['origin']): void {
  const own = scope.getStore();
  if (own?.isAftermath?.(cause)) return;
  if (own && running.has(own)) return own.fail(new UncaughtFault(cause, origin));
  // A task that already ended left something behind: the tool's defect, not the others' fault.
  if (!own && running.size) {
    for (const t of [...running]) t.fail(new UncaughtFault(cause, origin, true));
    return;
  }
  const fault = new UncaughtFault(cause, origin);
  if (strayHandler) strayHandler(fault);
  else throw cause;
}

const onException = (err: unknown) => charge(err, 'uncaughtException');
const onRejection = (reason: unknown) => charge(reason, 'unhandledRejection');

/**
 * Installs the guard for the life of a command. `onStray` hears faults raised outside any task
 * (the command decides what they mean: a report still written, exit 3). Returns the uninstaller.
 */
export function installProcessGuard(onStray: (fault: UncaughtFault) => void): () => void {
  strayHandler = onStray;
  if (installed++ === 0) {
    process.on('uncaughtException', onException);
    process.on('unhandledRejection', onRejection);
  }
  return () => {
    if (--installed === 0) {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
      strayHandler = undefined;
    }
  };
}
