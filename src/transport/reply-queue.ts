/**
 * Whole messages waiting to be read, with one reader at a time that waits up to a timeout.
 * Shared by the stream transports (socket, serial) and the in-process simulator link so they all
 * time out, abort and fail the same way.
 */
import { ProtocolError, TimeoutError } from '../core/errors';

/** A message, or a framing error that takes the place of the message it spoiled. */
type Entry = Buffer | Error;

interface Waiter {
  resolve(message: Buffer): void;
  reject(err: unknown): void;
}

export class ReplyQueue {
  private readonly messages: Entry[] = [];
  private waiter: Waiter | undefined;
  private failure: Error | undefined;

  constructor(private readonly label: string) {}

  /** A complete message arrived. */
  push(message: Buffer): void {
    if (this.failure) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve(message);
    } else {
      this.messages.push(message);
    }
  }

  /**
   * A message could not be framed (an oversize block header): the reader waiting for it gets
   * `err` instead, once; the link stays usable.
   */
  pushError(err: Error): void {
    if (this.failure) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.reject(err);
    } else {
      this.messages.push(err);
    }
  }

  /** The link is dead: the waiting read and every later one reject with `err`. */
  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.messages.length = 0;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  /** Drops unread messages (device clear). */
  clear(): void {
    this.messages.length = 0;
  }

  get size(): number {
    return this.messages.length;
  }

  /** The next message; TimeoutError after `timeoutMs`; the signal's reason if aborted. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const ready = this.messages.shift();
    if (ready instanceof Error) return Promise.reject(ready);
    if (ready) return Promise.resolve(ready);
    if (this.waiter) {
      // The session allows one request in flight; a second reader is a bug in the caller.
      return Promise.reject(
        new ProtocolError(`Two reads at once on ${this.label}.`, { resource: this.label }),
      );
    }
    return new Promise<Buffer>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.waiter === waiter) this.waiter = undefined;
      };
      const waiter: Waiter = {
        resolve: (m) => {
          done();
          resolve(m);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      const onAbort = (): void => waiter.reject(signal?.reason);
      const timer = setTimeout(
        () =>
          waiter.reject(
            new TimeoutError(`No reply from ${this.label} within ${timeoutMs} ms.`, { resource: this.label }),
          ),
        Math.max(0, timeoutMs),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = waiter;
    });
  }
}
