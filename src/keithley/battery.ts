/**
 * Battery-simulator operations (entry function SIMulator), each run inside one transaction after
 * the driver has put the instrument in the simulator function.
 */
import { LabbenchError, VerifyError } from '../core/errors';
import { BATTERY, queryOf } from './commands';
import type { Keithley2281S } from './driver';
import type { InstrumentIo } from './io';
import type { BatteryLevelKey, BatteryPresent, BatteryStep } from './ordering';
import { queryAll } from './compound';
import type { OutputState } from './replies';
import { parseMethod, parseModelRecall, parseNumberReply, parseOutputState, parseTrip } from './replies';
import type { TripState } from './replies';
import type { BatteryModelRef, ProtectionClear } from './settings';
import type { BatteryState } from './state';
import { clearApplies } from './supply';

const LEVEL_NAMES: Readonly<Record<BatteryLevelKey, string>> = {
  soc: 'state of charge',
  voc: 'open-circuit voltage',
  capacity: 'capacity',
  currentLimit: 'current limit',
  fullVoltage: 'full voltage',
  emptyVoltage: 'empty voltage',
  esrOffset: 'ESR offset',
  ovp: 'OVP level',
  ocp: 'OCP level',
};

export async function readBatteryOutputState(io: InstrumentIo): Promise<OutputState> {
  return parseOutputState(await io.query(BATTERY.outputQuery), BATTERY.outputQuery);
}

/** True only while the output is on (off and disabled are both "not driving the terminals"). */
export async function readBatteryOutput(io: InstrumentIo): Promise<boolean> {
  return (await readBatteryOutputState(io)) === 'on';
}

export async function readBatteryPresent(io: InstrumentIo): Promise<BatteryPresent> {
  return {
    ovp: await io.queryNumber(queryOf(BATTERY.levels.ovp)),
    ocp: await io.queryNumber(queryOf(BATTERY.levels.ocp)),
    currentLimit: await io.queryNumber(queryOf(BATTERY.levels.currentLimit)),
    fullVoltage: await io.queryNumber(queryOf(BATTERY.levels.fullVoltage)),
    emptyVoltage: await io.queryNumber(queryOf(BATTERY.levels.emptyVoltage)),
  };
}

/**
 * The trip in simulator mode. The manual documents `:BATT:OUTP:PROT:TRIP?`; Lager queries
 * `:OUTP:PROT:TRIP?` instead. Which the firmware answers in SIM mode is UNVERIFIED; we use the
 * manual's, since an unknown query would cost a full timeout on every monitor tick, whereas an
 * unknown *command* (the clear below) fails fast and can fall back.
 */
export async function readBatteryTrip(io: InstrumentIo): Promise<TripState> {
  return parseTrip(await io.query(BATTERY.tripQuery), BATTERY.tripQuery);
}

export async function clearBatteryTrip(io: InstrumentIo, which: ProtectionClear): Promise<void> {
  if (!clearApplies(which, await readBatteryTrip(io))) return;
  try {
    await io.write(BATTERY.tripClear);
  } catch (err) {
    // The exact clear command for SIM mode is not confirmed by the manual pages we have; when the
    // battery form is unknown (-113), the power-supply form is what Lager also sends.
    if (!(err instanceof LabbenchError && err.deviceCode === -113)) throw err;
    await io.write(BATTERY.tripClearFallback);
  }
}

/**
 * Recalls a model and verifies it by reading `:BATT:MOD:RCL?` back: recalling an empty slot
 * fails silently on hardware (no error, the previous model stays).
 */
export async function recallModel(io: InstrumentIo, model: BatteryModelRef): Promise<void> {
  await io.session.writeCommand(BATTERY.modelRecall, [typeof model === 'number' ? model : { token: model }], {
    signal: io.signal,
  });
  const active = parseModelRecall(await io.query(BATTERY.modelQuery), BATTERY.modelQuery);
  if (active !== model) {
    throw new VerifyError(
      `${io.label} did not load model ${model}: it still runs model ${active}. ${typeof model === 'number' ? `Memory slot ${model} is probably empty; save a model into it first (front panel or :BATT:MOD:SAVE:INTERNAL).` : ''}`.trim(),
      { resource: io.label },
    );
  }
}

export async function setBatteryOutput(io: InstrumentIo, on: boolean): Promise<void> {
  await io.write(on ? BATTERY.outputOn : BATTERY.outputOff);
}

/**
 * Runs the planned steps. If a write fails after the output was switched off only to make the
 * write possible, the output is switched back on before the error is reported, so a refused
 * setting never leaves a running simulation stopped.
 */
export async function runBatterySteps(
  io: InstrumentIo,
  steps: readonly BatteryStep[],
  restoresOutput: boolean,
): Promise<void> {
  let pausedForWrite = false;
  try {
    for (const step of steps) {
      switch (step.kind) {
        case 'output':
          await setBatteryOutput(io, step.on);
          pausedForWrite = restoresOutput && !step.on;
          break;
        case 'clear':
          await clearBatteryTrip(io, step.which);
          break;
        case 'model':
          await recallModel(io, step.model as BatteryModelRef);
          break;
        case 'method':
          await io.write(BATTERY.method[step.method]);
          break;
        case 'set':
          await io.setLevel(BATTERY.levels[step.key], step.value, LEVEL_NAMES[step.key]);
          break;
      }
    }
  } catch (err) {
    if (pausedForWrite) await setBatteryOutput(io, true).catch(() => undefined);
    throw err;
  }
}

/** Everything a state read asks, sent as one compound query where the instrument takes it. */
const STATE_QUERIES = [
  BATTERY.terminalVoltage,
  BATTERY.current,
  queryOf(BATTERY.levels.soc),
  queryOf(BATTERY.levels.voc),
  BATTERY.resistance,
  BATTERY.capacity,
  queryOf(BATTERY.levels.capacity),
  BATTERY.modelQuery,
  BATTERY.methodQuery,
  BATTERY.outputQuery,
  queryOf(BATTERY.levels.currentLimit),
  queryOf(BATTERY.levels.ovp),
  queryOf(BATTERY.levels.ocp),
  BATTERY.tripQuery,
];

/** The battery state, read in one transaction (one round trip once the identity is known). */
export async function readBatteryState(io: InstrumentIo, driver: Keithley2281S): Promise<BatteryState> {
  const identity = await driver.readIdentity(io);
  const replies = await queryAll(io, driver, STATE_QUERIES);
  const number = (i: number, unit?: string): number => parseNumberReply(replies[i], STATE_QUERIES[i], unit);
  const terminalVoltage = number(0, 'V');
  const current = number(1, 'A');
  const soc = number(2);
  const voc = number(3);
  const esr = number(4);
  const capacity = number(5);
  const capacityLimit = number(6);
  const model = parseModelRecall(replies[7], BATTERY.modelQuery);
  const method = parseMethod(replies[8], BATTERY.methodQuery);
  const outputState = parseOutputState(replies[9], BATTERY.outputQuery);
  const currentLimit = number(10);
  const ovp = number(11);
  const ocp = number(12);
  const trip = parseTrip(replies[13], BATTERY.tripQuery);
  return {
    terminalVoltage,
    current,
    soc,
    voc,
    esr,
    capacity,
    capacityLimit,
    model,
    method,
    output: outputState === 'on',
    outputState,
    currentLimit,
    ovp: { limit: ovp, tripped: trip === 'OVP' },
    ocp: { limit: ocp, tripped: trip === 'OCP' },
    instrument: { model: identity.model, serial: identity.serial },
    timestamp: Date.now(),
  };
}
