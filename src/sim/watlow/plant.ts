/**
 * A first-order thermal plant under a Watlow-style PID loop, for the simulator. Pure and stepped
 * with a fixed time step, so the trajectory depends only on simulated time (deterministic under a
 * fake clock), never on how often the bus is polled.
 *
 * Plant:  dT/dt = (ambient − T) / τ + heatGain × heat% / 100 − coolGain × cool% / 100
 * PID (Watlow form, proportional band in degrees):
 *   out% = 100 / Pb × (e + 1/Ti ∫e dt − Td dPV/dt), e = SP − PV,
 * derivative on the measurement (no kick on set-point changes), integral clamped (anti-windup).
 */

export type LoopMode = 'off' | 'auto' | 'manual';

export interface PlantConstants {
  /** °F */
  ambient: number;
  /** Time constant τ of the heat loss, s. */
  timeConstantS: number;
  /** Heating rate at 100 % heat, °F/s (steady-state rise = gain × τ). */
  heatGainPerS: number;
  coolGainPerS: number;
}

export const DEFAULT_PLANT: PlantConstants = {
  ambient: 72.5,
  timeConstantS: 120,
  heatGainPerS: 5,
  coolGainPerS: 3,
};

export interface LoopSettings {
  mode: LoopMode;
  setPoint: number;
  /** Open-loop output used in manual mode, −100..100 %. */
  manualPower: number;
  heatEnabled: boolean;
  coolEnabled: boolean;
  /** Proportional band, °F (> 0). */
  heatBand: number;
  coolBand: number;
  /** Integral time, s per repeat (0 = no integral). */
  integralS: number;
  /** Derivative time, s. */
  derivativeS: number;
  /** Input filter time constant, s. */
  filterS: number;
}

export const STEP_S = 0.1;

export class ThermalLoop {
  temperature: number;
  filtered: number;
  /** Signed controller output, % (+heat, −cool). */
  output = 0;
  private integral = 0;
  private previousPv: number;

  constructor(private readonly plant: PlantConstants = DEFAULT_PLANT) {
    this.temperature = plant.ambient;
    this.filtered = plant.ambient;
    this.previousPv = plant.ambient;
  }

  get heatPower(): number {
    return Math.max(0, this.output);
  }

  get coolPower(): number {
    return Math.max(0, -this.output);
  }

  /** Advances by one fixed step of STEP_S seconds. */
  step(settings: LoopSettings): void {
    const dt = STEP_S;
    this.output = this.controllerOutput(settings, dt);
    const p = this.plant;
    const heat = settings.heatEnabled ? this.heatPower : 0;
    const cool = settings.coolEnabled ? this.coolPower : 0;
    const dT =
      (p.ambient - this.temperature) / p.timeConstantS +
      (p.heatGainPerS * heat) / 100 -
      (p.coolGainPerS * cool) / 100;
    this.temperature += dT * dt;
    const alpha = settings.filterS > 0 ? Math.min(1, dt / settings.filterS) : 1;
    this.filtered += (this.temperature - this.filtered) * alpha;
  }

  private controllerOutput(s: LoopSettings, dt: number): number {
    const low = s.coolEnabled ? -100 : 0;
    const high = s.heatEnabled ? 100 : 0;
    const clamp = (v: number): number => Math.min(high, Math.max(low, v));
    if (s.mode === 'off') {
      this.integral = 0;
      return 0;
    }
    if (s.mode === 'manual') {
      this.integral = clamp(s.manualPower);
      return clamp(s.manualPower);
    }
    const pv = this.temperature;
    const error = s.setPoint - pv;
    const band = error >= 0 ? s.heatBand : s.coolBand;
    const gain = 100 / Math.max(0.001, band);
    if (s.integralS > 0) this.integral = clamp(this.integral + (gain * error * dt) / s.integralS);
    const derivative = s.derivativeS > 0 ? (-gain * s.derivativeS * (pv - this.previousPv)) / dt : 0;
    this.previousPv = pv;
    return clamp(gain * error + this.integral + derivative);
  }
}
