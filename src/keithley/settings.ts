/**
 * Validation of 2281S supply and battery settings, whoever sends them (a flow node, a library user).
 * Pure: every key is checked (type, finiteness, range, enum) and turned into a typed settings
 * object before any I/O, so a bad value never reaches the instrument. Enumerations become fixed
 * tokens later (commands.ts); no user string is ever part of a command.
 */
import { InvalidInputError } from '../core/errors';
import {
  describe,
  requireBoolean,
  requireEnum,
  requireFiniteNumber,
  requireKnownKeys,
  requirePlainObject,
} from '../core/validate';
import { BATTERY_RANGES, BUILT_IN_MODELS, MODEL_SLOTS, SUPPLY_RANGES, type BuiltInModel } from './ranges';
import type { SimulationMethod } from './replies';

export type ProtectionClear = 'ovp' | 'ocp' | 'all';
export const PROTECTION_CLEARS: readonly ProtectionClear[] = ['ovp', 'ocp', 'all'];

export interface SupplySettings {
  voltage?: number;
  current?: number;
  ovp?: number;
  ocp?: number;
  output?: boolean;
  clear?: ProtectionClear;
}

export type BatteryModelRef = number | BuiltInModel;

export interface BatterySettings {
  model?: BatteryModelRef;
  soc?: number;
  voc?: number;
  capacity?: number;
  currentLimit?: number;
  fullVoltage?: number;
  emptyVoltage?: number;
  esrOffset?: number;
  method?: SimulationMethod;
  ovp?: number;
  ocp?: number;
  output?: boolean;
  clear?: ProtectionClear;
}

export const SUPPLY_KEYS = ['voltage', 'current', 'ovp', 'ocp', 'output', 'clear'] as const;
export const BATTERY_KEYS = [
  'model',
  'soc',
  'voc',
  'capacity',
  'currentLimit',
  'fullVoltage',
  'emptyVoltage',
  'esrOffset',
  'method',
  'ovp',
  'ocp',
  'output',
  'clear',
] as const;

/** Spellings users type for built-in models (manual's hyphens, any case) → firmware token. */
const MODEL_ALIASES: ReadonlyMap<string, BuiltInModel> = new Map(
  BUILT_IN_MODELS.flatMap((name) => [
    [name.toLowerCase(), name],
    [name.toLowerCase().replace(/_/g, '-'), name],
    [name.toLowerCase().replace('_', '-'), name],
  ]),
);

function present(obj: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined;
}

/** Slot 1..9 (number or numeric string) or a built-in model name. */
export function parseModelRef(value: unknown, name = 'model'): BatteryModelRef {
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+\s*$/.test(value))) {
    return requireFiniteNumber(value, name, { ...MODEL_SLOTS, integer: true });
  }
  if (typeof value === 'string') {
    const hit = MODEL_ALIASES.get(value.trim().toLowerCase());
    if (hit !== undefined) return hit;
  }
  throw new InvalidInputError(
    `${name} must be a memory slot ${MODEL_SLOTS.min}…${MODEL_SLOTS.max} or a built-in model (${BUILT_IN_MODELS.join(', ')}), got ${describe(value)}.`,
  );
}

/** Validates a supply payload object; throws InvalidInputError / OutOfRangeError. */
export function validateSupplySettings(input: unknown, name = 'Supply settings'): SupplySettings {
  const obj = requirePlainObject(input, name);
  requireKnownKeys(obj, name, SUPPLY_KEYS);
  const out: SupplySettings = {};
  if (present(obj, 'voltage'))
    out.voltage = requireFiniteNumber(obj.voltage, `${name}.voltage`, SUPPLY_RANGES.voltage);
  if (present(obj, 'current'))
    out.current = requireFiniteNumber(obj.current, `${name}.current`, SUPPLY_RANGES.current);
  if (present(obj, 'ovp')) out.ovp = requireFiniteNumber(obj.ovp, `${name}.ovp`, SUPPLY_RANGES.ovp);
  if (present(obj, 'ocp')) out.ocp = requireFiniteNumber(obj.ocp, `${name}.ocp`, SUPPLY_RANGES.ocp);
  if (present(obj, 'output')) out.output = requireBoolean(obj.output, `${name}.output`);
  if (present(obj, 'clear')) out.clear = requireEnum(obj.clear, `${name}.clear`, PROTECTION_CLEARS);
  return out;
}

/** Validates a battery payload object; throws InvalidInputError / OutOfRangeError. */
export function validateBatterySettings(input: unknown, name = 'Battery settings'): BatterySettings {
  const obj = requirePlainObject(input, name);
  requireKnownKeys(obj, name, BATTERY_KEYS);
  const out: BatterySettings = {};
  const num = (key: keyof typeof BATTERY_RANGES): number | undefined =>
    present(obj, key) ? requireFiniteNumber(obj[key], `${name}.${key}`, BATTERY_RANGES[key]) : undefined;
  if (present(obj, 'model')) out.model = parseModelRef(obj.model, `${name}.model`);
  for (const key of Object.keys(BATTERY_RANGES) as (keyof typeof BATTERY_RANGES)[]) {
    const value = num(key);
    if (value !== undefined) out[key] = value;
  }
  if (present(obj, 'method'))
    out.method = requireEnum(obj.method, `${name}.method`, ['static', 'dynamic'] as const);
  if (present(obj, 'output')) out.output = requireBoolean(obj.output, `${name}.output`);
  if (present(obj, 'clear')) out.clear = requireEnum(obj.clear, `${name}.clear`, PROTECTION_CLEARS);
  // SOC and Voc are two views of one quantity (Voc follows SOC through the model and back).
  if (out.soc !== undefined && out.voc !== undefined) {
    throw new InvalidInputError(
      `${name} sets both soc and voc; they move together on the 2281S, so give only one.`,
    );
  }
  // Checked here when both are given; against the instrument's present value in the driver.
  if (out.fullVoltage !== undefined && out.emptyVoltage !== undefined && out.fullVoltage < out.emptyVoltage) {
    throw new InvalidInputError(
      `${name}.fullVoltage (${out.fullVoltage} V) is below emptyVoltage (${out.emptyVoltage} V); the full voltage must be the higher one.`,
    );
  }
  return out;
}

/** What one input message asks for: settings to apply (empty = only read) and/or a monitor switch. */
