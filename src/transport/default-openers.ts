/**
 * The table of real backends: OS serial ports, serial device servers (`tcp://`), Modbus TCP
 * gateways (`modbus-tcp://`), raw TCP sockets, VXI-11, HiSLIP, USBTMC (the `usb` package unless a
 * UsbBackend is given) and ASRL. Simulators are not here — a caller that wants them adds their
 * entries (the package's `sim` entry point builds such a table).
 */
import type { UsbBackend } from './usbtmc-types';
import type { OpenerOverrides, Openers } from './openers';
import { unavailable, withOpeners } from './openers';
import type * as AsrlModule from './asrl';
import type * as HislipModule from './hislip';
import type * as SerialModule from './serial';
import type * as TcpModule from './tcp';
import type * as TcpStreamModule from './tcp-stream';
import type * as UsbBackendModule from './usb-backend';
import type * as UsbDiscoveryModule from './usb-discovery';
import type * as UsbtmcModule from './usbtmc';
import type * as Vxi11Module from './vxi11';

// Each backend's module is required when its scheme is first opened, not when the table is built:
// a program that only uses one scheme (or none yet) does not load USB, VXI-11, HiSLIP or TCP code.
/* eslint-disable @typescript-eslint/no-require-imports */
const serialLib = (): typeof SerialModule => require('./serial');
const asrlLib = (): typeof AsrlModule => require('./asrl');
const hislipLib = (): typeof HislipModule => require('./hislip');
const tcpLib = (): typeof TcpModule => require('./tcp');
const tcpStreamLib = (): typeof TcpStreamModule => require('./tcp-stream');
const usbBackendLib = (): typeof UsbBackendModule => require('./usb-backend');
const usbDiscoveryLib = (): typeof UsbDiscoveryModule => require('./usb-discovery');
const usbtmcLib = (): typeof UsbtmcModule => require('./usbtmc');
const vxi11Lib = (): typeof Vxi11Module => require('./vxi11');
/* eslint-enable @typescript-eslint/no-require-imports */

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
  const usb = (): Promise<UsbBackend> =>
    options.usb ? Promise.resolve(options.usb) : usbBackendLib().loadUsbBackend();
  const base: Openers = {
    streams: {
      serial: (path, settings) => serialLib().openSerialPort(path, settings),
      sim: unavailable(NOT_SIMULATED),
      tcp: (path, settings) => tcpStreamLib().openTcpSerialPort(path, settings),
      'modbus-tcp': (path, settings) => tcpStreamLib().openModbusTcpGateway(path, settings),
    },
    messages: {
      usb: {
        open: async (resource, context) =>
          usbtmcLib().openUsbtmcTransport(resource, {
            label: context.label,
            timeoutMs: context.timeoutMs,
            backend: await usb(),
          }),
        list: async () => usbDiscoveryLib().listUsbtmcResources(await usb()),
      },
      socket: {
        open: (resource, context) =>
          tcpLib().openTcpSocketTransport({
            host: resource.host,
            port: resource.port,
            label: context.label,
            timeoutMs: context.timeoutMs,
          }),
      },
      vxi11: {
        open: (resource, context) =>
          vxi11Lib().openVxi11Transport({
            host: resource.host,
            device: resource.device,
            label: context.label,
            timeoutMs: context.timeoutMs,
            portmapperPort: options.vxi11PortmapperPort ?? vxi11Lib().vxi11PortmapperPortFromEnv(),
          }),
      },
      hislip: {
        open: (resource, context) =>
          hislipLib().openHislipTransport({
            host: resource.host,
            port: resource.port,
            subAddress: resource.subAddress,
            label: context.label,
            timeoutMs: context.timeoutMs,
          }),
      },
      asrl: {
        open: async (resource, context) =>
          asrlLib().lineTransportOverStream(
            await context.openStream(resource.path, context.serial),
            context.label,
          ),
      },
      sim: unavailable(NOT_SIMULATED),
    },
  };
  return withOpeners(base, options.overrides);
}
