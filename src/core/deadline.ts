/** A promise bounded in time on an injected clock. */
import type { Clock } from './clock';

/** The longest delay a Node.js timer honours (larger ones fire after 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Settles like `work`, or rejects with `expire()`'s error after `timeoutMs` — whichever comes
 * first. `expire` runs once, at the deadline (it may abort the work); the work's later outcome is
 * then ignored, never left unhandled. No (or a nonsensical) limit means none: Node would turn
 * Infinity into 1 ms.
 */
export function withDeadline<T>(
  clock: Clock,
  work: Promise<T>,
  timeoutMs: number,
  expire: () => Error,
): Promise<T> {
  if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)) return work;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = clock.setTimeout(() => {
      if (settled) return;
      settled = true;
      reject(expire());
    }, timeoutMs);
    work.then(
      (value) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** The delivering side of a pending answer: whoever has the answer calls one of these, once. */
export interface Settler<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

export interface PendingAnswerOptions {
  timeoutMs: number;
  /** The rejection at the deadline; it runs once, then (it may drop a wedged connection). */
  expire: () => unknown;
  signal?: AbortSignal;
  /** Runs once, first, however the answer settles: unfile the settler wherever it was filed. */
  release?: () => void;
  /** Default: the process's own (referenced) timers, so a pending reply keeps the process alive. */
  clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

const processTimers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * An answer someone else delivers (a reader, a reply matched by id) through the returned settler,
 * bounded by a deadline and an abort signal: the first of the three wins, the rest are ignored.
 * The caller checks `signal.aborted` before filing the settler.
 */
export function pendingAnswer<T>(options: PendingAnswerOptions): { settler: Settler<T>; answer: Promise<T> } {
  const { signal, release } = options;
  const clock = options.clock ?? processTimers;
  const settler: Settler<T> = { resolve: () => undefined, reject: () => undefined };
  const answer = new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      release?.();
      outcome();
    };
    const onAbort = (): void => settle(() => reject(signal?.reason));
    const timer = clock.setTimeout(
      () => settle(() => reject(options.expire())),
      Math.max(0, options.timeoutMs),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    settler.resolve = (value) => settle(() => resolve(value));
    settler.reject = (err) => settle(() => reject(err));
  });
  return { settler, answer };
}
