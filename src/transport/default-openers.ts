/**
 * The table of real backends: OS serial ports, serial device servers (`tcp://`), Modbus TCP
 * gateways (`modbus-tcp://`), raw TCP sockets, VXI-11, HiSLIP, USBTMC (the `usb` package unless a
 * UsbBackend is given) and ASRL. Simulators are not here — a caller that wants them adds their
 * entries (the package's `sim` entry point builds such a table).
 */
import { openSerialPort } from './serial';
import { lineTransportOverStream } from './asrl';
import { openHislipTransport } from './hislip';
import { openTcpSocketTransport } from './tcp';
import { modbusTcpOpener, tcpSerialOpener } from './tcp-stream';
import { listUsbtmcResources } from './usb-discovery';
import { loadUsbBackend, openUsbtmcTransport } from './usbtmc';
import type { UsbBackend } from './usbtmc-types';
import { openVxi11Transport, vxi11PortmapperPortFromEnv } from './vxi11';
import type { OpenerOverrides, Openers } from './openers';
import { unavailable, withOpeners } from './openers';

export interface DefaultOpenerOptions {
  /** The USB implementation (simulated USBTMC devices); default: the `usb` package, loaded on first use. */
  usb?: UsbBackend;
  /**
   * Portmapper port for VXI-11 (default: env LABBENCH_VXI11_PORTMAPPER_PORT, else 111). The
   * simulator's portmapper listens on an unprivileged port, since 111 needs root.
   */
  vxi11PortmapperPort?: number;
  /** Entries to add or replace (simulators, a transport of one's own). */
  overrides?: OpenerOverrides;
}

const NOT_SIMULATED =
  'this opener table has no simulators; build it with them (createSimulatedOpeners from node-red-contrib-labbench/sim)';

export function createOpeners(options: DefaultOpenerOptions = {}): Openers {
  const usb = (): Promise<UsbBackend> => (options.usb ? Promise.resolve(options.usb) : loadUsbBackend());
  const base: Openers = {
    streams: {
      serial: openSerialPort,
      sim: unavailable(NOT_SIMULATED),
      tcp: tcpSerialOpener(),
      'modbus-tcp': modbusTcpOpener(),
    },
    messages: {
      usb: {
        open: async (resource, context) =>
          openUsbtmcTransport(resource, {
            label: context.label,
            timeoutMs: context.timeoutMs,
            backend: await usb(),
          }),
        list: async () => listUsbtmcResources(await usb()),
      },
      socket: {
        open: (resource, context) =>
          openTcpSocketTransport({
            host: resource.host,
            port: resource.port,
            label: context.label,
            timeoutMs: context.timeoutMs,
          }),
      },
      vxi11: {
        open: (resource, context) =>
          openVxi11Transport({
            host: resource.host,
            device: resource.device,
            label: context.label,
            timeoutMs: context.timeoutMs,
            portmapperPort: options.vxi11PortmapperPort ?? vxi11PortmapperPortFromEnv(),
          }),
      },
      hislip: {
        open: (resource, context) =>
          openHislipTransport({
            host: resource.host,
            port: resource.port,
            subAddress: resource.subAddress,
            label: context.label,
            timeoutMs: context.timeoutMs,
          }),
      },
      asrl: {
        open: async (resource, context) =>
          lineTransportOverStream(await context.openStream(resource.path, context.serial), context.label),
      },
      sim: unavailable(NOT_SIMULATED),
    },
  };
  return withOpeners(base, options.overrides);
}
