/**
 * The simulated Keithley 2281S: registered with a SimInstruments, `SIM::2281S::<serial>::INSTR`
 * opens an in-process session onto it; one instance exists per serial number for the life of that
 * SimInstruments (closing and reopening finds it as it was left).
 */
import type { SimInstruments } from '../visa/instruments';
import { Simulated2281S } from './instrument';
import type { Simulated2281SOptions } from './instrument';

export { Simulated2281S, scientific } from './instrument';
export type { LoggedCommand, Simulated2281SOptions } from './instrument';
export type { Load } from './physics';
export { BUILT_IN_BATTERY_MODELS } from './battery-models';
export type { BatteryModel } from './battery-models';

export const SIM_MODEL_NAME = '2281S';
export const DEFAULT_SIM_SERIAL = 'DEMO01';

/**
 * Registers the 2281S factory with `instruments`. `options` apply to instances created afterwards
 * (existing instances keep theirs).
 */
export function registerKeithleySimulator(
  instruments: SimInstruments,
  options: Simulated2281SOptions = {},
): void {
  instruments.register(SIM_MODEL_NAME, (serial) => new Simulated2281S(serial, options), {
    defaultSerial: DEFAULT_SIM_SERIAL,
  });
}

/** The simulated instrument with this serial in `instruments` (created on first use), for tests and tools. */
export function getSimulated2281S(
  instruments: SimInstruments,
  serial: string = DEFAULT_SIM_SERIAL,
): Simulated2281S {
  return instruments.getAs(SIM_MODEL_NAME, serial, Simulated2281S, 'a simulated 2281S');
}
