/**
 * `labbench-sim watlow`: serves a simulated Watlow bus (plus generic Modbus devices with
 * `--modbus`) on a real serial device (for example one end of a socat PTY pair), as a `tcp://`
 * serial device server and/or as a `modbus-tcp://` gateway, so tests drive the OS serial and TCP
 * stacks end to end. Prints one "ready" line on stdout once everything listens, with the actual
 * TCP ports (port 0 picks a free one).
 *
 * `--pace` on a serial device times the simulator's side of the wire: each reply byte leaves at
 * its wire time (bits per byte × 1000 / baud ms; 10 bits for 8N1) after a 3 ms turnaround, and a
 * request counts as arrived one wire time after the PTY delivered it, so a PTY behaves like a
 * line at `--baud`.
 */
import { InvalidInputError } from '../../core/errors';
import { parseNetworkBusPath } from '../../core/identity';
import { ownEntry } from '../../core/validate';
import { serveBusOnSerial } from './serial-wire';
import { serveBusAsDeviceServer } from '../modbus/device-server';
import type { SimDeviceServer } from '../modbus/device-server';
import { serveBusAsModbusGateway } from '../modbus/gateway';
import type { SimModbusGateway } from '../modbus/gateway';
import { SimulatedWatlowBus } from './bus';
import { PACED_TURNAROUND_MS } from './provider';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface WatlowSimulatorArgs {
  /** Serial device to serve on ('' = none; then --tcp or --modbus-tcp is required). */
  serial: string;
  addresses: number[];
  /** Generic Modbus devices (power meters) on the bus. */
  modbus: number[];
  /** Serial device server (raw bytes over TCP). */
  tcp?: ListenAddress;
  /** Modbus TCP gateway. */
  modbusTcp?: ListenAddress;
  /** Units the gateway routes (others answer exception 0x0A); default all. */
  gatewayUnits?: number[];
  /** Silence after which the gateway answers exception 0x0B, ms. */
  gatewayTimeoutMs?: number;
  baudRate: number;
  pace: boolean;
  map: 1 | 2;
  wordOrder: 'lowHigh' | 'highLow';
  strictHoles: boolean;
}

export const WATLOW_SIM_USAGE =
  'labbench-sim watlow [--serial <path>] [--tcp <host:port>] [--modbus-tcp <host:port>] [--addresses 1,2] [--modbus 10,11] [--baud 38400] [--pace] [--map 1|2] [--word-order lowHigh|highLow] [--strict-holes] [--gateway-units 1,2,10] [--gateway-timeout <ms>]';

function parseAddressList(flag: string, text: string): number[] {
  const list = text.split(',').map((a) => Number(a.trim()));
  if (list.some((a) => !Number.isInteger(a) || a < 1 || a > 247))
    throw new InvalidInputError(`${flag} must be integers 1..247.`);
  return list;
}

/** `127.0.0.1:4001`, `[::1]:4001`; port 0 picks a free port (printed in the ready line). */
export function parseListenAddress(flag: string, text: string): ListenAddress {
  const anyPort = text.endsWith(':0');
  try {
    const parsed = parseNetworkBusPath(`tcp://${anyPort ? `${text.slice(0, -2)}:1` : text}`)!;
    return { host: parsed.host, port: anyPort ? 0 : parsed.port };
  } catch {
    throw new InvalidInputError(
      `${flag} takes host:port (e.g. 127.0.0.1:4001 or [::1]:4001), got "${text}".`,
    );
  }
}

function positiveInteger(flag: string, text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidInputError(`${flag} must be a positive ${what}.`);
  return n;
}

/** The switches: what each sets in the parsed arguments. */
const SWITCHES: Record<string, (out: WatlowSimulatorArgs) => void> = {
  '--pace': (out) => (out.pace = true),
  '--strict-holes': (out) => (out.strictHoles = true),
};

/** The options with a value: what each sets from its flag and the text after it. */
const VALUE_OPTIONS: Record<string, (out: WatlowSimulatorArgs, flag: string, text: string) => void> = {
  '--serial': (out, _flag, text) => (out.serial = text),
  '--addresses': (out, flag, text) => (out.addresses = parseAddressList(flag, text)),
  '--modbus': (out, flag, text) => (out.modbus = parseAddressList(flag, text)),
  '--tcp': (out, flag, text) => (out.tcp = parseListenAddress(flag, text)),
  '--modbus-tcp': (out, flag, text) => (out.modbusTcp = parseListenAddress(flag, text)),
  '--gateway-units': (out, flag, text) => (out.gatewayUnits = parseAddressList(flag, text)),
  '--gateway-timeout': (out, flag, text) =>
    (out.gatewayTimeoutMs = positiveInteger(flag, text, 'number of ms')),
  '--baud': (out, flag, text) => (out.baudRate = positiveInteger(flag, text, 'integer')),
  '--map': (out, _flag, text) => (out.map = text === '2' ? 2 : 1),
  '--word-order': (out, _flag, text) => (out.wordOrder = text === 'highLow' ? 'highLow' : 'lowHigh'),
};

