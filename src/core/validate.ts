/**
 * The one validation helper. Everything a user can type — node properties, msg.payload keys —
 * passes through here before it can reach a wire, and fails with a message that names the field,
 * the value received and what is accepted.
 */
import { InvalidInputError, OutOfRangeError } from './errors';

/**
 * `table[key]` for text that came from a user or a device, counting only the table's own entries:
 * a plain `table[key]` answers "constructor", "__proto__" or "toString" with what every object
 * inherits.
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** A short, safe description of any value for an error message (never throws). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value == null)
    return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Decimal numeric text: sign, digits with an optional fraction (or a bare fraction), optional
 * exponent. Written so that every character has exactly one place in the pattern to go (the
 * integer digits and the fraction digits are separated by the one '.'), which keeps matching
 * linear in the input length; the earlier `\d+\.?\d*` let the two digit runs trade characters
 * and backtracked quadratically. Shared by every parser of numbers typed by users or answered by
 * instruments.
 */
export const DECIMAL_NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Longest numeric text worth reading: a float64 needs at most 17 significant digits, so 64
 * characters leave room for signs, zeros and an exponent. Longer text is refused before any
 * pattern sees it.
 */
export const MAX_NUMBER_TEXT = 64;

/** The number written in `text` (surrounding white space allowed), or undefined if it is not one. */
export function parseDecimalText(text: string): number | undefined {
  if (text.length > MAX_NUMBER_TEXT * 4) return undefined; // white space padding included
  const trimmed = text.trim();
  if (trimmed.length > MAX_NUMBER_TEXT || !DECIMAL_NUMBER.test(trimmed)) return undefined;
  return Number(trimmed);
}

/**
 * Splits a numeric field from its unit suffix (`+5.000000E+00V` → `+5.000000E+00`, `V`;
 * `12.5mA` → `12.5`, `mA`) by scanning the trailing letters, without a pattern that could
 * backtrack. Letters include `µ` (micro, as some instruments print it).
 */
export function splitUnitSuffix(text: string): { number: string; unit: string } {
  let end = text.length;
  while (end > 0 && isUnitLetter(text.charCodeAt(end - 1))) end--;
  return { number: text.slice(0, end).trimEnd(), unit: text.slice(end) };
}

function isUnitLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0xb5 || c === 0x3bc;
}

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
  units?: string;
  /** Accept numeric strings such as "12.5" (dashboard text inputs send strings). Default true. */
  allowNumericString?: boolean;
}

/** A finite number within [min, max]. Numeric strings are accepted unless disallowed. */
export function requireFiniteNumber(value: unknown, name: string, rule: NumberRule = {}): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && rule.allowNumericString !== false) {
    if (value.trim().length > MAX_NUMBER_TEXT)
      throw new InvalidInputError(
        `${name} must be a number, got ${value.length} characters of text (a number has at most ${MAX_NUMBER_TEXT}).`,
      );
    const parsed = parseDecimalText(value);
    if (parsed === undefined)
      throw new InvalidInputError(`${name} must be a number, got ${describe(value)}.`);
    n = parsed;
  } else throw new InvalidInputError(`${name} must be a number, got ${describe(value)}.`);
  if (!Number.isFinite(n))
    throw new InvalidInputError(`${name} must be a finite number, got ${describe(value)}.`);
  if (rule.integer && !Number.isInteger(n))
    throw new InvalidInputError(`${name} must be a whole number, got ${n}.`);
  const units = rule.units ? ` ${rule.units}` : '';
  if ((rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) {
    const range =
      rule.min !== undefined && rule.max !== undefined
        ? `${rule.min}…${rule.max}${units}`
        : rule.min !== undefined
          ? `at least ${rule.min}${units}`
          : `at most ${rule.max}${units}`;
    throw new OutOfRangeError(`${name} = ${n}${units} is out of range: allowed ${range}.`);
  }
  return n;
}

export function requireInteger(value: unknown, name: string, rule: Omit<NumberRule, 'integer'> = {}): number {
  return requireFiniteNumber(value, name, { ...rule, integer: true });
}

/** A boolean; also accepts the spellings dashboard switches and text inputs send. */
export function requireBoolean(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', 'on', '1', 'yes'].includes(v)) return true;
    if (['false', 'off', '0', 'no'].includes(v)) return false;
  }
  throw new InvalidInputError(`${name} must be true or false, got ${describe(value)}.`);
}

/** One of a fixed set of words, compared case-insensitively; returns the canonical spelling. */
export function requireEnum<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    const hit = allowed.find((a) => a.toLowerCase() === lower);
    if (hit !== undefined) return hit;
  }
  throw new InvalidInputError(
    `${name} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}.`,
  );
}

// Separators and terminators of SCPI and of our own key syntax; control characters of any kind.
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[;\r\n\u0000-\u001f\u007f]/;

/** Text that may be shown or used as a key, never containing command separators or controls. */
export function requireSafeText(
  value: unknown,
  name: string,
  rule: { maxLength?: number; allowEmpty?: boolean } = {},
): string {
  if (typeof value !== 'string') throw new InvalidInputError(`${name} must be text, got ${describe(value)}.`);
  if (!rule.allowEmpty && value.trim() === '') throw new InvalidInputError(`${name} must not be empty.`);
  if (UNSAFE_TEXT.test(value))
    throw new InvalidInputError(`${name} must not contain ';', line breaks or control characters.`);
  const max = rule.maxLength ?? 256;
  if (value.length > max)
    throw new InvalidInputError(`${name} is too long (${value.length} characters, at most ${max}).`);
  return value;
}

/** A plain object (what msg.payload must be when it carries several settings). */
export function requirePlainObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value)) {
    return value as Record<string, unknown>;
  }
  throw new InvalidInputError(`${name} must be an object, got ${describe(value)}.`);
}

/** Refuses keys that are not in `allowed`, so a typo ("volatge") is an error, not a silent no-op. */
export function requireKnownKeys(
  obj: Record<string, unknown>,
  name: string,
  allowed: readonly string[],
): void {
  const unknown = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `${name} has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; allowed: ${allowed.join(', ')}.`,
    );
  }
}
