/**
 * Power-supply operations (entry function POWer), each run inside one transaction after the
 * driver has put the instrument in the supply function.
 */
import type { Keithley2281S } from './driver';
import { QUESTIONABLE_SUMMARY, SUPPLY, queryOf } from './commands';
import type { InstrumentIo } from './io';
import type { SupplyPresent, SupplyStep } from './ordering';
import { queryAll } from './compound';
import {
  parseConcurrentMeasurement,
  parseNumberReply,
  parseOnOff,
  parseQuestionableSummary,
  parseTrip,
} from './replies';
import type { TripState } from './replies';
import type { ProtectionClear } from './settings';
import type { SupplyMode, SupplyState } from './state';

const LEVEL_NAMES = {
  voltage: 'voltage',
  current: 'current limit',
  ovp: 'OVP level',
  ocp: 'OCP level',
} as const;

const PRESENT_QUERIES = [
  queryOf(SUPPLY.levels.voltage),
  queryOf(SUPPLY.levels.current),
  queryOf(SUPPLY.levels.ovp),
  queryOf(SUPPLY.levels.ocp),
] as const;

/** The set points and protection levels now in the instrument (what safe ordering compares to). */
export async function readSupplyPresent(io: InstrumentIo, driver: Keithley2281S): Promise<SupplyPresent> {
  return presentOf(await queryAll(io, driver, PRESENT_QUERIES));
}

function presentOf(replies: readonly string[]): SupplyPresent {
  const [voltage, current, ovp, ocp] = PRESENT_QUERIES.map((q, i) => parseNumberReply(replies[i], q));
  return { voltage, current, ovp, ocp };
}

export async function readSupplyTrip(io: InstrumentIo): Promise<TripState> {
  return parseTrip(await io.query(SUPPLY.tripQuery), SUPPLY.tripQuery);
}

/** Whether a clear request applies to the trip present (`all` clears any trip). */
export function clearApplies(which: ProtectionClear, trip: TripState): boolean {
  if (trip === 'NONE') return false;
  return which === 'all' || trip === which.toUpperCase();
}

export async function clearSupplyTrip(io: InstrumentIo, which: ProtectionClear): Promise<void> {
  if (clearApplies(which, await readSupplyTrip(io))) await io.write(SUPPLY.tripClear);
}

export async function setSupplyOutput(io: InstrumentIo, on: boolean): Promise<void> {
  await io.write(on ? SUPPLY.outputOn : SUPPLY.outputOff);
  if (on) await io.write(SUPPLY.continuousOn);
}

/** Runs the planned steps in order (ordering.ts decided the order). */
export async function runSupplySteps(io: InstrumentIo, steps: readonly SupplyStep[]): Promise<void> {
  for (const step of steps) {
    switch (step.kind) {
      case 'output':
        await setSupplyOutput(io, step.on);
        break;
      case 'clear':
        await clearSupplyTrip(io, step.which);
        break;
      case 'set':
        await io.setLevel(SUPPLY.levels[step.key], step.value, LEVEL_NAMES[step.key]);
        break;
    }
  }
}

/** Everything a state read asks, sent as one compound query where the instrument takes it. */
const STATE_QUERIES = [
  SUPPLY.measure,
  ...PRESENT_QUERIES,
  SUPPLY.outputQuery,
  SUPPLY.tripQuery,
  QUESTIONABLE_SUMMARY,
];

/** The supply state, read in one transaction (one round trip once the identity is known). */
export async function readSupplyState(io: InstrumentIo, driver: Keithley2281S): Promise<SupplyState> {
  const identity = await driver.readIdentity(io);
  const replies = await queryAll(io, driver, STATE_QUERIES);
  const measured = parseConcurrentMeasurement(replies[0], SUPPLY.measure);
  const present = presentOf(replies.slice(1, 5));
  const output = parseOnOff(replies[5], SUPPLY.outputQuery);
  const trip = parseTrip(replies[6], SUPPLY.tripQuery);
  const summary = parseQuestionableSummary(replies[7], QUESTIONABLE_SUMMARY);
  const mode: SupplyMode = !output ? 'OFF' : summary.constantCurrent ? 'CC' : 'CV';
  return {
    voltage: measured.voltage,
    current: measured.current,
    power: measured.voltage * measured.current,
    output,
    mode,
    setpoint: { voltage: present.voltage, current: present.current },
    ovp: { limit: present.ovp, tripped: trip === 'OVP' || summary.ovpTripped },
    ocp: { limit: present.ocp, tripped: trip === 'OCP' || summary.ocpTripped },
    instrument: { model: identity.model, serial: identity.serial },
    timestamp: Date.now(),
  };
}
