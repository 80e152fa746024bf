/**
 * Battery-simulator operations (entry function SIMulator), each run inside one transaction after
 * the driver has put the instrument in the simulator function.
 */
import { LabbenchError, VerifyError } from '../core/errors';
import { BATTERY, queryOf } from './commands';
import type { Keithley2281S } from './driver';
import type { InstrumentIo } from './io';
import type { BatteryLevelKey, BatteryPresent, BatteryStep } from './ordering';
import type { OutputState } from './replies';
import { parseMethod, parseModelRecall, parseOutputState, parseTrip } from './replies';
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

/** The SPEC §2.4 state, read in one transaction. */
export async function readBatteryState(io: InstrumentIo, driver: Keithley2281S): Promise<BatteryState> {
  const identity = await driver.readIdentity(io);
  const terminalVoltage = await io.queryNumber(BATTERY.terminalVoltage, 'V');
  const current = await io.queryNumber(BATTERY.current, 'A');
  const soc = await io.queryNumber(queryOf(BATTERY.levels.soc));
  const voc = await io.queryNumber(queryOf(BATTERY.levels.voc));
  const esr = await io.queryNumber(BATTERY.resistance);
  const capacity = await io.queryNumber(BATTERY.capacity);
  const capacityLimit = await io.queryNumber(queryOf(BATTERY.levels.capacity));
  const model = parseModelRecall(await io.query(BATTERY.modelQuery), BATTERY.modelQuery);
  const method = parseMethod(await io.query(BATTERY.methodQuery), BATTERY.methodQuery);
  const outputState = await readBatteryOutputState(io);
  const currentLimit = await io.queryNumber(queryOf(BATTERY.levels.currentLimit));
  const ovp = await io.queryNumber(queryOf(BATTERY.levels.ovp));
  const ocp = await io.queryNumber(queryOf(BATTERY.levels.ocp));
  const trip = await readBatteryTrip(io);
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
