/**
 * An in-process serial line: a duplex byte pipe between a host end (what protocol clients see, a
 * `ByteStream` like a real port) and a device end (where a simulator listens). Optional pacing
 * delivers bytes after their wire time, one frame after another, as a real UART would; fault hooks
 * make the line behave like an unplugged USB adapter.
 */
import { ListenerSet } from './types';
import type { ByteStream } from './types';

export interface SimLinkOptions {
  label: string;
  baudRate?: number;
  /** Deliver bytes after bytes × 10 / baud (start + 8 data + stop bits). Default false. */
  pace?: boolean;
}

export interface SimDevicePort {
  readonly isOpen: boolean;
  readonly plugged: boolean;
  /**
   * `at` is when the chunk's last byte crossed the wire (performance.now() ms): its due time on a
   * paced link, which the delivery itself may trail by a fraction of a millisecond; the delivery
   * time on an unpaced one. A device schedules its reply from it, not from when it was told.
   */
  onData(listener: (chunk: Buffer, at: number) => void): () => void;
  /** Called when the host end closes the link. */
  onClose(listener: () => void): () => void;
  /**
   * Sends bytes to the host (dropped while unplugged, as on a dead cable). On a paced link,
   * `startAt` (performance.now() ms, default now) is when the device starts transmitting: the
   * bytes arrive their wire time after it, or after the frame before them if the line is still
   * busy then. A reply scheduled against an absolute deadline (request's last byte + turnaround)
   * so keeps its timing even when the timer that produced it fired late. Unpaced links ignore it.
   */
  write(bytes: Uint8Array, startAt?: number): void;
  /** Host writes then fail with EIO, like a PTY whose other end died; no close event is raised. */
  unplug(): void;
  replug(): void;
}

export interface SimLink {
  host: ByteStream;
  device: SimDevicePort;
}

/** An error shaped like the one the OS gives for a vanished serial device. */
export function deviceGoneError(label: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`EIO: i/o error, write to ${label} (Input/output error)`);
  err.code = 'EIO';
  err.errno = -5;
  return err;
}

/** Wire time of `byteCount` bytes at `baudRate`, 10 bits a byte, in ms. */
export function wireTimeMs(byteCount: number, baudRate: number): number {
  return (byteCount * 10 * 1000) / baudRate;
}

/**
 * Below this many ms to a paced frame's due time, the link polls on setImmediate instead of arming
 * a timer. Node's timers count from the event loop's cached, whole-millisecond clock: measured
 * against performance.now(), setTimeout(fn, wait) fires anywhere from ~1 ms early to ~1 ms late,
 * and re-arming after an early fire costs Node's 1 ms minimum. Polling the last sub-millisecond
 * delivers within a few µs of the due time, at the cost of at most ~1 ms of event-loop turns.
 */
const POLL_BELOW_MS = 1;

/**
 * One direction of the line: frames leave in the order they were sent and, when paced, each
 * arrives once its last byte has crossed the wire. A single queue with one timer at a time keeps
 * the order whatever Node does with fractional or clamped timer delays (one timer per frame
 * would let a short frame written later overtake a long one written earlier). Due times are
 * absolute and each frame starts when the line is free, so a late timer never delays the frames
 * behind it.
 */
class Direction {
  private lineFreeAt = 0;
  private readonly queue: { due: number; chunk: Buffer }[] = [];
  private timer:
    { kind: 'immediate'; handle: NodeJS.Immediate } | { kind: 'timeout'; handle: NodeJS.Timeout } | undefined;

  constructor(
    private readonly pace: boolean,
    private readonly baudRate: number,
    private readonly deliver: (chunk: Buffer, at: number) => void,
  ) {}

  send(bytes: Uint8Array, startAt?: number): void {
    const chunk = Buffer.from(bytes);
    let due = 0;
    if (this.pace) {
      const start = Math.max(startAt ?? performance.now(), this.lineFreeAt);
      this.lineFreeAt = start + wireTimeMs(chunk.length, this.baudRate);
      due = this.lineFreeAt;
    }
    this.queue.push({ due, chunk });
    // Asynchronous even unpaced, so a reply never re-enters the writer's call stack.
    if (this.timer === undefined) this.schedule();
  }

  private schedule(): void {
    const head = this.queue[0];
    if (!head) return;
    const wait = head.due - performance.now();
    // A frame already due (always, unpaced) or due within the millisecond goes out on the next
    // turn of the event loop: setTimeout(…, 0) would cost a whole millisecond (Node's minimum).
    this.timer =
      wait < POLL_BELOW_MS
        ? { kind: 'immediate', handle: setImmediate(() => this.drain()) }
        : { kind: 'timeout', handle: setTimeout(() => this.drain(), wait) };
  }

  private drain(): void {
    this.timer = undefined;
    const now = performance.now();
    // Everything whose time has come, in order; a listener may close the line meanwhile.
    while (this.queue.length > 0 && this.queue[0].due <= now) {
      const { due, chunk } = this.queue.shift()!;
      this.deliver(chunk, this.pace ? due : now);
    }
    if (this.timer === undefined) this.schedule();
  }

  cancel(): void {
    if (this.timer?.kind === 'immediate') clearImmediate(this.timer.handle);
    else if (this.timer?.kind === 'timeout') clearTimeout(this.timer.handle);
    this.timer = undefined;
    this.queue.length = 0;
    this.lineFreeAt = 0;
  }
}

export function createSimLink(options: SimLinkOptions): SimLink {
  const baudRate = options.baudRate ?? 38400;
  const pace = options.pace === true;
  const hostData = new ListenerSet<[Buffer]>();
  const hostClose = new ListenerSet<[Error | undefined]>();
  const deviceData = new ListenerSet<[Buffer, number]>();
  const deviceClose = new ListenerSet<[]>();
  let open = true;
  let plugged = true;

  const toDevice = new Direction(pace, baudRate, (chunk, at) => {
    if (open && plugged) deviceData.emit(chunk, at);
  });
  const toHost = new Direction(pace, baudRate, (chunk) => {
    if (open && plugged) hostData.emit(chunk);
  });

  const host: ByteStream = {
    label: options.label,
    get isOpen() {
      return open;
    },
    write(bytes) {
      if (!open)
        return Promise.reject(Object.assign(new Error(`${options.label} is closed`), { code: 'EBADF' }));
      if (!plugged) return Promise.reject(deviceGoneError(options.label));
      toDevice.send(bytes);
      return Promise.resolve();
    },
    onData: (listener) => hostData.add(listener),
    onClose: (listener) => hostClose.add(listener),
    flushInput: () => Promise.resolve(),
    close() {
      if (!open) return Promise.resolve();
      open = false;
      toDevice.cancel();
      toHost.cancel();
      hostClose.emit(undefined);
      deviceClose.emit();
      hostData.clear();
      hostClose.clear();
      deviceData.clear();
      deviceClose.clear();
      return Promise.resolve();
    },
  };

  const device: SimDevicePort = {
    get isOpen() {
      return open;
    },
    get plugged() {
      return plugged;
    },
    onData: (listener) => deviceData.add(listener),
    onClose: (listener) => deviceClose.add(listener),
    write(bytes, startAt) {
      if (open && plugged) toHost.send(bytes, startAt);
    },
    unplug() {
      plugged = false;
      toDevice.cancel();
      toHost.cancel();
    },
    replug() {
      plugged = true;
    },
  };

  return { host, device };
}
