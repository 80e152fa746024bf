/**
 * The built-in simulators, a backend the caller chooses to install: `createSimulators()` makes one
 * set (Watlow buses behind `sim:<bus>`, simulated instruments behind `SIM::<model>::<serial>::INSTR`
 * with the 2281S and the DMM registered), and `createSimulatedOpeners()` an opener table with the real backends
 * plus those. Nothing here is process-wide: two tables have two independent sets of simulators.
 */
import { createOpeners } from '../transport/default-openers';
import type { DefaultOpenerOptions } from '../transport/default-openers';
import type { OpenerOverrides, Openers } from '../transport/openers';
import { DEFAULT_DMM_SERIAL, getSimulatedDmm, registerDmmSimulator } from './dmm';
import type { SimulatedDmm } from './dmm';
import { DEFAULT_SIM_SERIAL, getSimulated2281S, registerKeithleySimulator } from './keithley';
import type { Simulated2281S, Simulated2281SOptions } from './keithley';
import { SimInstruments } from './visa/instruments';
import { SimulatedWatlowBuses } from './watlow/provider';

export * as watlow from './watlow';
export * as keithley from './keithley';
export * as dmm from './dmm';
export * as modbus from './modbus';
export * as visa from './visa';
export { SimInstruments, SimLoopbackTransport } from './visa/instruments';
export { SimulatedWatlowBuses } from './watlow/provider';

export interface Simulators {
  /** The simulated Watlow buses (`sim:<bus>` paths). */
  readonly watlow: SimulatedWatlowBuses;
  /** The simulated VISA instruments (`SIM::…::INSTR`). */
  readonly instruments: SimInstruments;
  /** The simulated 2281S with this serial (created on first use). */
  keithley(serial?: string): Simulated2281S;
  /** The simulated DMM with this serial (created on first use). */
  dmm(serial?: string): SimulatedDmm;
}

export function createSimulators(options: { keithley?: Simulated2281SOptions } = {}): Simulators {
  const watlow = new SimulatedWatlowBuses();
  const instruments = new SimInstruments();
  registerKeithleySimulator(instruments, options.keithley);
  registerDmmSimulator(instruments);
  return {
    watlow,
    instruments,
    keithley: (serial = DEFAULT_SIM_SERIAL) => getSimulated2281S(instruments, serial),
    dmm: (serial = DEFAULT_DMM_SERIAL) => getSimulatedDmm(instruments, serial),
  };
}

/** The table entries that route `sim:` and `SIM::` to these simulators. */
export function simulatorOpeners(simulators: Simulators): OpenerOverrides {
  return {
    streams: { sim: simulators.watlow.opener },
    messages: { sim: simulators.instruments.backend() },
  };
}

export interface SimulatedBackends {
  openers: Openers;
  simulators: Simulators;
}

/**
 * The real backends plus a fresh set of simulators (or the one given). `overrides` apply last,
 * e.g. a simulated USB bus: `createSimulatedOpeners({ usb: createSimUsbBackend([device]) })`.
 */
export function createSimulatedOpeners(
  options: DefaultOpenerOptions & { simulators?: Simulators } = {},
): SimulatedBackends {
  const simulators = options.simulators ?? createSimulators();
  const sims = simulatorOpeners(simulators);
  const openers = createOpeners({
    ...options,
    overrides: {
      streams: { ...sims.streams, ...options.overrides?.streams },
      messages: { ...sims.messages, ...options.overrides?.messages },
    },
  });
  return { openers, simulators };
}
