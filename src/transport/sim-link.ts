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
  onData(listener: (chunk: Buffer) => void): () => void;
  /** Called when the host end closes the link. */
  onClose(listener: () => void): () => void;
  /** Sends bytes to the host (dropped while unplugged, as on a dead cable). */
  write(bytes: Uint8Array): void;
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

/** One direction of the line: keeps frames in order and, when paced, spaced by wire time. */
class Direction {
  private lineFreeAt = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly pace: boolean,
    private readonly baudRate: number,
    private readonly deliver: (chunk: Buffer) => void,
  ) {}

  send(bytes: Uint8Array): void {
    const chunk = Buffer.from(bytes);
    if (!this.pace) {
      // Asynchronous even unpaced, so a reply never re-enters the writer's call stack.
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.deliver(chunk);
      }, 0);
      this.timers.add(timer);
      return;
    }
    const now = performance.now();
    const start = Math.max(now, this.lineFreeAt);
    this.lineFreeAt = start + wireTimeMs(chunk.length, this.baudRate);
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.deliver(chunk);
      },
      Math.max(0, this.lineFreeAt - now),
    );
    this.timers.add(timer);
  }

  cancel(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export function createSimLink(options: SimLinkOptions): SimLink {
  const baudRate = options.baudRate ?? 38400;
  const pace = options.pace === true;
  const hostData = new ListenerSet<[Buffer]>();
  const hostClose = new ListenerSet<[Error | undefined]>();
  const deviceData = new ListenerSet<[Buffer]>();
  const deviceClose = new ListenerSet<[]>();
  let open = true;
  let plugged = true;

  const toDevice = new Direction(pace, baudRate, (chunk) => {
    if (open && plugged) deviceData.emit(chunk);
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
    write(bytes) {
      if (open && plugged) toHost.send(bytes);
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
