/**
 * `labbench-sim watlow --serial <path> [--addresses 1,2] [--baud 38400] [--pace] [--map 2]
 * [--word-order highLow] [--strict-holes]`: serves a simulated Watlow bus on a real serial device
 * (for example one end of a socat PTY pair), so tests drive the OS serial stack end to end.
 * Prints one "ready" line on stdout once the port is open.
 */
import { InvalidInputError } from '../../core/errors';
import type { SimWire } from './bus';
import { SimulatedWatlowBus } from './bus';

export interface WatlowSimulatorArgs {
  serial: string;
  addresses: number[];
  baudRate: number;
  pace: boolean;
  map: 1 | 2;
  wordOrder: 'lowHigh' | 'highLow';
  strictHoles: boolean;
}

export const WATLOW_SIM_USAGE =
  'labbench-sim watlow --serial <path> [--addresses 1,2] [--baud 38400] [--pace] [--map 1|2] [--word-order lowHigh|highLow] [--strict-holes]';

export function parseWatlowSimulatorArgs(argv: readonly string[]): WatlowSimulatorArgs {
  const args = argv[0] === 'watlow' ? argv.slice(1) : [...argv];
  const out: WatlowSimulatorArgs = {
    serial: '',
    addresses: [1],
    baudRate: 38400,
    pace: false,
    map: 1,
    wordOrder: 'lowHigh',
    strictHoles: false,
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new InvalidInputError(`${flag} needs a value. Usage: ${WATLOW_SIM_USAGE}`);
      return v;
    };
    switch (flag) {
      case '--serial':
        out.serial = value();
        break;
      case '--addresses':
        out.addresses = value()
          .split(',')
          .map((a) => Number(a.trim()));
        if (out.addresses.some((a) => !Number.isInteger(a) || a < 1 || a > 247))
          throw new InvalidInputError(`--addresses must be integers 1..247.`);
        break;
      case '--baud':
        out.baudRate = Number(value());
        if (!Number.isInteger(out.baudRate) || out.baudRate <= 0)
          throw new InvalidInputError('--baud must be a positive integer.');
        break;
      case '--pace':
        out.pace = true;
        break;
      case '--map':
        out.map = value() === '2' ? 2 : 1;
        break;
      case '--word-order':
        out.wordOrder = value() === 'highLow' ? 'highLow' : 'lowHigh';
        break;
      case '--strict-holes':
        out.strictHoles = true;
        break;
      default:
        throw new InvalidInputError(`Unknown option ${flag}. Usage: ${WATLOW_SIM_USAGE}`);
    }
  }
  if (!out.serial) throw new InvalidInputError(`--serial <path> is required. Usage: ${WATLOW_SIM_USAGE}`);
  return out;
}

export interface RunningWatlowSimulator {
  bus: SimulatedWatlowBus;
  close(): Promise<void>;
}

/** Opens the serial device and serves until `close` (or SIGINT/SIGTERM when `handleSignals`). */
export async function runWatlowSimulator(
  argv: readonly string[],
  options: { handleSignals?: boolean } = {},
): Promise<RunningWatlowSimulator> {
  const args = parseWatlowSimulatorArgs(argv);
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path: args.serial, baudRate: args.baudRate, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('error', (err: Error) => console.error(`labbench-sim watlow: ${err.message}`));
  const bus = new SimulatedWatlowBus('cli', {
    addresses: args.addresses,
    turnaroundMs: args.pace ? 3 : 0,
    strictRegisterHoles: args.strictHoles,
    controller: { modbusMap: args.map, wordOrder: args.wordOrder },
  });
  const wire: SimWire = {
    onData(listener) {
      port.on('data', listener);
      return () => port.off('data', listener);
    },
    write(bytes) {
      port.write(Buffer.from(bytes));
    },
  };
  const detach = bus.attach(wire);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    detach();
    await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
  };
  if (options.handleSignals !== false) {
    const stop = (): void => {
      close().finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  console.log(
    `labbench-sim watlow: ready on ${args.serial} at ${args.baudRate} baud, addresses ${args.addresses.join(',')} (Std Bus and Modbus RTU)`,
  );
  return { bus, close };
}
