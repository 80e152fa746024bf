/**
 * Serves a simulated SCPI instrument on a raw TCP socket (what `TCPIP::host::port::SOCKET`
 * talks to): LF-terminated messages both ways, one instrument session per connection, all
 * connections on the same model (as several clients on one real instrument).
 */
import * as net from 'net';
import type { ScpiDeviceModel } from '../../visa/types';
import { SimInstrumentPort } from './instrument-port';

export interface SimServerAddress {
  /** Loopback by default; the simulators never listen beyond what they are told. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface ScpiTcpServer {
  readonly host: string;
  readonly port: number;
  /** `TCPIP::<host>::<port>::SOCKET` */
  readonly resource: string;
  readonly connectionCount: number;
  /** Fault injection: resets every client connection (a LAN glitch); the server keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function serveScpiOverTcp(
  model: ScpiDeviceModel,
  address: SimServerAddress = {},
): Promise<ScpiTcpServer> {
  const host = address.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const port = new SimInstrumentPort(model);
    const unplug = (): void => {
      // A pulled LAN cable looks like a reset to the client.
      if (!socket.destroyed) socket.resetAndDestroy();
    };
    socket.on('error', () => undefined);
    let session = false;
    socket.on('close', () => {
      sockets.delete(socket);
      port.close();
      if (session) model.closeSession?.();
    });
    if (!port.connected) {
      unplug();
      return;
    }
    try {
      model.openSession?.();
      session = true;
    } catch {
      // A raw socket has no "busy" answer: the instrument just drops the connection.
      unplug();
      return;
    }
    socket.setNoDelay(true);
    port.onFault(unplug);
    port.onOutput(() => {
      while (port.hasOutput) {
        const { data } = port.take(1 << 20);
        if (!socket.destroyed) socket.write(data);
      }
    });
    socket.on('data', (chunk: Buffer) => {
      if (!port.connected) {
        unplug();
        return;
      }
      port.input(chunk, false);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port ?? 5025, host, () => {
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
    resource: `TCPIP::${host}::${bound.port}::SOCKET`,
    get connectionCount() {
      return sockets.size;
    },
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
