// A counting semaphore: at most `capacity` holders at once, the rest served first come, first
// served. The callback form (acquire/release) lets a hot loop — thousands of sweep connects —
// run without a promise per waiter; run() is the convenient form for everything else.

export class Limiter {
  active = 0;
  private queue: Array<() => void> = [];

  constructor(readonly capacity: number) {}

  /** Calls `grant` (maybe synchronously) once a slot is the caller's; the caller must release() it. */
  acquire(grant: () => void): void {
    if (this.active < this.capacity) {
      this.active++;
      grant();
    } else this.queue.push(grant);
  }

  release(): void {
    const next = this.queue.shift();
    if (next)
      next(); // the slot passes on; active stays
    else this.active--;
  }

  /** Withdraws queued requests made with `grant`; returns how many. */
  cancel(grant: () => void): number {
    const before = this.queue.length;
    this.queue = this.queue.filter((g) => g !== grant);
    return before - this.queue.length;
  }

  /** Runs `task` in a slot, releasing it however the task ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => this.acquire(resolve));
    try {
      return await task();
    } finally {
      this.release();
    }
  }
}
