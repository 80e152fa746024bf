/**
 * What the keithley-supply and keithley-battery nodes emit (docs/nodes.md), exactly.
 */
import type { OutputState, SimulationMethod } from './replies';

export interface ProtectionState {
  /** The protection level (V for OVP, A for OCP). */
  limit: number;
  /** True while this protection has tripped the output (cleared with `clear`). */
  tripped: boolean;
}

/** `*IDN?` model and serial of the instrument that produced the state. */
export interface InstrumentIdentity {
  model: string;
  serial: string;
}

export type SupplyMode = 'CV' | 'CC' | 'OFF';

export interface SupplyState {
  /** Measured terminal voltage, V. */
  voltage: number;
  /** Measured current, A (negative while the supply sinks). */
  current: number;
  /** voltage × current, W. */
  power: number;
  output: boolean;
  mode: SupplyMode;
  setpoint: { voltage: number; current: number };
  ovp: ProtectionState;
  ocp: ProtectionState;
  instrument: InstrumentIdentity;
  /** ms since the epoch, when the state was read. */
  timestamp: number;
}

export interface BatteryState {
  /** Measured terminal voltage, V. */
  terminalVoltage: number;
  /** Measured current, A (positive = discharging the simulated battery). */
  current: number;
  /** State of charge, %. */
  soc: number;
  /** Open-circuit voltage of the model at this SOC, V. */
  voc: number;
  /** Live series resistance of the model (including the offset), Ω. */
  esr: number;
  /** Charge left, Ah. */
  capacity: number;
  /** Full capacity setting, Ah. */
  capacityLimit: number;
  /** Active model: memory slot number, built-in name, or "DISCHARGE" (front-panel default). */
  model: number | string;
  method: SimulationMethod;
  /** True while the output is on. */
  output: boolean;
  /** `:BATT:OUTP?` as the instrument reports it: on, off, or disabled (a disabled output is off). */
  outputState: OutputState;
  currentLimit: number;
  ovp: ProtectionState;
  ocp: ProtectionState;
  instrument: InstrumentIdentity;
  timestamp: number;
}

export interface BatteryApplyResult {
  state: BatteryState;
  /**
   * True when a setting the 2281S refuses while the simulation runs (704) was applied by turning
   * the output off, writing, and turning it back on (`msg.restoredOutput` on the battery node).
   */
  restoredOutput: boolean;
}
