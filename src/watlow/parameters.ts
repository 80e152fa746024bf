/**
 * From what a user typed to what goes on the wire, and back: parameter lookup (name or ID),
 * instance and value validation (before any I/O), and presentation of decoded values
 * (enumerations as names with the numeric code kept as `raw`, temperature units).
 */
import { InvalidInputError, OutOfRangeError, ReadOnlyError } from '../core/errors';
import { describe, requireFiniteNumber, requireInteger, requireSafeText } from '../core/validate';
import type { ParameterSpec, UnitsKind } from './catalogue';
import { enumNameOf, findParameter, parameterNames } from './catalogue';
import type { WatlowDataType } from './types';

/** A parameter as requested: the catalogue row when known, else only its ID (type learned later). */
export interface ResolvedParameter {
  readonly id: number;
  /** Catalogue name, or the ID as text for parameters outside the catalogue. */
  readonly name: string;
  readonly spec: ParameterSpec | undefined;
}

export type TemperatureUnits = 'F' | 'C';

/** Largest instance byte; used for parameters outside the catalogue. */
const MAX_INSTANCE_BYTE = 255;

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Catalogue names close to a mistyped one (a few edits away, or containing it). */
function closestNames(text: string): string[] {
  const lower = text.toLowerCase();
  return parameterNames()
    .map((name) => ({ name, distance: editDistance(lower, name.toLowerCase()) }))
    .filter(
      ({ name, distance }) => distance <= 3 || (lower.length >= 4 && name.toLowerCase().includes(lower)),
    )
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 5)
    .map(({ name }) => name);
}

