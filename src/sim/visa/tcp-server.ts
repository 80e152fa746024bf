/**
 * Serves a simulated SCPI instrument on a raw TCP socket (what `TCPIP::host::port::SOCKET`
 * talks to): LF-terminated messages both ways, one instrument session per connection, all
 * connections on the same model (as several clients on one real instrument).
 */
import { formatHost } from '../../core/identity';
import type { ScpiDeviceModel } from '../../visa/types';
import { listenTcp } from '../tcp-listener';
import type { SimListenAddress } from '../tcp-listener';
import { SimInstrumentPort } from './instrument-port';

export type SimServerAddress = SimListenAddress;

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
  const listener = await listenTcp({ ...address, port: address.port ?? 5025 }, (socket) => {
    const port = new SimInstrumentPort(model);
    const unplug = (): void => {
      // A pulled LAN cable looks like a reset to the client.
      if (!socket.destroyed) socket.resetAndDestroy();
    };
    let session = false;
    socket.on('close', () => {
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
  return Object.assign(listener, {
    resource: `TCPIP::${formatHost(listener.host)}::${listener.port}::SOCKET`,
  });
}
