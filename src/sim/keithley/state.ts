/**
 * The settings the simulated 2281S keeps, per entry function, with their reset values. Values
 * marked UNVERIFIED are our choice where the manual pages we have give no *RST default.
 */
import type { BatteryModel } from './battery-models';
import { DISCHARGE_MODEL, vocAt, vocRange } from './battery-models';

export type SimEntryFunction = 'power' | 'simulator' | 'test';
export type SimTrip = 'NONE' | 'OVP' | 'OCP' | 'OTP' | 'RVS' | 'OPS';

export interface SupplyRegisters {
  voltage: number;
  current: number;
  /** `:VOLT:LIM`, the highest voltage the set point may take. */
  voltageLimit: number;
  ovp: number;
  ocp: number;
  output: boolean;
  trip: SimTrip;
}

export interface BatteryRegisters {
  model: BatteryModel;
  soc: number;
  voc: number;
  method: 'static' | 'dynamic';
  capacityLimit: number;
  currentLimit: number;
  ocp: number;
  ovp: number;
  resistanceOffset: number;
  fullVoltage: number;
  emptyVoltage: number;
  output: boolean;
  /**
   * Set by `:BATT:OUTP DIS` (or `2`), cleared by ON/OFF: the output is off and `:BATT:OUTP?`
   * answers `2`. Assumption: the firmware reports the disabled state it was put in, as the manual
   * lists it as a third value of the same setting; it is not known to enter it by itself.
   */
  outputDisabled: boolean;
  trip: SimTrip;
}

/** Ranges the simulated firmware enforces (-222 outside); the ranges in docs/keithley.md. */
export const SIM_RANGES = {
  voltage: { min: 0, max: 20, def: 0 },
  // UNVERIFIED lower bound and default: pymeasure validates 0.1–6.1 A.
  current: { min: 0.1, max: 6.1, def: 0.1 },
  voltageLimit: { min: 0, max: 21, def: 21 },
  ovp: { min: 0.5, max: 21, def: 21 },
  ocp: { min: 0.1, max: 6.1, def: 6.1 },
  soc: { min: 0, max: 100, def: 100 },
  capacityLimit: { min: 0.001, max: 99, def: 0.01 },
  batteryCurrentLimit: { min: 0, max: 6.1, def: 0.1 },
  resistanceOffset: { min: -100, max: 100, def: 0 },
  batteryVoltage: { min: 0, max: 20, def: 0 },
} as const;

export function defaultSupply(): SupplyRegisters {
  return {
    voltage: SIM_RANGES.voltage.def,
    current: SIM_RANGES.current.def,
    voltageLimit: SIM_RANGES.voltageLimit.def,
    ovp: SIM_RANGES.ovp.def,
    ocp: SIM_RANGES.ocp.def,
    output: false,
    trip: 'NONE',
  };
}

export function defaultBattery(model: BatteryModel = DISCHARGE_MODEL): BatteryRegisters {
  const range = vocRange(model);
  const soc = SIM_RANGES.soc.def;
  return {
    model,
    soc,
    voc: vocAt(model, soc),
    method: 'dynamic',
    capacityLimit: SIM_RANGES.capacityLimit.def,
    currentLimit: SIM_RANGES.batteryCurrentLimit.def,
    ocp: SIM_RANGES.ocp.def,
    ovp: SIM_RANGES.ovp.def,
    resistanceOffset: SIM_RANGES.resistanceOffset.def,
    fullVoltage: range.max,
    emptyVoltage: range.min,
    output: false,
    outputDisabled: false,
    trip: 'NONE',
  };
}
