/**
 * A `ModbusLink` over a TCP `ByteStream` with MBAP framing: a Modbus TCP gateway (`modbus-tcp://`)
 * or a native Modbus TCP device. The unit id is the device address on the gateway's RS-485 side.
 *
 * One transaction at a time: many gateways forward one request at a time to their serial side, and
 * the registry's FIFO already serialises every user of the gateway, so pipelining would buy
 * nothing but reordering risk. Transaction ids still increment, so a reply that arrives after its
 * request timed out is recognised by its old id and discarded instead of being taken for the
 * answer to the next request. Gateway exceptions (0x0A path unavailable, 0x0B target failed to
 * respond) come back as exception PDUs like any other, for the client to map.
 *
 * A corrupt header (protocol id ≠ 0, impossible length) loses the frame boundaries of the stream:
 * the link fails the transaction with E_PROTOCOL, closes the socket and answers every later call
 * with E_DISCONNECTED, so the registry opens a fresh connection (see MbapDecoder).
 */
import type { Clock } from '../core/clock';
import { systemClock } from '../core/clock';
import { DisconnectedError, ProtocolError, TimeoutError } from '../core/errors';
import type { ByteStream } from '../transport/types';
import type { ModbusLink, ModbusTransactOptions } from './link';
import { MbapDecoder, encodeMbap } from './mbap';
import type { MbapFrame } from './mbap';

export const DEFAULT_MBAP_TIMEOUT_MS = 1000;
/** How many past transaction ids count as "ours, but late" rather than foreign. */
const REMEMBERED_IDS = 16;

export interface MbapLinkOptions {
  /** Human form for messages (default the stream's label). */
  label?: string;
  /** Response timeout when a call gives none, ms. */
  timeoutMs?: number;
  clock?: Clock;
  /** The first transaction id (default 1); ids wrap after 65535. */
  firstTransactionId?: number;
}

interface Pending {
  readonly id: number;
  readonly unit: number;
  readonly fc: number;
  /** Clock time after which the request has timed out. */
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  resolve(pdu: Buffer): void;
  reject(err: unknown): void;
}

export class MbapLink implements ModbusLink {
  readonly label: string;
  /** Replies discarded because they answered an earlier (timed-out) request. */
  lateReplies = 0;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly decoder = new MbapDecoder();
  private readonly issued: number[] = [];
  private nextId: number;
  private pending: Pending | undefined;
  private dead: Error | undefined;
  private readonly unsubscribe: (() => void)[];
  /**
   * One timer watches the deadlines of successive requests rather than one armed and cleared per
   * request (a timer-list insert and removal each, a tenth of the link's own cost on loopback).
   * It is re-armed when it fires early for a later request, and only cleared when a request
   * needs it sooner than it is set for.
   */
  private watchdog: { handle: unknown; at: number } | undefined;
  /**
   * The abort signal listened to. The registry hands successive transactions the same signal
   * until one is aborted, so the listener stays on it instead of being added and removed per
   * request.
   */
  private listened: AbortSignal | undefined;
  private readonly onAbort = (): void => {
    const p = this.pending;
    if (p && p.signal === this.listened) p.reject(p.signal?.reason);
  };

  constructor(
    private readonly stream: ByteStream,
    options: MbapLinkOptions = {},
  ) {
    this.label = options.label ?? stream.label;
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_MBAP_TIMEOUT_MS;
    this.nextId = (options.firstTransactionId ?? 1) & 0xffff;
    this.unsubscribe = [
      stream.onData((chunk) => this.receive(chunk)),
      stream.onClose((err) => this.lost(err)),
    ];
  }

  /** Stops listening to the stream (the stream itself belongs to the registry). */
  dispose(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe.length = 0;
    this.listen(undefined);
    if (this.watchdog) this.clock.clearTimeout(this.watchdog.handle);
    this.watchdog = undefined;
  }

