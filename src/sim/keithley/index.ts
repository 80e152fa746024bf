/**
 * The simulated Keithley 2281S. Importing this module registers it with the VISA layer, so
 * `SIM::2281S::<serial>::INSTR` opens an in-process session onto it; one instance exists per
 * serial number for the life of the process (closing and reopening finds it as it was left).
 */
import { InvalidInputError } from '../../core/errors';
import { getSimInstrument, registerSimInstrument } from '../../visa/sim-instruments';
import { Simulated2281S } from './instrument';
import type { Simulated2281SOptions } from './instrument';

export { Simulated2281S, scientific } from './instrument';
export type { LoggedCommand, Simulated2281SOptions } from './instrument';
export type { Load } from './physics';
export { BUILT_IN_BATTERY_MODELS } from './battery-models';
export type { BatteryModel } from './battery-models';

export const SIM_MODEL_NAME = '2281S';
export const DEFAULT_SIM_SERIAL = 'DEMO01';

let factoryOptions: Simulated2281SOptions = {};

/**
 * Registers (again) the 2281S factory with `registerSimInstrument`. `options` apply to instances
 * created afterwards (existing instances keep theirs).
 */
export function registerKeithleySimulator(options: Simulated2281SOptions = {}): void {
  factoryOptions = options;
  registerSimInstrument(SIM_MODEL_NAME, (serial) => new Simulated2281S(serial, factoryOptions), {
    defaultSerial: DEFAULT_SIM_SERIAL,
  });
}

/** The simulated instrument with this serial (created on first use), for tests and tools. */
export function getSimulated2281S(serial: string = DEFAULT_SIM_SERIAL): Simulated2281S {
  const model = getSimInstrument(SIM_MODEL_NAME, serial);
  if (!(model instanceof Simulated2281S)) {
    throw new InvalidInputError(`SIM::${SIM_MODEL_NAME}::${serial}::INSTR is not a simulated 2281S`);
  }
  return model;
}

registerKeithleySimulator();
