/**
 * Battery models of the simulated 2281S: Voc and internal resistance as functions of the state
 * of charge, like the instrument's 101-point tables (here 11 points, interpolated linearly, as
 * the instrument does for `:SIMP` models). The curves are plausible shapes, not copies of
 * Keithley's factory tables, which we do not have.
 */

export interface BatteryModel {
  /** What `:BATT:MOD:RCL?` answers while this model is active: a slot number or a name. */
  id: number | string;
  /** Voc at SOC 0, 10, …, 100 % (non-decreasing). */
  voc: readonly number[];
  /** Internal resistance (Ω) at SOC 0, 10, …, 100 % (non-increasing). */
  resistance: readonly number[];
}

function curve(empty: number, full: number, shape: readonly number[]): number[] {
  return shape.map((f) => Number((empty + (full - empty) * f).toFixed(4)));
}

/** A Li-ion-like discharge shape: steep near empty, a plateau, a rise near full. */
const LITHIUM_SHAPE = [0, 0.35, 0.48, 0.55, 0.6, 0.65, 0.7, 0.76, 0.83, 0.91, 1];
/** Nickel chemistries: a flat plateau. */
const NICKEL_SHAPE = [0, 0.55, 0.68, 0.72, 0.75, 0.78, 0.8, 0.83, 0.87, 0.93, 1];
const LEAD_SHAPE = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

function resistance(high: number, low: number): number[] {
  return Array.from({ length: 11 }, (_, i) => Number((high - ((high - low) * i) / 10).toFixed(4)));
}

export const BUILT_IN_BATTERY_MODELS: Readonly<Record<string, BatteryModel>> = {
  LI_ION4_2: { id: 'LI_ION4_2', voc: curve(3.0, 4.2, LITHIUM_SHAPE), resistance: resistance(0.25, 0.08) },
  NIMH1_2: { id: 'NIMH1_2', voc: curve(1.0, 1.45, NICKEL_SHAPE), resistance: resistance(0.05, 0.02) },
  NICD1_2: { id: 'NICD1_2', voc: curve(1.0, 1.4, NICKEL_SHAPE), resistance: resistance(0.04, 0.015) },
  LEAD_ACID12: { id: 'LEAD_ACID12', voc: curve(11.6, 12.9, LEAD_SHAPE), resistance: resistance(0.06, 0.02) },
  NIMH12: { id: 'NIMH12', voc: curve(10.0, 14.5, NICKEL_SHAPE), resistance: resistance(0.5, 0.2) },
};

/** The front-panel default (slot 0), which reads back as DISCHARGE and cannot be recalled. */
export const DISCHARGE_MODEL: BatteryModel = {
  id: 'DISCHARGE',
  voc: curve(3.0, 4.2, LITHIUM_SHAPE),
  resistance: resistance(0.2, 0.1),
};

/**
 * Factory-fresh memory: slots 1..4 hold models (like a bench set up the way Lager's aliases
 * expect: 1 = 18650 Li-ion, 2 = NiMH, 3 = NiCd, 4 = lead-acid); slots 5..9 are empty, so an
 * empty-slot recall can be shown to fail silently.
 */
export function defaultSlots(): Map<number, BatteryModel> {
  return new Map<number, BatteryModel>([
    [1, { ...BUILT_IN_BATTERY_MODELS.LI_ION4_2, id: 1 }],
    [2, { ...BUILT_IN_BATTERY_MODELS.NIMH1_2, id: 2 }],
    [3, { ...BUILT_IN_BATTERY_MODELS.NICD1_2, id: 3 }],
    [4, { ...BUILT_IN_BATTERY_MODELS.LEAD_ACID12, id: 4 }],
  ]);
}

function interpolate(table: readonly number[], soc: number): number {
  const x = Math.min(100, Math.max(0, soc)) / 10;
  const i = Math.min(9, Math.floor(x));
  const f = x - i;
  return table[i] + (table[i + 1] - table[i]) * f;
}

export function vocAt(model: BatteryModel, soc: number): number {
  return interpolate(model.voc, soc);
}

export function resistanceAt(model: BatteryModel, soc: number): number {
  return interpolate(model.resistance, soc);
}

export function vocRange(model: BatteryModel): { min: number; max: number } {
  return { min: model.voc[0], max: model.voc[model.voc.length - 1] };
}

/** The SOC at which the model's Voc equals `voc` (the curve is non-decreasing). */
export function socForVoc(model: BatteryModel, voc: number): number {
  const table = model.voc;
  if (voc <= table[0]) return 0;
  if (voc >= table[10]) return 100;
  for (let i = 0; i < 10; i++) {
    if (voc <= table[i + 1]) {
      const span = table[i + 1] - table[i];
      const f = span <= 0 ? 0 : (voc - table[i]) / span;
      return (i + f) * 10;
    }
  }
  return 100;
}
