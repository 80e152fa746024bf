/**
 * The order in which validated settings are written (keithley-supply): protection limits are raised
 * before the set point is raised, and the set point is lowered before the limits are lowered, so
 * the instrument never sits for a moment with a set point above its own protection level (which
 * would trip it, or on a real DUT, leave it unprotected). Pure: takes the settings and the
 * instrument's present values, returns the ordered steps or throws before anything is written.
 */
import { InvalidInputError, OutOfRangeError } from '../core/errors';
import type { BatterySettings, ProtectionClear, SupplySettings } from './settings';

export type SupplyStep =
  | { kind: 'output'; on: boolean }
  | { kind: 'clear'; which: ProtectionClear }
  | { kind: 'set'; key: 'voltage' | 'current' | 'ovp' | 'ocp'; value: number };

export interface SupplyPresent {
  voltage: number;
  current: number;
  ovp: number;
  ocp: number;
}

/** The present values a supply plan needs, or none when the settings touch no level. */
export function supplyPlanNeedsPresent(s: SupplySettings): boolean {
  return s.voltage !== undefined || s.current !== undefined || s.ovp !== undefined || s.ocp !== undefined;
}

export function planSupply(s: SupplySettings, present: SupplyPresent | undefined): SupplyStep[] {
  const steps: SupplyStep[] = [];
  // Switching off first means nothing below happens with the output live, when that is asked for.
  if (s.output === false) steps.push({ kind: 'output', on: false });
  if (s.clear !== undefined) steps.push({ kind: 'clear', which: s.clear });
  if (supplyPlanNeedsPresent(s)) {
    if (present === undefined)
      throw new InvalidInputError('planSupply: present values are required for level settings');
    const next = {
      voltage: s.voltage ?? present.voltage,
      current: s.current ?? present.current,
      ovp: s.ovp ?? present.ovp,
      ocp: s.ocp ?? present.ocp,
    };
    // Lager's guard (parity target): a set point above its own protection level would trip the
    // output the moment it is enabled, so it is refused rather than written.
    if ((s.voltage !== undefined || s.ovp !== undefined) && next.ovp < next.voltage) {
      throw new OutOfRangeError(
        `OVP ${next.ovp} V would be below the voltage set point ${next.voltage} V; raise ovp or lower voltage in the same message.`,
      );
    }
    if ((s.current !== undefined || s.ocp !== undefined) && next.ocp < next.current) {
      throw new OutOfRangeError(
        `OCP ${next.ocp} A would be below the current limit ${next.current} A; raise ocp or lower current in the same message.`,
      );
    }
    const raised = (key: 'ovp' | 'ocp'): boolean => s[key] !== undefined && s[key]! > present[key];
    for (const key of ['ovp', 'ocp'] as const)
      if (raised(key)) steps.push({ kind: 'set', key, value: s[key]! });
    for (const key of ['voltage', 'current'] as const)
      if (s[key] !== undefined) steps.push({ kind: 'set', key, value: s[key]! });
    for (const key of ['ovp', 'ocp'] as const) {
      if (s[key] !== undefined && !raised(key)) steps.push({ kind: 'set', key, value: s[key]! });
    }
  }
  if (s.output === true) steps.push({ kind: 'output', on: true });
  return steps;
}

export type BatteryLevelKey =
  'soc' | 'voc' | 'capacity' | 'currentLimit' | 'fullVoltage' | 'emptyVoltage' | 'esrOffset' | 'ovp' | 'ocp';

export type BatteryStep =
  | { kind: 'output'; on: boolean }
  | { kind: 'clear'; which: ProtectionClear }
  | { kind: 'model'; model: number | string }
  | { kind: 'method'; method: 'static' | 'dynamic' }
  | { kind: 'set'; key: BatteryLevelKey; value: number };

/** The only settings the 2281S accepts while the simulation output is on (manual 7-46/7-48). */
export const LIVE_BATTERY_KEYS: readonly BatteryLevelKey[] = ['soc', 'voc'];

