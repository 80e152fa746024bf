/**
 * The simulated DMM. Importing this module registers it with the VISA layer, so
 * `SIM::DMM::<serial>::INSTR` opens an in-process session onto it (one instance per serial for
 * the life of the process); `createSimDmm` makes a free-standing one for the protocol servers.
 */
import { getSimInstrument, registerSimInstrument } from '../../visa/sim-instruments';
import { SimulatedDmm } from './instrument';

export { SimulatedDmm, MAX_TRACE_POINTS } from './instrument';
export type { DmmByteOrder, DmmDataFormat } from './instrument';

export const SIM_DMM_MODEL_NAME = 'DMM';
export const DEFAULT_DMM_SERIAL = 'DMM01';

/** A new simulated DMM with this serial number (the factory the simulator table registers). */
export function createSimDmm(serial: string = DEFAULT_DMM_SERIAL): SimulatedDmm {
  return new SimulatedDmm(serial);
}

/** Registers (again) the DMM factory for `SIM::DMM::<serial>::INSTR`. */
export function registerDmmSimulator(): void {
  registerSimInstrument(SIM_DMM_MODEL_NAME, createSimDmm, { defaultSerial: DEFAULT_DMM_SERIAL });
}

/** The simulated DMM with this serial behind `SIM::DMM::<serial>::INSTR` (created on first use). */
export function getSimulatedDmm(serial: string = DEFAULT_DMM_SERIAL): SimulatedDmm {
  const model = getSimInstrument(SIM_DMM_MODEL_NAME, serial);
  if (!(model instanceof SimulatedDmm))
    throw new Error(`SIM::${SIM_DMM_MODEL_NAME}::${serial}::INSTR is not a simulated DMM`);
  return model;
}

registerDmmSimulator();
