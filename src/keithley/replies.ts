/**
 * Pure parsers for what the 2281S answers. No I/O here: every function takes the reply text
 * (terminator already stripped by the SCPI session) and returns a typed value or throws
 * ProtocolError naming the query and the text received.
 *
 * Why the parsers are lenient: measurement replies on a real unit carry unit suffixes and a
 * relative time stamp (`-7.293284E-07A,+5.000000E+00V,+1.050650E+04s`), while setpoint queries
 * answer bare numbers (`20`). Whether `:FORM:ELEM` exists on the 2281S is UNVERIFIED, so every
 * numeric parser accepts both forms (observed on hardware).
 */
import { ProtocolError } from '../core/errors';
import { MAX_NUMBER_TEXT, parseDecimalText, splitUnitSuffix } from '../core/validate';
import { splitOutsideQuotes } from '../visa/scpi-format';

/** SCPI's "no reading" markers (9.9E37 overflow, 9.91E37 NaN). */
const OVERFLOW_THRESHOLD = 9.8e37;

/** Multipliers for the unit prefixes seen on measurement fields (`mA`, `uA`). */
const PREFIX_SCALE: ReadonlyMap<string, number> = new Map([
  ['m', 1e-3],
  ['u', 1e-6],
  ['µ', 1e-6],
  ['n', 1e-9],
  ['k', 1e3],
]);

export interface ReplyField {
  /** The numeric value, scaled by the unit prefix; NaN for overflow markers. */
  value: number;
  /** The base unit letter(s) after the number, upper-case ('V', 'A', 'S', 'OHM'…), '' when bare. */
  unit: string;
}

/** Longest unit suffix worth reading (`OHM`, `mA`, …); a field is a number plus at most this. */
const MAX_UNIT_TEXT = 8;

function fail(query: string, reply: string, expected: string): ProtocolError {
  return new ProtocolError(`The 2281S answered ${JSON.stringify(reply)} to ${query}; expected ${expected}.`);
}

/** Splits a reply into comma-separated fields outside quotes. */
export function splitFields(reply: string): string[] {
  return splitOutsideQuotes(reply, ',');
}

/**
 * Parses one numeric field such as `+5.000000E+00V`, `12.5mA`, `20`. Returns undefined when the
 * field is not numeric. The unit prefix is folded into the value (`12.5mA` → 0.0125, 'A').
 */
export function parseField(field: string): ReplyField | undefined {
  // Capped before anything else: a hostile or broken device can answer with any length.
  const text = field.length > (MAX_NUMBER_TEXT + MAX_UNIT_TEXT) * 2 ? '' : field.trim();
  if (text === '' || text.length > MAX_NUMBER_TEXT + MAX_UNIT_TEXT) return undefined;
  const parts = splitUnitSuffix(text);
  const number = parseDecimalText(parts.number);
  if (number === undefined || parts.unit.length > MAX_UNIT_TEXT) return undefined;
  let value = number;
  let unit = parts.unit;
  // A single letter is the base unit itself (V, A, s, W); longer ones may start with a prefix.
  const scale = unit.length > 1 ? PREFIX_SCALE.get(unit[0]!) : undefined;
  if (scale !== undefined) {
    value *= scale;
    unit = unit.slice(1);
  }
  if (Math.abs(value) >= OVERFLOW_THRESHOLD) value = Number.NaN;
  return { value, unit: unit.toUpperCase() };
}

/**
 * A number from a reply that may be bare (`20`) or a unit-suffixed multi-field measurement.
 * With `unit`, the field carrying that unit wins (Lager's rule, hardware-verified); without a
 * match, or without `unit`, the first field is used.
 */
export function parseNumberReply(reply: string, query: string, unit?: string): number {
  const fields = splitFields(reply).map(parseField);
  if (unit !== undefined) {
    const wanted = unit.toUpperCase();
    const hit = fields.find((f) => f !== undefined && f.unit === wanted);
    if (hit) return hit.value;
  }
  const first = fields[0];
  if (first === undefined) throw fail(query, reply, 'a number');
  return first.value;
}

/**
 * The concurrent measurement `:MEAS:CONC:DC?`: current and voltage. Fields are picked by unit
 * suffix; bare replies fall back to the documented order current, voltage (, time).
 */
export function parseConcurrentMeasurement(
  reply: string,
  query: string,
): { voltage: number; current: number } {
  const fields = splitFields(reply).map(parseField);
  if (fields.length < 2 || fields[0] === undefined || fields[1] === undefined) {
    throw fail(query, reply, 'current and voltage, e.g. "+1.5E+00A,+3.3E+00V,+1.0E+01s"');
  }
  const byUnit = (u: string): number | undefined => fields.find((f) => f?.unit === u)?.value;
  return {
    current: byUnit('A') ?? fields[0].value,
    voltage: byUnit('V') ?? fields[1].value,
  };
}

/** `1`/`0`/`ON`/`OFF` (the code tolerates both spellings, observed on hardware). */
export function parseOnOff(reply: string, query: string): boolean {
  const text = reply.trim().toUpperCase();
  if (text === '1' || text === 'ON') return true;
  if (text === '0' || text === 'OFF') return false;
  throw fail(query, reply, '1, 0, ON or OFF');
}

/** The battery simulator's output: on, off, or disabled (the third state the 2281S manual lists). */
export type OutputState = 'on' | 'off' | 'disabled';

/**
 * `:BATT:OUTP?`: `1`/`ON`, `0`/`OFF`, or `2`/`DIS` (disabled, the third state the 2281S
 * reference manual lists for the battery output: off, and not to be switched on by a mere ON
 * from the front panel's point of view). Disabled counts as off for `output`.
 */
