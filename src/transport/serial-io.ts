/**
 * Reads and writes of an open serial port on the event-loop thread instead of libuv's threadpool.
 *
 * serialport's Linux and macOS bindings open the port non-blocking and watch it with a poller on
 * the event loop, but do every read() and write() as `fs.read` / `fs.write`, i.e. on the
 * threadpool. That costs each received chunk and each sent frame a hand-over to a pool thread and
 * back, and it puts them in the one queue (four threads by default) that Node-RED's file nodes,
 * file-backed context, DNS lookups (MQTT, HTTP) and zlib also use: while those occupy the pool, a
 * controller's reply sits unread and the poll stalls. On a non-blocking descriptor a read or write
 * system call never waits, so it can run right where the poller's event arrives, as libuv does for
 * sockets.
 *
 * Applied to the port object the binding opened (`SerialPort#port`), only when it is the kind this
 * is written for — a numeric `fd` and a `poller` — and the descriptor is seen to be non-blocking,
 * which Linux shows in /proc/self/fdinfo (serialport opens it so on every Unix, but a blocking
 * descriptor would freeze the event loop, so it is checked, not assumed). Elsewhere (macOS, where
 * there is no such file; Windows, whose binding has no poller) the port keeps the binding's own
 * I/O. Open, settings, flush, drain and close stay the binding's own.
 */
import * as fs from 'fs';

/** The part of serialport's Linux / macOS port object this module relies on. */
interface PolledPort {
  fd: number | null;
  readonly isOpen: boolean;
  readonly poller: { once(event: 'readable' | 'writable', callback: (err: Error | null) => void): unknown };
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
  write(buffer: Buffer): Promise<void>;
  drain(): Promise<void>;
}

/** Whether `fd` is open with O_NONBLOCK, as far as the OS shows it (Linux); false when unknown. */
export function isNonBlocking(fd: number): boolean {
  let info: string;
  try {
    info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  } catch {
    return false;
  }
  const flags = /^flags:[ \t]*([0-7]+)$/m.exec(info)?.[1];
  return flags !== undefined && (parseInt(flags, 8) & fs.constants.O_NONBLOCK) !== 0;
}

function isPolledPort(port: unknown): port is PolledPort {
  if (typeof port !== 'object' || port === null) return false;
  const p = port as Partial<PolledPort>;
  return (
    typeof p.fd === 'number' &&
    typeof p.read === 'function' &&
    typeof p.write === 'function' &&
    typeof p.drain === 'function' &&
    typeof p.poller === 'object' &&
    p.poller !== null &&
    typeof p.poller.once === 'function'
  );
}

/**
 * serialport's stream ignores an error marked canceled (the port is closing) and takes any other
 * one for a disconnect, as with the binding's own reads: an unplugged adapter's EIO closes the port.
 */
function portClosed(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

function wouldBlock(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR';
}

function whenReady(port: PolledPort, event: 'readable' | 'writable'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    port.poller.once(event, (err) => (err ? reject(err) : resolve()));
  });
}

async function readNow(
  port: PolledPort,
  buffer: Buffer,
  offset: number,
  length: number,
): Promise<{ buffer: Buffer; bytesRead: number }> {
  for (;;) {
    if (!port.isOpen || port.fd === null) throw portClosed();
    try {
      const bytesRead = fs.readSync(port.fd, buffer, offset, length, null);
      if (bytesRead > 0) return { buffer, bytesRead };
      // 0 bytes from a tty is a hang-up, not data: wait for the poller like an empty read (the
      // binding re-reads at once, which here would spin the event loop).
    } catch (err) {
      if (!wouldBlock(err)) throw err;
    }
    await whenReady(port, 'readable');
  }
}

async function writeNow(port: PolledPort, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    if (!port.isOpen || port.fd === null) throw new Error('Port is not open');
    try {
      offset += fs.writeSync(port.fd, buffer, offset, buffer.length - offset);
      continue;
    } catch (err) {
      if (!wouldBlock(err)) throw err;
    }
    await whenReady(port, 'writable');
  }
}

/**
 * Switches an open port's reads and writes to the event-loop thread (see the module comment).
 * Returns whether it did: false leaves the port on the binding's own I/O.
 */
export function readWriteOnEventLoop(port: unknown): boolean {
  if (!isPolledPort(port) || port.fd === null || !isNonBlocking(port.fd)) return false;
  let lastWrite: Promise<void> = Promise.resolve();
  const drain = port.drain.bind(port);
  port.read = (buffer, offset, length) => readNow(port, buffer, offset, length);
  port.write = (buffer) => {
    lastWrite = writeNow(port, buffer);
    return lastWrite;
  };
  // Drain means "until the bytes have left": the binding's own drain only knows its own writes.
  port.drain = async () => {
    await lastWrite.catch(() => undefined);
    return drain();
  };
  return true;
}
