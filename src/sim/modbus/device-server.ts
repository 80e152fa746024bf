/**
 * A simulated serial device server in "TCP server" mode: every TCP connection is a wire onto the
 * simulated RS-485 bus, bytes passed unchanged both ways (Std Bus and Modbus RTU alike), which is
 * what a `tcp://host:port` port path talks to.
 */
import type { SimulatedWatlowBus, SimWire } from '../watlow/bus';
import { authority, listenTcp } from '../tcp-listener';
import type { SimListenAddress, SimTcpListener } from '../tcp-listener';

export interface SimDeviceServer extends SimTcpListener {
  /** `tcp://host:port` */
  readonly url: string;
  /**
   * Fault: the next `count` connections that send a request are reset instead of answered (the
   * request is swallowed), as when a device server reboots mid-transaction.
   */
  dropOnNextRequest(count?: number): void;
}

export async function serveBusAsDeviceServer(
  bus: SimulatedWatlowBus,
  address: SimListenAddress = {},
): Promise<SimDeviceServer> {
  let drops = 0;
  const listener = await listenTcp(address, (socket) => {
    const listeners = new Set<(chunk: Buffer) => void>();
    socket.on('data', (chunk: Buffer) => {
      if (drops > 0) {
        drops--;
        socket.resetAndDestroy();
        return;
      }
      for (const listener of listeners) listener(chunk);
    });
    const wire: SimWire = {
      onData(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      write(bytes) {
        if (!socket.destroyed) socket.write(Buffer.from(bytes));
      },
    };
    const detach = bus.attach(wire);
    socket.on('close', detach);
  });
  return Object.assign(listener, {
    url: `tcp://${authority(listener.host, listener.port)}`,
    dropOnNextRequest(count = 1) {
      drops += count;
    },
  });
}
