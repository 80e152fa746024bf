/**
 * The TCP side shared by the simulators that listen (device server, Modbus gateway, raw SCPI
 * socket, HiSLIP): listen, track connections, log their opening and closing in order (tests prove
 * from it that an old connection is closed before the next one opens), close everything on `close`.
 */
import { formatHost } from '../core/identity';
import * as net from 'net';

export interface SimListenAddress {
  /** Loopback by default; the simulators never listen beyond what they are told. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface SimTcpListener {
  readonly host: string;
  readonly port: number;
  /** Connections open now. */
  readonly connectionCount: number;
  /** `open#n` / `close#n` in the order they happened, n counting accepted connections from 1. */
  readonly events: string[];
  /** Resets every open connection (a LAN glitch); the server keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Listens and hands each accepted socket (with its number) to `onConnection`. */
export async function listenTcp(
  address: SimListenAddress,
  onConnection: (socket: net.Socket, id: number) => void,
): Promise<SimTcpListener> {
  const host = address.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  const events: string[] = [];
  let accepted = 0;
  const server = net.createServer((socket) => {
    const id = ++accepted;
    sockets.add(socket);
    events.push(`open#${id}`);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      events.push(`close#${id}`);
    });
    try {
      onConnection(socket, id);
    } catch {
      socket.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const bound = server.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    host,
    port: bound.port,
    get connectionCount() {
      return sockets.size;
    },
    events,
    dropConnections() {
      for (const socket of sockets) socket.resetAndDestroy();
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** `host:port` or `[v6]:port` as a URL authority. */
export function authority(host: string, port: number): string {
  return `${formatHost(host)}:${port}`;
}
