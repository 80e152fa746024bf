/**
 * A MessageTransport over any byte stream with LF-terminated messages: raw TCP sockets and serial
 * (ASRL) instruments. The owner feeds received bytes to `deliver` and reports the stream's death
 * through `died`; this class does the framing, reply timeouts and listener bookkeeping.
 */
import { ClosedError, DisconnectedError, toLabbenchError } from '../core/errors';
import { LineFramer } from './line-framer';
import { ReplyQueue } from './reply-queue';
import type { MessageTransport } from './message';
import { LinkLife } from './link-life';

export interface LineLink {
  /** Resolves once the bytes are handed to the OS; rejects with an OS-coded error if gone. */
  write(bytes: Buffer): Promise<void>;
  /** Releases the OS handle; must not throw. */
  close(): Promise<void>;
  /** Drops bytes buffered below us (serial: the OS input buffer). */
  flushInput?(): Promise<void>;
}

export class LineTransport implements MessageTransport {
  private readonly framer = new LineFramer();
  private readonly replies: ReplyQueue;
  private readonly life = new LinkLife();
  private dead: Error | undefined;

  constructor(
    readonly label: string,
    private readonly link: LineLink,
  ) {
    this.replies = new ReplyQueue(label);
  }

  /** Bytes arrived from the instrument. Never throws (called from event handlers). */
  deliver(chunk: Buffer): void {
    if (this.life.closed || this.dead) return;
    try {
      this.framer.push(chunk);
    } catch (err) {
      // Garbage without terminators or an oversize block header: the read waiting for that
      // message fails with the framer's ProtocolError (the session then resyncs).
      for (let msg = this.framer.shift(); msg; msg = this.framer.shift()) this.replies.push(msg);
      this.replies.pushError(err as Error);
      return;
    }
    for (let msg = this.framer.shift(); msg; msg = this.framer.shift()) this.replies.push(msg);
  }

  /** The stream died (peer closed, reset, unplugged). Never throws. */
  died(cause?: Error): void {
    if (this.dead) return;
    const err =
      cause === undefined
        ? new DisconnectedError(`${this.label} closed the connection. The next message reopens it.`, {
            resource: this.label,
          })
        : toDisconnected(cause, this.label);
    const told = this.life.die(err, () => {
      this.dead = err;
      this.replies.fail(err);
    });
    if (told) void this.link.close().catch(() => undefined);
  }

  async write(data: Buffer, signal?: AbortSignal): Promise<void> {
    if (this.life.closed)
      throw new ClosedError(`The link to ${this.label} is closed.`, { resource: this.label });
    if (this.dead) throw this.dead;
    if (signal?.aborted) throw signal.reason;
    try {
      await this.link.write(data);
    } catch (err) {
      throw toDisconnected(err, this.label);
    }
  }

  read(timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    if (this.life.closed)
      return Promise.reject(
        new ClosedError(`The link to ${this.label} is closed.`, { resource: this.label }),
      );
    return this.replies.next(timeoutMs, signal);
  }

  /** No device clear exists on a plain byte stream: drop what we (and the OS) hold unread. */
  async clear(): Promise<void> {
    if (this.dead) throw this.dead;
    this.framer.reset();
    this.replies.clear();
    await this.link.flushInput?.();
  }

  onClose(listener: (err?: Error) => void): () => void {
    return this.life.onClose(listener);
  }

  async close(): Promise<void> {
    if (!this.life.close()) return;
    this.replies.fail(new ClosedError(`The link to ${this.label} is closed.`, { resource: this.label }));
    await this.link.close().catch(() => undefined);
  }
}

/** OS errors on an established link all mean the same thing to the user: it went away. */
function toDisconnected(err: unknown, label: string): Error {
  const mapped = toLabbenchError(err, { resource: label, action: 'Talking' });
  if (mapped.code === 'E_DISCONNECTED' || mapped.code === 'E_CLOSED') return mapped;
  return new DisconnectedError(`Lost the connection to ${label}: ${mapped.message}`, {
    resource: label,
    cause: err,
  });
}
