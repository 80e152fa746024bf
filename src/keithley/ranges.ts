/**
 * Ranges of the 2281S-20-6 that inputs are validated against before anything is written: the
 * instrument's own output and battery-simulator limits. One table, so the simulator, the driver
 * and the editor help can quote the same numbers.
 */
import type { NumberRule } from '../core/validate';

export const SUPPLY_RANGES = {
  /** Voltage set point, 0–20 V (rating). */
  voltage: { min: 0, max: 20, units: 'V' },
  /** Current limit: pymeasure validates 0.1–6.1 A (the rating is 6 A; 6.1 is the top of the OCP range). */
  current: { min: 0.1, max: 6.1, units: 'A' },
  /** OVP level 0.5–21 V, default 21 V (manual 7-129). */
  ovp: { min: 0.5, max: 21, units: 'V' },
  /** OCP level 0.1–6.1 A, default 6.1 A (manual 7-129). */
  ocp: { min: 0.1, max: 6.1, units: 'A' },
} as const satisfies Record<string, NumberRule>;

export const BATTERY_RANGES = {
  /** State of charge in percent (manual 7-46). */
  soc: { min: 0, max: 100, units: '%' },
  /**
   * Open-circuit voltage. The instrument bounds it by the loaded model's min–max, which we cannot
   * know without reading the model; we check the output range here and let the instrument refuse
   * (-222) what lies outside the model.
   */
  voc: { min: 0, max: 20, units: 'V' },
  fullVoltage: { min: 0, max: 20, units: 'V' },
  emptyVoltage: { min: 0, max: 20, units: 'V' },
  /** Capacity 0.001–99 Ah, default 0.01 Ah (manual 7-38). */
  capacity: { min: 0.001, max: 99, units: 'Ah' },
  /** Current limit 0–6.1 A, default 0.1 A. */
  currentLimit: { min: 0, max: 6.1, units: 'A' },
  /** Series resistance offset −100…100 Ω (there is no absolute ESR setter). */
  esrOffset: { min: -100, max: 100, units: 'Ω' },
  /** Terminal-voltage protection 0.5–21 V, default 21 V. */
  ovp: { min: 0.5, max: 21, units: 'V' },
  /** Over-current protection 0.1–6.1 A, default 6.1 A. */
  ocp: { min: 0.1, max: 6.1, units: 'A' },
} as const satisfies Record<string, NumberRule>;

/** Memory slots a model can be recalled from over SCPI (slot 0 is front-panel only: -222). */
export const MODEL_SLOTS = { min: 1, max: 9 } as const;

/**
 * Built-in battery models, as the firmware accepts and echoes them. The manual spells some with
 * hyphens (LI-ION4_2), which FW 01.08b rejects with -102 (hardware-verified), so users' spellings
 * are mapped onto these fixed tokens and never sent as typed.
 */
export const BUILT_IN_MODELS = ['LI_ION4_2', 'NIMH1_2', 'NICD1_2', 'LEAD_ACID12', 'NIMH12'] as const;
export type BuiltInModel = (typeof BUILT_IN_MODELS)[number];
