// The reflector's schedule of bandwidth tests. Many sites measure one reflector; two throughput
// tests at once would each measure half of the reflector's link and report the other's load as
// their own. So a session asks for a slot before it loads the path, waits its turn in a FIFO queue
// (told its position and an estimate of the wait), holds the slot for the lease it asked for and
// gives it back. Latency probes need no slot: at their small rate they do not disturb a test and
// are disturbed by it only as real traffic would be.

export interface SlotGranted {
  granted: true;
  /** How long the slot is held unless given back earlier. */
  leaseMs: number;
}

export interface SlotQueued {
  granted: false;
  /** 1: next to be served. */
  position: number;
  /** When the tests ahead end, if each uses its whole lease. */
  estimatedWaitMs: number;
}

export type SlotState = SlotGranted | SlotQueued;

export interface TestQueueOptions {
  /** Bandwidth tests run at once. */
  concurrent: number;
  /** Sessions that may wait; beyond that a request is refused. */
  maxQueued: number;
  /** The longest lease a session may ask for. */
  maxLeaseMs: number;
  /** A waiting session that has not asked again for this long has given up and leaves the queue. */
  abandonAfterMs: number;
  now?: () => number;
  /** Schedules fn after ms; returns a cancel function (the reflector's timers, cleared on close). */
  later: (ms: number, fn: () => void) => () => void;
  /** A session was given the slot, after waiting this long, with this many still waiting (for the log). */
  onGrant?: (session: string, waitedMs: number, waiting: number) => void;
}

interface Holder {
  until: number;
  cancel: () => void;
}

interface Waiter {
  leaseMs: number;
  queuedAt: number;
  lastAskedAt: number;
  /** Callers waiting for this session's turn. */
  wake: Set<() => void>;
}

export class QueueFullError extends Error {}

export class TestQueue {
  private readonly holders = new Map<string, Holder>();
  private readonly queue = new Map<string, Waiter>();
  private readonly now: () => number;

  constructor(private readonly o: TestQueueOptions) {
    this.now = o.now ?? Date.now;
  }

  holds(session: string): boolean {
    return this.holders.has(session);
  }

  get running(): number {
    return this.holders.size;
  }

  get waiting(): number {
    return this.queue.size;
  }

  /** Grants the slot when it is this session's turn, else queues it (once) and says where it stands. */
  request(session: string, leaseMs: number): SlotState {
    const lease = Math.max(1, Math.min(this.o.maxLeaseMs, leaseMs));
    const held = this.holders.get(session);
    if (held) return { granted: true, leaseMs: Math.max(0, held.until - this.now()) };
    this.dropAbandoned();
    const waiter = this.queue.get(session);
    if (waiter) {
      waiter.lastAskedAt = this.now();
      waiter.leaseMs = lease;
    } else {
      if (this.queue.size >= this.o.maxQueued) throw new QueueFullError(`${this.queue.size} sessions are waiting already`);
      this.queue.set(session, { leaseMs: lease, queuedAt: this.now(), lastAskedAt: this.now(), wake: new Set() });
    }
    this.schedule();
    return this.state(session);
  }

  /** Resolves with the session's state when it is granted the slot, or after `ms` at the latest. */
  wait(session: string, ms: number, signal?: AbortSignal): Promise<SlotState> {
    const waiter = this.queue.get(session);
    if (!waiter || ms <= 0 || signal?.aborted) return Promise.resolve(this.state(session));
    return new Promise((resolve) => {
      const done = () => {
        cancel();
        waiter.wake.delete(done);
        signal?.removeEventListener('abort', done);
        // Asking and waiting is asking: a session waiting here has not abandoned its place.
        const w = this.queue.get(session);
        if (w) w.lastAskedAt = this.now();
        resolve(this.state(session));
      };
      const cancel = this.o.later(ms, done);
      waiter.wake.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Gives the slot back (or leaves the queue); the next in line is served. */
  release(session: string): void {
    const held = this.holders.get(session);
    if (held) {
      held.cancel();
      this.holders.delete(session);
    }
    const waiter = this.queue.get(session);
    if (waiter) {
      this.queue.delete(session);
      for (const wake of [...waiter.wake]) wake();
    }
    this.schedule();
  }

  state(session: string): SlotState {
    const held = this.holders.get(session);
    if (held) return { granted: true, leaseMs: Math.max(0, held.until - this.now()) };
    const { waiters, lastMs } = this.simulate();
    // Not queued (it left, or was never there): it would be last.
    return waiters.get(session) ?? { granted: false, position: this.queue.size + 1, estimatedWaitMs: lastMs };
  }

  private schedule(): void {
    this.dropAbandoned();
    for (const [session, waiter] of this.queue) {
      if (this.holders.size >= this.o.concurrent) break;
      this.queue.delete(session);
      const until = this.now() + waiter.leaseMs;
      // A lease ends on its own: a client that vanished mid-test does not hold the reflector.
      const cancel = this.o.later(waiter.leaseMs, () => {
        if (this.holders.get(session)?.until === until) this.release(session);
      });
      this.holders.set(session, { until, cancel });
      this.o.onGrant?.(session, this.now() - waiter.queuedAt, this.queue.size);
      for (const wake of [...waiter.wake]) wake();
    }
  }

  private dropAbandoned(): void {
    const now = this.now();
    for (const [session, w] of this.queue) {
      if (w.wake.size === 0 && now - w.lastAskedAt > this.o.abandonAfterMs) this.queue.delete(session);
    }
  }

  /**
   * Each waiter's position and start, if every test ahead uses its whole lease; and when a
   * newcomer after all of them would start.
   */
  private simulate(): { waiters: Map<string, SlotQueued>; lastMs: number } {
    const now = this.now();
    const free = [...this.holders.values()].map((h) => Math.max(now, h.until));
    while (free.length < this.o.concurrent) free.push(now);
    const waiters = new Map<string, SlotQueued>();
    let position = 0;
    for (const [session, w] of this.queue) {
      free.sort((a, b) => a - b);
      const start = free.shift()!;
      waiters.set(session, { granted: false, position: ++position, estimatedWaitMs: Math.round(start - now) });
      free.push(start + w.leaseMs);
    }
    return { waiters, lastMs: Math.round(Math.min(...free) - now) };
  }
}