/** Throws InvalidInputError for unknown names and IDs that cannot be Watlow parameter IDs. */
export function resolveParameter(nameOrId: unknown): ResolvedParameter {
  if (typeof nameOrId === 'number' || (typeof nameOrId === 'string' && /^\s*\d+\s*$/.test(nameOrId))) {
    const id = Number(nameOrId);
    const spec = findParameter(id);
    if (spec) return { id, name: spec.name, spec };
    if (!Number.isInteger(id) || id < 1000 || id > 255_999 || id % 1000 > 255) {
      throw new InvalidInputError(
        `Parameter ID ${String(nameOrId)} is not a Watlow parameter ID (class × 1000 + member, e.g. 4001 or 7001; member 0..255).`,
      );
    }
    return { id, name: String(id), spec: undefined };
  }
  if (typeof nameOrId === 'string' && nameOrId.trim() !== '') {
    const spec = findParameter(nameOrId);
    if (spec) return { id: spec.id, name: spec.name, spec };
    const near = closestNames(nameOrId.trim());
    throw new InvalidInputError(
      `Unknown Watlow parameter "${nameOrId}".${near.length ? ` Did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : ''} Use a catalogue name (processValue, setPoint, controlMode, …) or a numeric parameter ID such as 4001.`,
    );
  }
  throw new InvalidInputError(
    `Parameter must be a catalogue name such as "setPoint" or a numeric ID such as 7001, got ${describe(nameOrId)}.`,
  );
}

export function validateInstance(parameter: ResolvedParameter, instance: unknown): number {
  const max = parameter.spec?.maxInstance ?? MAX_INSTANCE_BYTE;
  const kind = parameter.spec?.instanceKind ?? 'instance';
  return requireInteger(instance ?? 1, `Instance of ${parameter.name} (${kind} number)`, { min: 1, max });
}

/** Refuses a write to a read-only catalogue parameter (one outside the catalogue is tried). */
export function requireWritable(parameter: ResolvedParameter): void {
  if (parameter.spec && !parameter.spec.writable) {
    throw new ReadOnlyError(
      `${parameter.spec.name} (${parameter.id}) is read-only; nothing was sent. Write a writable parameter instead (e.g. setPoint rather than activeSetPoint).`,
    );
  }
}

function numericRule(
  spec: ParameterSpec | undefined,
  type: WatlowDataType,
): { min?: number; max?: number; integer?: boolean } {
  const typeRange: Record<WatlowDataType, { min?: number; max?: number; integer?: boolean }> = {
    u8: { min: 0, max: 0xff, integer: true },
    u16: { min: 0, max: 0xffff, integer: true },
    u32: { min: 0, max: 0xffffffff, integer: true },
    s32: { min: -0x80000000, max: 0x7fffffff, integer: true },
    float: { min: -3.4e38, max: 3.4e38 },
    enum: { min: 0, max: 0xffff, integer: true },
    string: {},
  };
  const base = typeRange[type];
  return {
    integer: base.integer,
    min: spec?.min ?? base.min,
    max: spec?.max ?? base.max,
  };
}

/**
 * The wire value for a write: enumeration names (case-insensitive) or codes become the code;
 * numbers are checked against the catalogue's range. Throws InvalidInputError / OutOfRangeError.
 */
export function coerceWriteValue(
  parameter: ResolvedParameter,
  type: WatlowDataType,
  value: unknown,
  units = '',
): number | string {
  const spec = parameter.spec;
  const label = parameter.name;
  if (type === 'string') return requireSafeText(value, label, { maxLength: 64 });
  if (type === 'enum' && spec?.enumCodes) {
    const codes = spec.enumCodes;
    const allowed = Object.entries(codes)
      .map(([n, c]) => `"${n}" (${c})`)
      .join(', ');
    if (typeof value === 'string' && !/^\s*\d+\s*$/.test(value)) {
      const wanted = value.trim().toLowerCase();
      const hit = Object.entries(codes).find(([n]) => n.toLowerCase() === wanted);
      if (hit) return hit[1];
      throw new InvalidInputError(`${label} must be one of ${allowed}, got ${JSON.stringify(value)}.`);
    }
    const code = requireInteger(value, label, { min: 0, max: 0xffff });
    if (!Object.values(codes).includes(code)) {
      throw new OutOfRangeError(`${label} = ${code} is not a valid code: allowed ${allowed}.`);
    }
    return code;
  }
  return requireFiniteNumber(value, label, { ...numericRule(spec, type), units: units || undefined });
}

export function unitsLabel(kind: UnitsKind | undefined, temperatureUnits: TemperatureUnits): string {
  switch (kind) {
    case 'temperature':
      return temperatureUnits === 'C' ? '°C' : '°F';
    case 'deg/min':
      return temperatureUnits === 'C' ? '°C/min' : '°F/min';
    case undefined:
      return '';
    default:
      return kind;
  }
}

/**
 * Float32 carries about 7 significant digits; 75.1 comes back as 75.09999847. The presented value
 * is rounded to 7 significant digits (what the controller displays); `raw` keeps the exact bits.
 */
export function presentFloat(raw: number): number {
  if (!Number.isFinite(raw) || raw === 0) return raw;
  return Number(raw.toPrecision(7));
}

/** Presents a decoded value: enumeration names for codes the catalogue knows, rounded floats. */
export function presentValue(
  spec: ParameterSpec | undefined,
  type: WatlowDataType,
  raw: number | string,
): number | string {
  if (typeof raw === 'string') return raw;
  if (type === 'float') return presentFloat(raw);
  if (spec?.enumCodes) return enumNameOf(spec, raw) ?? raw;
  return raw;
}

/** True when `stored` is what a write of `wanted` should leave (float32 rounding allowed). */
export function sameStoredValue(
  type: WatlowDataType,
  wanted: number | string,
  stored: number | string,
): boolean {
  if (typeof wanted === 'string' || typeof stored === 'string')
    return String(wanted).trim() === String(stored).trim();
  if (type === 'float') return Math.fround(wanted) === Math.fround(stored);
  return wanted === stored;
}

export interface ParameterItem {
  /** Catalogue name, or the numeric ID for parameters outside the catalogue. */
  parameter: string | number;
  instance: number;
}

/**
 * The one parser of parameter lists (a flow node's property, msg.parameters, the manager's poll):
 * validates `[{parameter, instance}]`, `["processValue", 4001]` or a mix against the catalogue;
 * throws E_INVALID_INPUT / E_OUT_OF_RANGE before anything reaches a bus.
 */
export function parseParameterList(value: unknown, source: string): ParameterItem[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidInputError(
      `${source} must be a non-empty array of parameter names, IDs or {parameter, instance} objects.`,
    );
  }
  return value.map((entry, i) => {
    let name: unknown = entry;
    let instance: unknown = 1;
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
      const o = entry as Record<string, unknown>;
      name = o.parameter;
      instance = o.instance === undefined || o.instance === '' || o.instance === null ? 1 : o.instance;
    } else if (typeof entry !== 'string' && typeof entry !== 'number') {
      throw new InvalidInputError(
        `${source}[${i}] must be a name, an ID or {parameter, instance}, got ${JSON.stringify(entry)}.`,
      );
    }
    const resolved = resolveParameter(name);
    const inst = validateInstance(
      resolved,
      typeof instance === 'string' && /^\s*\d+\s*$/.test(instance) ? Number(instance) : instance,
    );
    return { parameter: resolved.spec ? resolved.name : resolved.id, instance: inst };
  });
}