export function parseWatlowSimulatorArgs(argv: readonly string[]): WatlowSimulatorArgs {
  const args = argv[0] === 'watlow' ? argv.slice(1) : [...argv];
  const out: WatlowSimulatorArgs = {
    serial: '',
    addresses: [1],
    modbus: [],
    baudRate: 38400,
    pace: false,
    map: 1,
    wordOrder: 'lowHigh',
    strictHoles: false,
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const onSwitch = ownEntry(SWITCHES, flag);
    if (onSwitch) {
      onSwitch(out);
      continue;
    }
    const onValue = ownEntry(VALUE_OPTIONS, flag);
    if (!onValue) throw new InvalidInputError(`Unknown option ${flag}. Usage: ${WATLOW_SIM_USAGE}`);
    const text = args[++i];
    if (text === undefined) throw new InvalidInputError(`${flag} needs a value. Usage: ${WATLOW_SIM_USAGE}`);
    onValue(out, flag, text);
  }
  if (!out.serial && !out.tcp && !out.modbusTcp)
    throw new InvalidInputError(
      `--serial <path> is required, unless the bus is served over TCP (--tcp or --modbus-tcp). Usage: ${WATLOW_SIM_USAGE}`,
    );
  const clash = out.modbus.find((a) => out.addresses.includes(a));
  if (clash !== undefined)
    throw new InvalidInputError(
      `Address ${clash} is in both --addresses and --modbus; give each device its own.`,
    );
  return out;
}

export interface RunningWatlowSimulator {
  bus: SimulatedWatlowBus;
  deviceServer?: SimDeviceServer;
  gateway?: SimModbusGateway;
  close(): Promise<void>;
}

/** Serves until `close` (or SIGINT/SIGTERM when `handleSignals`). */
export async function runWatlowSimulator(
  argv: readonly string[],
  options: { handleSignals?: boolean } = {},
): Promise<RunningWatlowSimulator> {
  const args = parseWatlowSimulatorArgs(argv);
  const bus = new SimulatedWatlowBus('cli', {
    addresses: args.addresses,
    modbusDevices: args.modbus,
    turnaroundMs: args.pace ? PACED_TURNAROUND_MS : 0,
    baudRate: args.baudRate,
    strictRegisterHoles: args.strictHoles,
    controller: { modbusMap: args.map, wordOrder: args.wordOrder },
  });
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    // Last opened, first closed; a failing close does not keep the others open.
    for (const closeOne of closers.splice(0).reverse()) await closeOne().catch(() => undefined);
  };
  const running: RunningWatlowSimulator = { bus, close };
  const where: string[] = [];
  try {
    if (args.serial) {
      const serving = await serveBusOnSerial(bus, {
        path: args.serial,
        baudRate: args.baudRate,
        pace: args.pace,
      });
      closers.push(() => serving.close());
      where.push(`${args.serial} at ${args.baudRate} baud${args.pace ? ' (paced)' : ''}`);
    }
    if (args.tcp) {
      const server = await serveBusAsDeviceServer(bus, args.tcp);
      closers.push(() => server.close());
      running.deviceServer = server;
      where.push(`device server ${server.url}`);
    }
    if (args.modbusTcp) {
      const gateway = await serveBusAsModbusGateway(bus, {
        ...args.modbusTcp,
        units: args.gatewayUnits,
        targetTimeoutMs: args.gatewayTimeoutMs,
      });
      closers.push(() => gateway.close());
      running.gateway = gateway;
      where.push(`gateway ${gateway.url}`);
    }
  } catch (err) {
    await close();
    throw err;
  }
  if (options.handleSignals !== false) {
    const stop = (): void => {
      close().finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  const devices = args.modbus.length > 0 ? `, Modbus devices ${args.modbus.join(',')}` : '';
  console.log(
    `labbench-sim watlow: ready on ${where.join(', ')}; addresses ${args.addresses.join(',')} (Std Bus and Modbus RTU)${devices}`,
  );
  return running;
}