export function parseOutputState(reply: string, query: string): OutputState {
  const text = reply.trim().toUpperCase();
  if (text === '1' || text === 'ON') return 'on';
  if (text === '0' || text === 'OFF') return 'off';
  if (text === '2' || text === 'DIS' || text === 'DISABLE' || text === 'DISABLED') return 'disabled';
  throw fail(query, reply, '1, 0, 2, ON, OFF or DIS');
}

export const TRIP_STATES = ['NONE', 'OVP', 'OCP', 'OTP', 'RVS', 'OPS'] as const;
export type TripState = (typeof TRIP_STATES)[number];

/**
 * `:OUTP:PROT:TRIP?`. `NONE` is a non-empty answer meaning "not tripped", so callers compare
 * against the enum instead of testing truthiness (a trap verified on hardware).
 */
export function parseTrip(reply: string, query: string): TripState {
  const text = unquote(reply).toUpperCase();
  const hit = TRIP_STATES.find((t) => t === text);
  if (hit === undefined) throw fail(query, reply, TRIP_STATES.join(', '));
  return hit;
}

export type EntryFunction = 'power' | 'simulator' | 'test';

/**
 * `:ENTR:FUNC?`. The exact spelling is UNVERIFIED (pymeasure expects POWER/TEST/SIMULATOR;
 * Lager accepts anything containing POW/SUPPLY/PSS or BATT/SIM), so match by substring,
 * case-insensitively. TEST is checked first because a battery-test reply might contain "BATT".
 */
export function parseEntryFunction(reply: string, query: string): EntryFunction {
  const text = unquote(reply).toUpperCase();
  if (text.includes('TEST')) return 'test';
  if (text.includes('POW') || text.includes('SUPPLY') || text.includes('PSS')) return 'power';
  if (text.includes('SIM') || text.includes('BATT')) return 'simulator';
  throw fail(query, reply, 'POWER, SIMULATOR or TEST');
}

export type SimulationMethod = 'static' | 'dynamic';

export function parseMethod(reply: string, query: string): SimulationMethod {
  const text = unquote(reply).toUpperCase();
  if (text.startsWith('STAT')) return 'static';
  if (text.startsWith('DYN')) return 'dynamic';
  throw fail(query, reply, 'STATIC or DYNAMIC');
}

/**
 * `:BATT:MOD:RCL?`: a slot number when a slot is active, otherwise the built-in's name
 * (`LI_ION4_2`) or `DISCHARGE` for the front-panel default (hardware-verified).
 */
export function parseModelRecall(reply: string, query: string): number | string {
  const text = unquote(reply);
  if (text === '') throw fail(query, reply, 'a slot number or a model name');
  if (/^[-+]?\d+(\.0*)?$/.test(text)) return Math.trunc(Number(text));
  return text.toUpperCase();
}

/** `:SYST:ERR?` → `<code>,"<message>"`. */
export function parseScpiError(reply: string, query = ':SYST:ERR?'): { code: number; message: string } {
  // Split at the first comma by hand: a pattern with white space around `.*` backtracks.
  const comma = reply.indexOf(',');
  const codeText = (comma < 0 ? reply : reply.slice(0, comma)).trim();
  if (codeText.length > 12 || !/^[-+]?\d+$/.test(codeText)) throw fail(query, reply, '<code>,"<message>"');
  return { code: Number(codeText), message: unquote(comma < 0 ? '' : reply.slice(comma + 1)) };
}

export interface Identity {
  manufacturer: string;
  model: string;
  serial: string;
  firmware: string;
}

/** `*IDN?` → `KEITHLEY INSTRUMENTS,MODEL 2281S-20-6,4518305,01.08b` (the "MODEL " is dropped). */
export function parseIdentity(reply: string, query = '*IDN?'): Identity {
  const fields = splitFields(reply);
  if (fields.length < 4) throw fail(query, reply, 'four comma-separated fields');
  return {
    manufacturer: fields[0],
    model: fields[1].replace(/^MODEL\s+/i, ''),
    serial: fields[2],
    firmware: fields[3],
  };
}

/** The bits of `:STAT:QUES:INST:ISUM:COND?` (manual D-16). */
export interface QuestionableSummary {
  constantCurrent: boolean;
  constantVoltage: boolean;
  ocpTripped: boolean;
  ovpTripped: boolean;
  otpTripped: boolean;
  senseReversed: boolean;
  outputEnabled: boolean;
}

export const QUESTIONABLE_BITS = {
  constantCurrent: 1,
  constantVoltage: 2,
  ocpTripped: 4,
  ovpTripped: 8,
  otpTripped: 16,
  senseReversed: 32,
  outputEnabled: 64,
} as const;

export function parseQuestionableSummary(reply: string, query: string): QuestionableSummary {
  const n = parseNumberReply(reply, query);
  if (!Number.isInteger(n) || n < 0) throw fail(query, reply, 'a non-negative integer bit mask');
  const has = (bit: number): boolean => (n & bit) !== 0;
  return {
    constantCurrent: has(QUESTIONABLE_BITS.constantCurrent),
    constantVoltage: has(QUESTIONABLE_BITS.constantVoltage),
    ocpTripped: has(QUESTIONABLE_BITS.ocpTripped),
    ovpTripped: has(QUESTIONABLE_BITS.ovpTripped),
    otpTripped: has(QUESTIONABLE_BITS.otpTripped),
    senseReversed: has(QUESTIONABLE_BITS.senseReversed),
    outputEnabled: has(QUESTIONABLE_BITS.outputEnabled),
  };
}

function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) {
    return t
      .slice(1, -1)
      .split(t[0] + t[0])
      .join(t[0])
      .trim();
  }
  return t;
}
