/**
 * Byte-time pacing for a simulator on a real serial device. A PTY moves bytes as fast as the
 * kernel copies them; a 38400-baud RS-485 line takes 10 bits a byte. The writer releases each
 * byte when its last bit would have left the UART: frame start = max(requested start, line free),
 * byte i done at start + (i + 1) × byte time. Deadlines are absolute, so however late one timer
 * fires the average rate stays right (the next write simply carries the bytes that came due),
 * and no timer per byte is needed: each wake-up writes every byte due by then, in one chunk.
 * The last byte of a frame — the one the receiver acts on — is polled for in the final
 * sub-millisecond rather than left to a timer that may fire a whole millisecond late.
 *
 * `LineClock` does the same bookkeeping for received bytes: the PTY hands over a request the
 * moment the host wrote it, while on the wire its last byte arrives n byte times later.
 */
import { performance } from 'perf_hooks';
import type { SerialSettings } from '../transport/types';

/** Start bit + data bits + parity bit + stop bits. */
export function bitsPerCharacter(settings: Pick<SerialSettings, 'dataBits' | 'parity' | 'stopBits'>): number {
  return 1 + settings.dataBits + (settings.parity === 'none' ? 0 : 1) + settings.stopBits;
}

export function byteTimeMs(baudRate: number, bitsPerByte = 10): number {
  return (bitsPerByte * 1000) / baudRate;
}

export interface PacingScheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Runs `fn` on the next turn of the event loop. */
  setImmediate(fn: () => void): unknown;
  clearImmediate(handle: unknown): void;
}

export const realScheduler: PacingScheduler = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (h) => clearImmediate(h as NodeJS.Immediate),
};

export interface PacedWriterOptions {
  baudRate: number;
  /** Bits on the wire per byte (default 10: 8N1). */
  bitsPerByte?: number;
  scheduler?: PacingScheduler;
  /** Below this many ms to a frame's last byte, poll instead of arming a timer (0 = never poll). */
  pollBelowMs?: number;
  /**
   * Shortest wait between two writes inside a frame, ms (default 1: Node's timer resolution).
   * Bytes due meanwhile go out together; the frame's last byte is still released on time.
   */
  tickMs?: number;
}

interface Segment {
  bytes: Buffer;
  /** Due time of bytes[0]'s last bit. */
  firstDue: number;
  /** How many bytes of `bytes` are written already. */
  sent: number;
}

export class PacedWriter {
  private readonly byteMs: number;
  private readonly scheduler: PacingScheduler;
  private readonly pollBelowMs: number;
  private readonly tickMs: number;
  private readonly queue: Segment[] = [];
  private freeAt = -Infinity;
  private wake: { kind: 'timeout' | 'immediate'; handle: unknown } | undefined;
  private closed = false;

  constructor(
    private readonly sink: (bytes: Buffer) => void,
    options: PacedWriterOptions,
  ) {
    this.byteMs = byteTimeMs(options.baudRate, options.bitsPerByte ?? 10);
    this.scheduler = options.scheduler ?? realScheduler;
    this.pollBelowMs = options.pollBelowMs ?? 1;
    this.tickMs = options.tickMs ?? 1;
  }

  /** When the line is idle again (the last queued byte's end), in scheduler time. */
  get lineFreeAt(): number {
    return this.freeAt;
  }

  /** Queues a frame to start at `startAt` (default now) or when the line is free, if later. */
  write(bytes: Uint8Array, startAt?: number): void {
    if (this.closed || bytes.length === 0) return;
    const start = Math.max(startAt ?? this.scheduler.now(), this.freeAt);
    this.queue.push({ bytes: Buffer.from(bytes), firstDue: start + this.byteMs, sent: 0 });
    this.freeAt = start + bytes.length * this.byteMs;
    if (!this.wake) this.pump();
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.cancel();
  }

  private cancel(): void {
    if (this.wake?.kind === 'timeout') this.scheduler.clearTimeout(this.wake.handle);
    else if (this.wake) this.scheduler.clearImmediate(this.wake.handle);
    this.wake = undefined;
  }

  private pump(): void {
    this.wake = undefined;
    if (this.closed) return;
    const now = this.scheduler.now();
    const due: Buffer[] = [];
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      // Bytes of this segment whose last bit is out by now (a tiny epsilon absorbs float error).
      const ready = Math.min(head.bytes.length, Math.floor((now - head.firstDue) / this.byteMs + 1e-9) + 1);
      if (ready > head.sent) {
        due.push(head.bytes.subarray(head.sent, ready));
        head.sent = ready;
      }
      if (head.sent < head.bytes.length) break;
      this.queue.shift();
    }
    if (due.length > 0) this.sink(due.length === 1 ? due[0]! : Buffer.concat(due));
    const head = this.queue[0];
    if (!head) return;
    const nextDue = head.firstDue + head.sent * this.byteMs;
    const frameEnd = head.firstDue + (head.bytes.length - 1) * this.byteMs;
    if (frameEnd - now < this.pollBelowMs)
      this.wake = { kind: 'immediate', handle: this.scheduler.setImmediate(() => this.pump()) };
    else {
      // At most one wake-up a tick, but never past the moment the frame's end needs attention.
      const wait = Math.min(Math.max(nextDue - now, this.tickMs), frameEnd - this.pollBelowMs - now);
      this.wake = {
        kind: 'timeout',
        handle: this.scheduler.setTimeout(() => this.pump(), Math.max(0, wait)),
      };
    }
  }
}

/** Arrival times of received bytes as the wire would have delivered them. */
export class LineClock {
  private freeAt = -Infinity;
  private readonly byteMs: number;

  constructor(
    baudRate: number,
    bitsPerByte = 10,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.byteMs = byteTimeMs(baudRate, bitsPerByte);
  }

  /** When the last of `byteCount` bytes received now would have arrived. */
  arrival(byteCount: number): number {
    this.freeAt = Math.max(this.now(), this.freeAt) + byteCount * this.byteMs;
    return this.freeAt;
  }
}
