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
