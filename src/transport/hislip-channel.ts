/**
 * One HiSLIP TCP connection (the synchronous or the asynchronous channel): frames outgoing
 * messages, queues incoming ones in order, and dies as a whole on a framing error, a FatalError
 * from the server or a dropped connection. The transport (hislip.ts) builds the protocol on two.
 */
import type * as net from 'net';
import type { LabbenchError } from '../core/errors';
import { BusyError, ClosedError, DisconnectedError, ProtocolError, TimeoutError } from '../core/errors';
import {
  FatalErrorCode,
  HislipFrameReader,
  MessageType,
  encodeHeader,
  encodeMessage,
  fatalErrorText,
} from './hislip-codec';
import type { ReceivedMessage } from './hislip-codec';
import { socketClose, socketWrite } from './tcp';
import { ListenerSet } from './types';

/** What a server's FatalError means to the caller: busy for "too many clients", else protocol. */
export function fatalErrorToLabbench(code: number, text: string, label: string): LabbenchError {
  const detail = text.trim() === '' ? fatalErrorText(code) : `${fatalErrorText(code)}: ${text.trim()}`;
  if (code === FatalErrorCode.MaxClientsExceeded) {
    return new BusyError(
      `${label} refused the HiSLIP connection (${detail}). Close another client of the instrument, then retry.`,
      { resource: label, deviceCode: code },
    );
  }
  return new ProtocolError(`${label} ended the HiSLIP session with a fatal error (${detail}).`, {
    resource: label,
    deviceCode: code,
  });
}

export class HislipChannel {
  private readonly reader: HislipFrameReader;
  private readonly inbox: ReceivedMessage[] = [];
  private waiter: ((m: ReceivedMessage | undefined) => void) | undefined;
  private deadReason: LabbenchError | undefined;
  private closing = false;
  private readonly deathListeners = new ListenerSet<[err: LabbenchError]>();

  constructor(
    private readonly socket: net.Socket,
    private readonly label: string,
    private readonly name: 'synchronous' | 'asynchronous',
    maxPayload: number,
  ) {
    this.reader = new HislipFrameReader(maxPayload);
    let lastError: Error | undefined;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      lastError = err;
    });
    socket.on('close', () =>
      this.die(
        new DisconnectedError(
          `${label} closed the HiSLIP ${name} channel${lastError ? ` (${lastError.message})` : ''}. The next message reopens it.`,
          { resource: label, cause: lastError },
        ),
      ),
    );
  }

  get dead(): LabbenchError | undefined {
    return this.deadReason;
  }

  /** Raises the accepted payload size (after AsyncMaxMsgSize). */
  setMaxPayload(n: number): void {
    this.reader.setMaxPayload(n);
  }

  onDeath(listener: (err: LabbenchError) => void): void {
    this.deathListeners.add(listener);
  }

  private onData(chunk: Buffer): void {
    if (this.deadReason) return;
    let messages: ReceivedMessage[];
    try {
      messages = this.reader.push(chunk);
    } catch (err) {
      const cause = err as LabbenchError;
      // Tell the server why we hang up (best effort), then drop both channels via die().
      if (!this.socket.destroyed)
        this.socket.end(
          encodeMessage(
            MessageType.FatalError,
            FatalErrorCode.PoorlyFormedHeader,
            0,
            Buffer.from(cause.message),
          ),
        );
      this.die(
        new ProtocolError(`${this.label} sent a corrupt HiSLIP ${this.name} stream: ${cause.message}`, {
          resource: this.label,
          deviceCode: cause.deviceCode,
          cause,
        }),
      );
      this.socket.destroy();
      return;
    }
    for (const m of messages) {
      if (m.type === MessageType.FatalError) {
        this.die(fatalErrorToLabbench(m.control, m.payload.toString('latin1'), this.label));
        this.socket.destroy();
        return;
      }
      const wake = this.waiter;
      if (wake) {
        this.waiter = undefined;
        wake(m);
      } else this.inbox.push(m);
    }
  }

  /** Marks the channel dead (once), wakes a waiter and tells the listeners. */
  die(err: LabbenchError): void {
    if (this.deadReason) return;
    this.deadReason = err;
    const wake = this.waiter;
    this.waiter = undefined;
    wake?.(undefined);
    if (this.closing) return;
    this.deathListeners.emit(err);
  }

  /** The next message, in arrival order. */
  next(timeoutMs: number, signal: AbortSignal | undefined, what: string): Promise<ReceivedMessage> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.deadReason) return Promise.reject(this.deadReason);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<ReceivedMessage>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.waiter === onMessage) this.waiter = undefined;
      };
      const onMessage = (m: ReceivedMessage | undefined): void => {
        finish();
        if (m) resolve(m);
        else reject(this.deadReason);
      };
      const onAbort = (): void => {
        finish();
        reject(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          finish();
          reject(
            new TimeoutError(`No ${what} from ${this.label} within ${timeoutMs} ms.`, {
              resource: this.label,
            }),
          );
        },
        Math.max(0, timeoutMs),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = onMessage;
    });
  }

  /** Sends one message; a big payload goes out after its header without being copied. */
  async send(type: number, control: number, parameter: number, payload?: Buffer): Promise<void> {
    if (this.deadReason) throw this.deadReason;
    try {
      if (payload && payload.length > 4096) {
        this.socket.write(encodeHeader(type, control, parameter, payload.length));
        await socketWrite(this.socket, payload);
      } else await socketWrite(this.socket, encodeMessage(type, control, parameter, payload));
    } catch (err) {
      const gone = new DisconnectedError(
        `Lost the HiSLIP ${this.name} channel to ${this.label} (${(err as Error).message}).`,
        { resource: this.label, cause: err },
      );
      this.die(gone);
      throw this.deadReason ?? gone;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await socketClose(this.socket);
    this.die(new ClosedError(`The HiSLIP link to ${this.label} is closed.`, { resource: this.label }));
  }
}