export interface BatteryPresent {
  ovp: number;
  ocp: number;
  currentLimit: number;
  fullVoltage: number;
  emptyVoltage: number;
}

/** True when the settings hold something the instrument refuses (704) while the output is on. */
export function needsOutputOff(s: BatterySettings): boolean {
  return (
    s.model !== undefined ||
    s.method !== undefined ||
    (['capacity', 'currentLimit', 'fullVoltage', 'emptyVoltage', 'esrOffset', 'ovp', 'ocp'] as const).some(
      (k) => s[k] !== undefined,
    )
  );
}

export function batteryPlanNeedsPresent(s: BatterySettings): boolean {
  return (['currentLimit', 'fullVoltage', 'emptyVoltage', 'ovp', 'ocp'] as const).some(
    (k) => s[k] !== undefined,
  );
}

/**
 * Orders battery writes. `wrapOutput` (the output is on and a setting needs it off) adds the
 * output-off / restore pair around the writes; `output` in the settings wins over the restore.
 */
export function planBattery(
  s: BatterySettings,
  present: BatteryPresent | undefined,
  outputIsOn: boolean,
): { steps: BatteryStep[]; restoresOutput: boolean } {
  const steps: BatteryStep[] = [];
  const wrap = outputIsOn && s.output !== false && needsOutputOff(s);
  if (s.output === false || wrap) steps.push({ kind: 'output', on: false });
  if (s.clear !== undefined) steps.push({ kind: 'clear', which: s.clear });
  // A recall loads a whole model; explicit settings in the same message must land after it.
  if (s.model !== undefined) steps.push({ kind: 'model', model: s.model });
  if (s.method !== undefined) steps.push({ kind: 'method', method: s.method });

  const raisedLimits: BatteryStep[] = [];
  const loweredLimits: BatteryStep[] = [];
  if (batteryPlanNeedsPresent(s)) {
    if (present === undefined)
      throw new InvalidInputError('planBattery: present values are required for level settings');
    const full = s.fullVoltage ?? present.fullVoltage;
    const empty = s.emptyVoltage ?? present.emptyVoltage;
    if ((s.fullVoltage !== undefined || s.emptyVoltage !== undefined) && full < empty) {
      throw new OutOfRangeError(
        `Full voltage ${full} V would be below the empty voltage ${empty} V (the instrument refuses this with error 703).`,
      );
    }
    for (const key of ['ovp', 'ocp'] as const) {
      const value = s[key];
      if (value === undefined) continue;
      (value > present[key] ? raisedLimits : loweredLimits).push({ kind: 'set', key, value });
    }
  }
  steps.push(...raisedLimits);
  for (const key of ['capacity', 'esrOffset'] as const) {
    if (s[key] !== undefined) steps.push({ kind: 'set', key, value: s[key]! });
  }
  if (s.fullVoltage !== undefined || s.emptyVoltage !== undefined) {
    // Keep full ≥ empty after every single write, or the instrument answers 703 half way.
    const fullFirst = s.fullVoltage !== undefined && s.fullVoltage >= (present?.emptyVoltage ?? -Infinity);
    const order: ('fullVoltage' | 'emptyVoltage')[] = fullFirst
      ? ['fullVoltage', 'emptyVoltage']
      : ['emptyVoltage', 'fullVoltage'];
    for (const key of order) if (s[key] !== undefined) steps.push({ kind: 'set', key, value: s[key]! });
  }
  if (s.currentLimit !== undefined) steps.push({ kind: 'set', key: 'currentLimit', value: s.currentLimit });
  for (const key of LIVE_BATTERY_KEYS)
    if (s[key] !== undefined) steps.push({ kind: 'set', key, value: s[key]! });
  steps.push(...loweredLimits);
  if (s.output === true || wrap) steps.push({ kind: 'output', on: true });
  return { steps, restoresOutput: wrap };
}
