/**
 * Whole messages waiting to be read, with one reader at a time that waits up to a timeout.
 * Shared by the stream transports (socket, serial) and the in-process simulator link so they all
 * time out, abort and fail the same way.
 */
import type { Settler } from '../core/deadline';
import { pendingAnswer } from '../core/deadline';
import { ProtocolError, TimeoutError } from '../core/errors';

/** A message, or a framing error that takes the place of the message it spoiled. */
type Entry = Buffer | Error;

export class ReplyQueue {
  private readonly messages: Entry[] = [];
  private waiter: Settler<Buffer> | undefined;
  private failure: Error | undefined;

  constructor(private readonly label: string) {}

  /** A complete message arrived. */
  push(message: Buffer): void {
    this.deliver(message);
  }

  /**
   * A message could not be framed (an oversize block header): the reader waiting for it gets
   * `err` instead, once; the link stays usable.
   */
  pushError(err: Error): void {
    this.deliver(err);
  }

  private deliver(entry: Entry): void {
    if (this.failure) return;
    const waiter = this.waiter;
    if (!waiter) {
      this.messages.push(entry);
      return;
    }
    this.waiter = undefined;
    if (entry instanceof Error) waiter.reject(entry);
    else waiter.resolve(entry);
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
    const { settler, answer } = pendingAnswer<Buffer>({
      timeoutMs,
      signal,
      expire: () =>
        new TimeoutError(`No reply from ${this.label} within ${timeoutMs} ms.`, { resource: this.label }),
      release: () => {
        if (this.waiter === settler) this.waiter = undefined;
      },
    });
    this.waiter = settler;
    return answer;
  }
}
