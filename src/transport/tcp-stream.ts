/**
 * A `ByteStream` over a raw TCP socket: the bus behind a serial device server in "TCP server" mode
 * (`tcp://host:port`, bytes unchanged, Std Bus and Modbus RTU alike) or a Modbus TCP gateway
 * (`modbus-tcp://host[:502]`, which MbapLink frames). Failures carry OS codes or the package's
 * errors, so the registry's rules apply as on a local port: refused → E_NOT_FOUND, a connection
 * the peer drops → an ECONNRESET-coded close, i.e. "device went away": the registry closes this
 * stream before it opens the next one and retries the failed transaction once.
 */
import type * as net from 'net';
import { parseNetworkBusPath, formatNetworkBusAddress } from '../core/identity';
import type { NetworkBusScheme } from '../core/identity';
import { InvalidInputError } from '../core/errors';
import { connectTcp, socketClose, socketWrite } from './tcp';
import { ListenerSet } from './types';
import type { ByteStream, SerialSettings } from './types';

export const DEFAULT_TCP_CONNECT_TIMEOUT_MS = 3000;

export interface TcpStreamOptions {
  host: string;
  port: number;
  /** Human form for messages, e.g. "tcp://10.0.0.5:4001". */
  label: string;
  connectTimeoutMs?: number;
}

/** An error shaped like the OS's for a connection the other end reset. */
function connectionLost(label: string, detail: string, cause?: Error): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ECONNRESET: ${label} ${detail}`, { cause });
  err.code =
    cause && (cause as NodeJS.ErrnoException).code ? (cause as NodeJS.ErrnoException).code : 'ECONNRESET';
  return err;
}

/** Wraps a connected socket. Exported for servers' tests; openers use `openTcpStream`. */
export function tcpByteStream(socket: net.Socket, label: string): ByteStream {
  const data = new ListenerSet<[Buffer]>();
  const closed = new ListenerSet<[Error | undefined]>();
  let open = true;
  let lastError: Error | undefined;
  socket.on('data', (chunk: Buffer) => data.emit(chunk));
  // Without an 'error' listener a reset would be an uncaught exception; the close reports it.
  socket.on('error', (err: Error) => {
    lastError = err;
  });
  socket.on('close', () => {
    if (!open) return;
    open = false;
    // Whatever the reason (reset, FIN from a rebooting device server), the line is gone.
    closed.emit(connectionLost(label, 'closed the connection', lastError));
    data.clear();
    closed.clear();
  });
  return {
    label,
    get isOpen() {
      return open && !socket.destroyed;
    },
    write(bytes) {
      if (!open) return Promise.reject(connectionLost(label, 'is closed'));
      return socketWrite(socket, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
    onData: (listener) => data.add(listener),
    onClose: (listener) => closed.add(listener),
    // Bytes are handed to the listeners as they arrive: nothing is held here to drop.
    flushInput: () => Promise.resolve(),
    close() {
      if (!open) return Promise.resolve();
      open = false;
      data.clear();
      closed.clear();
      return socketClose(socket);
    },
  };
}

/** Connects; fails with E_NOT_FOUND (nothing listening), E_TIMEOUT, or an OS-coded error. */
export async function openTcpStream(options: TcpStreamOptions): Promise<ByteStream> {
  const socket = await connectTcp({
    host: options.host,
    port: options.port,
    label: options.label,
    timeoutMs: options.connectTimeoutMs ?? DEFAULT_TCP_CONNECT_TIMEOUT_MS,
  });
  return tcpByteStream(socket, options.label);
}

/** The opener shape of a port path: settings are the device server's business, so unused here. */
export type NetworkBusOpener = (path: string, settings?: SerialSettings) => Promise<ByteStream>;

function openerFor(scheme: NetworkBusScheme, connectTimeoutMs?: number): NetworkBusOpener {
  return async (path) => {
    const address = parseNetworkBusPath(path);
    if (!address || address.scheme !== scheme)
      throw new InvalidInputError(`"${path}" is not a ${scheme}:// path.`);
    return openTcpStream({
      host: address.host,
      port: address.port,
      label: formatNetworkBusAddress(address),
      connectTimeoutMs,
    });
  };
}

/** Opener of `tcp://host:port` (serial device server, raw bytes). */
export function tcpSerialOpener(options: { connectTimeoutMs?: number } = {}): NetworkBusOpener {
  return openerFor('tcp', options.connectTimeoutMs);
}

/** Opener of `modbus-tcp://host[:502]` (the socket MbapLink frames). */
export function modbusTcpOpener(options: { connectTimeoutMs?: number } = {}): NetworkBusOpener {
  return openerFor('modbus-tcp', options.connectTimeoutMs);
}

export const openTcpSerialPort: NetworkBusOpener = tcpSerialOpener();
export const openModbusTcpGateway: NetworkBusOpener = modbusTcpOpener();
