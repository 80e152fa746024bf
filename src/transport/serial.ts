/**
 * OS serial ports as `ByteStream`s through `serialport`. The opener table (openers.ts) routes
 * every other stream scheme (`sim:`, `tcp://`…) elsewhere.
 */
import { UnsupportedError } from '../core/errors';
import { readWriteOnEventLoop } from './serial-io';
import { ListenerSet } from './types';
import type { ByteStream, SerialSettings } from './types';
import type { SerialPort as SerialPortClass } from 'serialport';

/** serialport's errors often lack `code`; recover it from the text so classification works. */
function withOsCode(err: unknown, path: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = err instanceof Error ? err : new Error(String(err));
  if (e.code === undefined) {
    const m = e.message;
    if (/No such file or directory|ENOENT/i.test(m)) e.code = 'ENOENT';
    else if (/Cannot lock port|Resource temporarily unavailable|EAGAIN/i.test(m)) e.code = 'EBUSY';
    else if (/EBUSY|Resource busy/i.test(m)) e.code = 'EBUSY';
    else if (/Input\/output error|EIO/i.test(m)) e.code = 'EIO';
    else if (/Permission denied|EACCES/i.test(m)) e.code = 'EACCES';
    else if (/Port is not open|EBADF|Bad file descriptor/i.test(m)) e.code = 'EBADF';
  }
  if (!e.message.includes(path)) e.message = `${e.message} (${path})`;
  return e;
}

/** Opens the OS port `path` with `settings`. Errors carry OS codes (ENOENT, EBUSY…) for the registry to classify. */
export async function openSerialPort(path: string, settings: SerialSettings): Promise<ByteStream> {
  // Loaded here rather than at the top so that the simulators and the VISA TCP path work even
  // where the native serial binding cannot load.
  let SerialPortCtor: typeof SerialPortClass;
  try {
    SerialPortCtor = (await import('serialport')).SerialPort;
  } catch (err) {
    throw new UnsupportedError(
      `Serial ports are unavailable on this system: the serialport binding failed to load (${String(err)}).`,
      {
        cause: err,
      },
    );
  }
  const port = new SerialPortCtor({
    path,
    baudRate: settings.baudRate,
    dataBits: settings.dataBits,
    parity: settings.parity,
    stopBits: settings.stopBits,
    autoOpen: false,
    // An advisory flock: a second program opening the port gets "Cannot lock port" = busy.
    lock: true,
  });
  const data = new ListenerSet<[Buffer]>();
  const closed = new ListenerSet<[Error | undefined]>();
  let isOpen = false;

  await new Promise<void>((resolve, reject) => {
    port.open((err) => (err ? reject(withOsCode(err, path)) : resolve()));
  });
  isOpen = true;
  // Before the first read starts (that is, before a 'data' listener): replies are read where the
  // poller sees them, not queued behind file and DNS work in the threadpool (see serial-io.ts).
  readWriteOnEventLoop(port.port);

  port.on('data', (chunk: Buffer) => data.emit(chunk));
  // Without an 'error' listener an asynchronous port error would crash the process.
  port.on('error', (err: Error) => {
    if (!isOpen) return;
    isOpen = false;
    closed.emit(withOsCode(err, path));
  });
  port.on('close', (err?: Error & { disconnected?: boolean }) => {
    if (!isOpen) return;
    isOpen = false;
    closed.emit(err ? withOsCode(err, path) : undefined);
  });

  return {
    label: path,
    get isOpen() {
      return isOpen && port.isOpen;
    },
    write(bytes) {
      return new Promise<void>((resolve, reject) => {
        if (!port.isOpen) {
          reject(withOsCode(new Error('Port is not open'), path));
          return;
        }
        port.write(Buffer.from(bytes), (err) => (err ? reject(withOsCode(err, path)) : resolve()));
      });
    },
    onData: (listener) => data.add(listener),
    onClose: (listener) => closed.add(listener),
    flushInput() {
      return new Promise<void>((resolve) => {
        if (!port.isOpen) {
          resolve();
          return;
        }
        // A failed flush only means stale bytes may remain; the client discards them anyway.
        port.flush(() => resolve());
      });
    },
    close() {
      isOpen = false;
      data.clear();
      closed.clear();
      // A stream whose write failed (EIO after an unplug) emits 'error' a tick later; with no
      // listener left that would be an uncaught exception, i.e. a crashed Node-RED.
      const quiet = (): void => {
        port.removeAllListeners();
        port.on('error', () => undefined);
      };
      return new Promise<void>((resolve, reject) => {
        if (!port.isOpen) {
          quiet();
          resolve();
          return;
        }
        port.close((err) => {
          quiet();
          // Closing a port whose device vanished fails with EIO; it is closed all the same.
          if (err && !/EIO|Input\/output|not open/i.test(err.message)) reject(withOsCode(err, path));
          else resolve();
        });
      });
    },
  };
}

/** Lists OS serial ports; never throws (no udevadm in containers, no permission…). */
export async function listSerialPorts(): Promise<{
  ports: { path: string; manufacturer?: string; serialNumber?: string }[];
  error?: string;
}> {
  try {
    const { SerialPort } = await import('serialport');
    const list = await SerialPort.list();
    return {
      ports: list.map((p) => ({ path: p.path, manufacturer: p.manufacturer, serialNumber: p.serialNumber })),
    };
  } catch (err) {
    return { ports: [], error: err instanceof Error ? err.message : String(err) };
  }
}
