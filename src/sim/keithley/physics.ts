/**
 * The electrical side of the simulated 2281S (pure): what the terminals show for a given load,
 * whether the supply regulates voltage (CV) or current (CC), and how the simulated battery's
 * charge moves. Deterministic (no noise) so tests can assert exact values.
 */

/**
 * What is connected to the terminals. `resistance` in ohms (Infinity = open circuit); `current`
 * is an electronic load drawing a fixed current (negative = an external source pushing current
 * in, i.e. charging the simulated battery or making the supply sink).
 */
export type Load = { kind: 'resistance'; ohms: number } | { kind: 'current'; amps: number };

export const OPEN_CIRCUIT: Load = { kind: 'resistance', ohms: Infinity };

/** The power-supply function sinks about 1 A at most (not programmable, per the 2281S reference manual). */
export const SUPPLY_SINK_LIMIT_A = 1;

export interface SupplyOperatingPoint {
  voltage: number;
  current: number;
  mode: 'CV' | 'CC';
}

/** The supply's operating point with its output on. */
export function solveSupply(setVoltage: number, currentLimit: number, load: Load): SupplyOperatingPoint {
  if (load.kind === 'resistance') {
    if (!(load.ohms > 0) || load.ohms === Infinity) return { voltage: setVoltage, current: 0, mode: 'CV' };
    const demand = setVoltage / load.ohms;
    if (demand <= currentLimit) return { voltage: setVoltage, current: demand, mode: 'CV' };
    return { voltage: currentLimit * load.ohms, current: currentLimit, mode: 'CC' };
  }
  if (load.amps < 0)
    return { voltage: setVoltage, current: Math.max(load.amps, -SUPPLY_SINK_LIMIT_A), mode: 'CV' };
  if (load.amps <= currentLimit) return { voltage: setVoltage, current: load.amps, mode: 'CV' };
  // A constant-current load asking for more than the limit pulls the output down to ~0 V.
  return { voltage: 0, current: currentLimit, mode: 'CC' };
}

export interface BatteryOperatingPoint {
  terminalVoltage: number;
  current: number;
  /** True when the current limit (not the battery model) sets the current. */
  limited: boolean;
}

/**
 * The simulated battery's terminals: Voc behind the model resistance, the discharge current
 * capped by the current limit. Discharge stops at the empty voltage and charge at the full one.
 */
export function solveBattery(
  voc: number,
  esr: number,
  currentLimit: number,
  load: Load,
  bounds: { emptyVoltage: number; fullVoltage: number },
): BatteryOperatingPoint {
  const r = Math.max(0, esr);
  let current: number;
  if (load.kind === 'resistance') {
    current = !(load.ohms >= 0) || load.ohms === Infinity ? 0 : voc / (r + load.ohms);
  } else {
    current = load.amps;
  }
  let limited = false;
  if (current > currentLimit) {
    current = currentLimit;
    limited = true;
  }
  if (current > 0 && voc <= bounds.emptyVoltage) current = 0;
  if (current < 0 && voc >= bounds.fullVoltage) current = 0;
  let terminalVoltage: number;
  if (limited && load.kind === 'resistance') terminalVoltage = current * load.ohms;
  else if (limited) terminalVoltage = 0;
  else terminalVoltage = voc - current * r;
  return { terminalVoltage: Math.max(0, terminalVoltage), current, limited };
}

/** SOC after `seconds` at `current` amps (positive = discharge) for a capacity in Ah. */
export function integrateSoc(soc: number, current: number, seconds: number, capacityAh: number): number {
  if (capacityAh <= 0 || seconds <= 0 || current === 0) return soc;
  const deltaPercent = ((current * seconds) / 3600 / capacityAh) * 100;
  return Math.min(100, Math.max(0, soc - deltaPercent));
}
