/** Shared setup of the 2281S driver tests: the real stack on a simulated instrument. */
import type { ResourceState } from '../../src/core/registry';
import { ResourceRegistry } from '../../src/core/registry';
import type { Lease } from '../../src/core/registry';
import { Keithley2281SClient } from '../../src/keithley';
import { createSimulatedOpeners } from '../../src/sim';
import type { Simulated2281S } from '../../src/sim/keithley';
import type { UsbBackend } from '../../src/transport/usbtmc-types';
import { testOpeners, testSimulators } from '../support/backends';
import { uniqueName } from '../support/unique';
import { acquireVisaSession } from '../../src/visa/acquire';
import type { AcquireVisaOptions } from '../../src/visa/acquire';
import type { ScpiSession } from '../../src/visa/session';

/** A serial no other test in this process uses, so every test gets a factory-fresh instrument. */
export function freshSerial(prefix = 'T'): string {
  return uniqueName(prefix);
}

export interface Bench {
  registry: ResourceRegistry;
  sim: Simulated2281S;
  resource: string;
  lease: Lease<ScpiSession>;
  /** Resource states in order (opening, open, closing, closed…), from the registry. */
  states: ResourceState[];
  /** How many times the shared session was opened. */
  opens(): number;
  client(requester: string, lease?: Lease<ScpiSession>): Keithley2281SClient;
  acquire(resource: string, holder?: string): Lease<ScpiSession>;
  /** Commands written (not queries) since the log was last cleared. */
  writes(): string[];
  close(): Promise<void>;
}

export interface BenchOptions {
  resource?: string;
  serial?: string;
  registry?: ResourceRegistry;
  visa?: AcquireVisaOptions;
  /** A simulated USB bus for USB resources (the test process's simulators stay the same). */
  usb?: UsbBackend;
}

export function bench(options: BenchOptions = {}): Bench {
  const serial = options.serial ?? freshSerial();
  const resource = options.resource ?? `SIM::2281S::${serial}::INSTR`;
  const registry = options.registry ?? new ResourceRegistry({ log: () => undefined });
  const visa: AcquireVisaOptions = { timeoutMs: 300, ...options.visa };
  const openers = options.usb
    ? createSimulatedOpeners({ simulators: testSimulators, usb: options.usb }).openers
    : testOpeners;
  const acquire = (text: string, holder = 'labbench-visa "bench"'): Lease<ScpiSession> =>
    acquireVisaSession(registry, openers, text, holder, visa);
  const lease = acquire(resource);
  const states: ResourceState[] = [];
  lease.onState((state) => states.push(state));
  const sim = testSimulators.keithley(serial);
  return {
    registry,
    sim,
    resource,
    lease,
    states,
    opens: () => states.filter((s) => s === 'open').length,
    client: (requester, other) => new Keithley2281SClient(other ?? lease, requester),
    acquire,
    writes: () => sim.commandLog.map((c) => c.text).filter((t) => !t.includes('?')),
    close: async () => {
      await registry.closeAll();
    },
  };
}

/** Runs `run` on a fresh bench (options as `bench`), and closes the bench however it ends. */
export async function withBench(run: (b: Bench) => Promise<void>): Promise<void>;
export async function withBench(options: BenchOptions, run: (b: Bench) => Promise<void>): Promise<void>;
export async function withBench(
  first: BenchOptions | ((b: Bench) => Promise<void>),
  second?: (b: Bench) => Promise<void>,
): Promise<void> {
  const [options, run] = typeof first === 'function' ? [{}, first] : [first, second!];
  const b = bench(options);
  try {
    await run(b);
  } finally {
    await b.close();
  }
}

export const SUPPLY_STATE_KEYS = [
  'current',
  'instrument',
  'mode',
  'ocp',
  'output',
  'ovp',
  'power',
  'setpoint',
  'timestamp',
  'voltage',
];

export const BATTERY_STATE_KEYS = [
  'capacity',
  'capacityLimit',
  'current',
  'currentLimit',
  'esr',
  'instrument',
  'method',
  'model',
  'ocp',
  'output',
  'outputState',
  'ovp',
  'soc',
  'terminalVoltage',
  'timestamp',
  'voc',
];

/** Bad supply settings, each with the code it is refused with (before anything reaches a wire). */
export const BAD_SUPPLY: [string, unknown, string][] = [
  ['NaN', { voltage: NaN }, 'E_INVALID_INPUT'],
  ['Infinity', { voltage: Infinity }, 'E_INVALID_INPUT'],
  ['text', { voltage: 'five' }, 'E_INVALID_INPUT'],
  ['a word', { voltage: 'high' }, 'E_INVALID_INPUT'],
  ['command injection', { voltage: '5;*RST' }, 'E_INVALID_INPUT'],
  ['";" in a number', { voltage: '5;:OUTP ON' }, 'E_INVALID_INPUT'],
  ['newline', { voltage: '5\n:OUTP ON' }, 'E_INVALID_INPUT'],
  ['a newline in the current', { current: '1\n*RST' }, 'E_INVALID_INPUT'],
  ['above range', { voltage: 20.5 }, 'E_OUT_OF_RANGE'],
  ['out of range', { voltage: 21 }, 'E_OUT_OF_RANGE'],
  ['negative', { current: -1 }, 'E_OUT_OF_RANGE'],
  ['negative current', { current: -0.5 }, 'E_OUT_OF_RANGE'],
  ['OVP below its range', { ovp: 0.1 }, 'E_OUT_OF_RANGE'],
  ['OCP above its range', { ocp: 7 }, 'E_OUT_OF_RANGE'],
  ['output not boolean', { output: 'maybe' }, 'E_INVALID_INPUT'],
  ['bad output', { output: 'yes please' }, 'E_INVALID_INPUT'],
  ['clear not an enum', { clear: 'ovp;*RST' }, 'E_INVALID_INPUT'],
  ['bad clear', { clear: 'ovp;:OUTP ON' }, 'E_INVALID_INPUT'],
  ['unknown key', { volatge: 5 }, 'E_INVALID_INPUT'],
  ['unknown key beside a good one', { voltage: 1, bogus: 2 }, 'E_INVALID_INPUT'],
  ['one good, one bad', { voltage: 1, ovp: 99 }, 'E_OUT_OF_RANGE'],
  ['not an object', [5], 'E_INVALID_INPUT'],
];

/** Bad battery settings, each with the code it is refused with. */
export const BAD_BATTERY: [string, unknown, string][] = [
  ['NaN soc', { soc: NaN }, 'E_INVALID_INPUT'],
  ['model with ";"', { model: 'LI_ION4_2;*RST' }, 'E_INVALID_INPUT'],
  ['model with newline', { model: '1\n:BATT:OUTP ON' }, 'E_INVALID_INPUT'],
  ['slot 0', { model: 0 }, 'E_OUT_OF_RANGE'],
  ['method', { method: 'DYN;*RST' }, 'E_INVALID_INPUT'],
  ['capacity', { capacity: 100 }, 'E_OUT_OF_RANGE'],
  ['esr offset as text', { esrOffset: 'low' }, 'E_INVALID_INPUT'],
  ['soc and voc together', { soc: 10, voc: 3 }, 'E_INVALID_INPUT'],
];
