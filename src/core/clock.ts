/**
 * Time as a dependency. The registry's retry schedule, grace periods and transaction timeouts all
 * go through a `Clock`, so tests can drive them with a fake clock instead of waiting.
 */

export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    // A pending grace period or retry must never keep the process alive on its own.
    timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Resolves after `ms` on `clock`; rejects with the signal's reason if aborted first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A manual clock for tests: timers fire only when `advance` moves time past them, in due order.
 * `advance` yields to the microtask queue between timers so promise chains settle as they would
 * in real time.
 */
export class FakeClock implements Clock {
  private current = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; fn: () => void }>();
  /** Every delay ever requested, in order: lets a test assert a retry schedule. */
  readonly requestedDelays: number[] = [];

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.requestedDelays.push(ms);
    this.timers.set(id, { due: this.current + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers (and letting promises settle) as it goes. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      let nextId: number | undefined;
      let nextDue = Infinity;
      for (const [id, timer] of this.timers) {
        if (timer.due <= target && timer.due < nextDue) {
          nextDue = timer.due;
          nextId = id;
        }
      }
      if (nextId === undefined) break;
      const timer = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.current = timer.due;
      timer.fn();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /** Advances until no timer is pending (bounded, so a periodic timer cannot loop forever). */
  async runAll(limit = 1000): Promise<void> {
    for (let i = 0; i < limit && this.timers.size > 0; i++) {
      const due = Math.min(...[...this.timers.values()].map((t) => t.due));
      await this.advance(Math.max(0, due - this.current));
    }
    await flushMicrotasks();
  }
}

async function flushMicrotasks(): Promise<void> {
  // setImmediate runs after the whole microtask queue has drained, including promise chains
  // that schedule further microtasks.
  await new Promise<void>((resolve) => setImmediate(resolve));
}
