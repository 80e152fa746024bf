/**
 * The simulated DMM: registered with a SimInstruments, `SIM::DMM::<serial>::INSTR` opens an
 * in-process session onto it (one instance per serial for the life of that SimInstruments);
 * `createSimDmm` makes a free-standing one for the protocol servers and the CLI.
 */
import type { SimInstruments } from '../visa/instruments';
import { SimulatedDmm } from './instrument';

export { SimulatedDmm, MAX_TRACE_POINTS } from './instrument';
export type { DmmByteOrder, DmmDataFormat } from './instrument';

export const SIM_DMM_MODEL_NAME = 'DMM';
export const DEFAULT_DMM_SERIAL = 'DMM01';

/** A new simulated DMM with this serial number (the factory a simulator table registers). */
export function createSimDmm(serial: string = DEFAULT_DMM_SERIAL): SimulatedDmm {
  return new SimulatedDmm(serial);
}

/** Registers the DMM factory with `instruments` for `SIM::DMM::<serial>::INSTR`. */
export function registerDmmSimulator(instruments: SimInstruments): void {
  instruments.register(SIM_DMM_MODEL_NAME, createSimDmm, { defaultSerial: DEFAULT_DMM_SERIAL });
}

/** The simulated DMM with this serial in `instruments` (created on first use), for tests and tools. */
export function getSimulatedDmm(
  instruments: SimInstruments,
  serial: string = DEFAULT_DMM_SERIAL,
): SimulatedDmm {
  return instruments.getAs(SIM_DMM_MODEL_NAME, serial, SimulatedDmm, 'a simulated DMM');
}
