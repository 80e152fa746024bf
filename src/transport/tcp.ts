/**
 * Raw TCP socket transport (`TCPIP::host::port::SOCKET`, conventionally port 5025): SCPI messages
 * terminated by LF in both directions, no END marker and no device clear (so `clear` only drops
 * unread input). Also exports the promise-shaped connect used by the VXI-11 client.
 */
import * as net from 'net';
import type { LabbenchError } from '../core/errors';
import { NotFoundError, TimeoutError, toLabbenchError } from '../core/errors';
import { LineTransport } from './line-transport';
import type { MessageTransport } from './message';

export interface TcpConnectOptions {
  host: string;
  port: number;
  /** Human form for messages. */
  label: string;
  /** Connect timeout, ms. */
  timeoutMs: number;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/** Connects, or fails with NotFoundError (nothing there), TimeoutError, or the mapped OS error. */
export function connectTcp(options: TcpConnectOptions): Promise<net.Socket> {
  const { host, port, label, timeoutMs } = options;
  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (err: LabbenchError): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      // Keep a no-op error listener: a late error from the destroyed socket must not crash the process.
      socket.on('error', () => undefined);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () =>
        fail(
          new TimeoutError(
            `Could not connect to ${label} (${host}:${port}) within ${timeoutMs} ms. Check the address, the network and that the instrument's LAN interface is on.`,
            { resource: label },
          ),
        ),
      timeoutMs,
    );
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== undefined && UNREACHABLE.has(err.code)) {
        fail(
          new NotFoundError(
            `Nothing answers at ${host}:${port} for ${label} (${err.code}). Check the address and port, and that the instrument's LAN interface (raw socket / VXI-11) is enabled.`,
            { resource: label, cause: err },
          ),
        );
      } else {
        fail(toLabbenchError(err, { resource: label, action: 'Connecting' }));
      }
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      // Notice a dead peer (power cut, cable pulled) on an idle session eventually.
      socket.setKeepAlive(true, 10_000);
      resolve(socket);
    });
  });
}

/** Writes and resolves when the bytes are handed to the OS. */
export function socketWrite(socket: net.Socket, bytes: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (socket.destroyed || !socket.writable) {
      reject(Object.assign(new Error('socket is not connected'), { code: 'ENOTCONN' }));
      return;
    }
    socket.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}

/** Ends the socket politely, destroying it if the peer does not finish within `graceMs`. */
export function socketClose(socket: net.Socket, graceMs = 500): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed) {
      resolve();
      return;
    }
    const timer = setTimeout(() => socket.destroy(), graceMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', () => undefined);
    socket.end();
  });
}

/** Opens `TCPIP::host::port::SOCKET`. */
export async function openTcpSocketTransport(options: TcpConnectOptions): Promise<MessageTransport> {
  const socket = await connectTcp(options);
  const transport = new LineTransport(options.label, {
    write: (bytes) => socketWrite(socket, bytes),
    close: () => socketClose(socket),
  });
  let lastError: Error | undefined;
  socket.on('data', (chunk: Buffer) => transport.deliver(chunk));
  socket.on('error', (err) => {
    lastError = err;
  });
  socket.on('close', () => transport.died(lastError));
  return transport;
}