  transact(unit: number, pdu: Uint8Array, options: ModbusTransactOptions = {}): Promise<Buffer | undefined> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.pending)
      return Promise.reject(
        new ProtocolError(
          `${this.label}: a Modbus TCP transaction is already in flight; they run one at a time.`,
        ),
      );
    const id = this.nextId;
    let frame: Buffer;
    try {
      frame = encodeMbap({ transactionId: id, unitId: unit, pdu });
    } catch (err) {
      return Promise.reject(err);
    }
    this.nextId = (id + 1) & 0xffff;
    this.issued.push(id);
    if (this.issued.length > REMEMBERED_IDS) this.issued.shift();
    // Broadcast: nothing answers.
    if (unit === 0) return this.stream.write(frame).then(() => undefined);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise<Buffer>((resolve, reject) => {
      const settle = (): void => {
        if (this.pending === entry) this.pending = undefined;
      };
      const entry: Pending = {
        id,
        unit,
        fc: pdu[0]!,
        deadline: this.clock.now() + timeoutMs,
        timeoutMs,
        signal,
        resolve: (reply) => {
          settle();
          resolve(reply);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      };
      this.pending = entry;
      this.listen(signal);
      this.watch(entry.deadline);
      // An OS-coded write error (EPIPE, ECONNRESET) passes through: the registry reopens on it.
      this.stream.write(frame).catch((err: unknown) => entry.reject(err));
    });
  }

  /** Listens to `signal` (and no other), for the pending request's abort. */
  private listen(signal: AbortSignal | undefined): void {
    if (signal === this.listened) return;
    this.listened?.removeEventListener('abort', this.onAbort);
    this.listened = signal;
    signal?.addEventListener('abort', this.onAbort);
  }

  /** Makes sure the watchdog fires no later than `deadline`. */
  private watch(deadline: number): void {
    if (this.watchdog && this.watchdog.at <= deadline) return;
    if (this.watchdog) this.clock.clearTimeout(this.watchdog.handle);
    const handle = this.clock.setTimeout(
      () => this.watchdogFired(),
      Math.max(0, deadline - this.clock.now()),
    );
    this.watchdog = { handle, at: deadline };
  }

  private watchdogFired(): void {
    this.watchdog = undefined;
    const p = this.pending;
    if (!p) return;
    if (this.clock.now() < p.deadline) {
      this.watch(p.deadline);
      return;
    }
    p.reject(
      new TimeoutError(
        `No Modbus TCP reply from unit ${p.unit} via ${this.label} within ${p.timeoutMs} ms (transaction ${p.id}). Check the gateway's address and that the device answers on its serial side.`,
        { resource: this.label },
      ),
    );
  }

  private receive(chunk: Buffer): void {
    const { frames, error } = this.decoder.push(chunk);
    for (const frame of frames) this.accept(frame);
    if (error) {
      this.pending?.reject(error);
      this.kill(
        new DisconnectedError(
          `${this.label}: the connection was dropped after a corrupt Modbus TCP frame; reopening.`,
          {
            resource: this.label,
            cause: error,
          },
        ),
      );
      this.stream.close().catch(() => undefined);
    }
  }

  private accept(frame: MbapFrame): void {
    const p = this.pending;
    if (!p || frame.transactionId !== p.id) {
      if (!p || this.issued.includes(frame.transactionId)) {
        this.lateReplies++;
        return;
      }
      p.reject(
        new ProtocolError(
          `${this.label} answered transaction ${frame.transactionId}, but transaction ${p.id} was sent (unit ${p.unit}).`,
          { resource: this.label },
        ),
      );
      return;
    }
    if (frame.unitId !== p.unit) {
      p.reject(
        new ProtocolError(`${this.label}: the reply to unit ${p.unit} came from unit ${frame.unitId}.`, {
          resource: this.label,
        }),
      );
      return;
    }
    if ((frame.pdu[0]! & 0x7f) !== p.fc) {
      p.reject(
        new ProtocolError(
          `${this.label}: unit ${p.unit} answered function 0x${frame.pdu[0]!.toString(16)} to a request with function 0x${p.fc.toString(16)}.`,
          { resource: this.label },
        ),
      );
      return;
    }
    p.resolve(frame.pdu);
  }

  private lost(err?: Error): void {
    const reason =
      err ??
      new DisconnectedError(`${this.label} closed the connection.`, {
        resource: this.label,
      });
    this.pending?.reject(reason);
    this.kill(reason);
  }

  private kill(reason: Error): void {
    this.dead = reason;
    this.dispose();
  }
}

const links = new WeakMap<ByteStream, MbapLink>();

/** The one MbapLink of a stream (created on first use; the first caller's options apply). */
export function mbapLinkFor(stream: ByteStream, options?: MbapLinkOptions): MbapLink {
  let link = links.get(stream);
  if (!link) {
    link = new MbapLink(stream, options);
    links.set(stream, link);
  }
  return link;
}
