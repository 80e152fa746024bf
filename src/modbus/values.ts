/**
 * Typed values on Modbus tables, pure: validation of what a user asks for, the requests it takes
 * (split where one request cannot carry it all), and the conversion between values and register
 * words or bits. Everything is checked before a byte is sent; a refusal is E_INVALID_INPUT,
 * E_OUT_OF_RANGE or E_READ_ONLY with a message that says what to change.
 *
 * Conventions: registers are 16-bit words, big-endian bytes inside a word (Modbus itself). A
 * 32/64-bit value spans 2/4 consecutive registers; `highLow` (default) puts the most significant
 * word first, `lowHigh` the least significant first. Strings carry two ASCII characters a
 * register, first character in the high byte, padded with NUL. `scale`: value = raw × scale on
 * read, raw = value ÷ scale on write (rounded to the nearest integer for integer types, then
 * range-checked).
 */
import { InvalidInputError, OutOfRangeError, ReadOnlyError } from '../core/errors';
import type { BigEndianNumber } from '../core/big-endian';
import { BIG_ENDIAN } from '../core/big-endian';
import { FC, LIMITS } from './pdu';

export const MODBUS_TABLES = ['holding', 'input', 'coil', 'discrete'] as const;
export type ModbusTable = (typeof MODBUS_TABLES)[number];
export const MODBUS_VALUE_TYPES = [
  'uint16',
  'int16',
  'uint32',
  'int32',
  'float32',
  'float64',
  'string',
  'bool',
] as const;
export type ModbusValueType = (typeof MODBUS_VALUE_TYPES)[number];
export type WordOrder = 'highLow' | 'lowHigh';
export type ModbusValue = number | boolean | string;

/** The function codes and per-request limits, as the PDU codec has them. */
export { FC as MODBUS_FC, LIMITS as MODBUS_LIMITS };

export interface ValueSpec {
  table: ModbusTable;
  /** 0-based PDU address of the first register or bit. */
  register: number;
  type: ModbusValueType;
  /** Number of values; for `string`, the number of characters of the one string. */
  count: number;
  wordOrder: WordOrder;
  scale: number;
}

export interface ValueSpecInput {
  table?: unknown;
  register?: unknown;
  type?: unknown;
  count?: unknown;
  wordOrder?: unknown;
  scale?: unknown;
}

const MAX_ADDRESS = 0xffff;
/** A string longer than one read request cannot be read in one piece. */
const MAX_STRING_CHARS = LIMITS.readRegisters * 2;

function isBitTable(table: ModbusTable): boolean {
  return table === 'coil' || table === 'discrete';
}

function oneOf<T extends string>(value: unknown, what: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidInputError(`${what} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`);
}

function integerIn(value: unknown, what: string, min: number, max: number, fallback?: number): number {
  if ((value === undefined || value === null || value === '') && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new InvalidInputError(`${what} must be a number; got ${JSON.stringify(value)}.`);
  if (!Number.isInteger(value)) throw new InvalidInputError(`${what} must be a whole number; got ${value}.`);
  if (value < min || value > max) throw new OutOfRangeError(`${what} must be ${min}…${max}; got ${value}.`);
  return value;
}

type NumericType = Exclude<ModbusValueType, 'string' | 'bool'>;

/** How each numeric type lies in its registers (before word order). */
const NUMERIC: Record<NumericType, BigEndianNumber> = {
  uint16: BIG_ENDIAN.u16,
  int16: BIG_ENDIAN.i16,
  uint32: BIG_ENDIAN.u32,
  int32: BIG_ENDIAN.i32,
  float32: BIG_ENDIAN.f32,
  float64: BIG_ENDIAN.f64,
};

/** Registers one value occupies (bits tables: 1 bit). */
export function registersPerValue(type: ModbusValueType, count = 1): number {
  if (type === 'string') return Math.ceil(count / 2);
  return type === 'bool' ? 1 : NUMERIC[type].bytes / 2;
}

/** Registers (or bits) the whole spec covers. */
export function spanOf(spec: ValueSpec): number {
  if (spec.type === 'string') return registersPerValue('string', spec.count);
  return registersPerValue(spec.type) * spec.count;
}

/** Validates a spec (a node's properties, a message's overrides); fills defaults. */
export function validateValueSpec(input: ValueSpecInput): ValueSpec {
  const table = oneOf(input.table, 'Table', MODBUS_TABLES, 'holding');
  const bits = isBitTable(table);
  const type = oneOf(input.type, 'Type', MODBUS_VALUE_TYPES, bits ? 'bool' : 'uint16');
  if (bits && type !== 'bool')
    throw new InvalidInputError(`The ${table} table holds single bits: its type is bool, not ${type}.`);
  const register = integerIn(input.register, 'Register', 0, MAX_ADDRESS);
  const wordOrder = oneOf<WordOrder>(input.wordOrder, 'Word order', ['highLow', 'lowHigh'], 'highLow');
  let scale = 1;
  if (input.scale !== undefined && input.scale !== null && input.scale !== '') {
    if (typeof input.scale !== 'number' || !Number.isFinite(input.scale) || input.scale === 0)
      throw new InvalidInputError(
        `Scale must be a finite number other than 0; got ${JSON.stringify(input.scale)}.`,
      );
    scale = input.scale;
  }
  if (scale !== 1 && (type === 'bool' || type === 'string'))
    throw new InvalidInputError(
      `Scale applies to numbers only; a ${type} value needs scale 1 (got ${scale}).`,
    );
  const maxCount = type === 'string' ? MAX_STRING_CHARS : (MAX_ADDRESS + 1) / registersPerValue(type);
  const what = type === 'string' ? 'Count (characters of the string)' : 'Count';
  const count = integerIn(input.count, what, 1, maxCount, 1);
  const spec: ValueSpec = { table, register, type, count, wordOrder, scale };
  const end = register + spanOf(spec);
  if (end > MAX_ADDRESS + 1)
    throw new OutOfRangeError(
      `Register ${register} + ${spanOf(spec)} ${bits ? 'bits' : 'registers'} runs past the last address 65535; lower the register or the count.`,
    );
  return spec;
}

/** Refuses what a unit address cannot do: broadcast (0) reads, addresses above 247. */
export function validateUnitAddress(address: unknown, operation: 'read' | 'write'): number {
  const unit = integerIn(address, 'Modbus address', 0, 247);
  if (unit === 0 && operation === 'read')
    throw new InvalidInputError(
      'Address 0 is broadcast: nothing answers it, so it can only be written. Read from 1…247.',
    );
  return unit;
}

export interface ReadRequest {
  fc: number;
  start: number;
  quantity: number;
}

/**
 * The reads that fetch `spec`, in address order, each within the protocol's limit and none
 * splitting a multi-register value. Concatenating their replies gives `decodeValues` its input.
 */
export function planReads(spec: ValueSpec): ReadRequest[] {
  const fc = {
    holding: FC.readHoldingRegisters,
    input: FC.readInputRegisters,
    coil: FC.readCoils,
    discrete: FC.readDiscreteInputs,
  }[spec.table];
  const limit = isBitTable(spec.table) ? LIMITS.readBits : LIMITS.readRegisters;
  const unit = spec.type === 'string' ? spanOf(spec) : registersPerValue(spec.type);
  return split(spec.register, spanOf(spec), limit - (limit % unit)).map(([start, quantity]) => ({
    fc,
    start,
    quantity,
  }));
}

function split(start: number, total: number, perRequest: number): [number, number][] {
  const out: [number, number][] = [];
  for (let done = 0; done < total; done += perRequest)
    out.push([start + done, Math.min(perRequest, total - done)]);
  return out;
}

function wordsOf(bytes: Buffer, order: WordOrder): number[] {
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) words.push(bytes.readUInt16BE(i));
  return order === 'lowHigh' ? words.reverse() : words;
}

function bytesOf(words: readonly number[], order: WordOrder): Buffer {
  const ordered = order === 'lowHigh' ? [...words].reverse() : words;
  const out = Buffer.alloc(ordered.length * 2);
  ordered.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

function decodeOne(type: NumericType, words: readonly number[], order: WordOrder): number {
  return NUMERIC[type].read(bytesOf(words, order), 0);
}

/**
 * Values from the words (register tables) or bits (coil / discrete) read for `spec`. Throws
 * E_INVALID_INPUT if the amount does not match the spec (a reply shorter than asked).
 */
export function decodeValues(spec: ValueSpec, raw: readonly number[] | readonly boolean[]): ModbusValue[] {
  const span = spanOf(spec);
  if (raw.length < span)
    throw new InvalidInputError(
      `Expected ${span} ${isBitTable(spec.table) ? 'bits' : 'registers'}, got ${raw.length}.`,
    );
  if (isBitTable(spec.table)) return (raw as readonly boolean[]).slice(0, span).map((b) => b === true);
  const words = (raw as readonly number[]).slice(0, span);
  if (spec.type === 'string') {
    const bytes = Buffer.alloc(words.length * 2);
    words.forEach((w, i) => bytes.writeUInt16BE(w, i * 2));
    const text = bytes.subarray(0, spec.count).toString('latin1');
    const nul = text.indexOf('\u0000');
    return [nul < 0 ? text : text.slice(0, nul)];
  }
  if (spec.type === 'bool') return words.map((w) => w !== 0);
  const per = registersPerValue(spec.type);
  const out: number[] = [];
  for (let i = 0; i < words.length; i += per) {
    const raw1 = decodeOne(spec.type, words.slice(i, i + per), spec.wordOrder);
    out.push(spec.scale === 1 ? raw1 : raw1 * spec.scale);
  }
  return out;
}

const FLOAT32_MAX = 3.4028234663852886e38;

function describeRange(spec: ValueSpec, [min, max]: readonly [number, number]): string {
  if (spec.scale === 1) return `${min}…${max}`;
  const a = min * spec.scale;
  const b = max * spec.scale;
  return `${Math.min(a, b)}…${Math.max(a, b)} (raw ${min}…${max} × scale ${spec.scale})`;
}

function encodeNumber(spec: ValueSpec, type: NumericType, value: unknown, index: number): number[] {
  const at = spec.count > 1 ? ` (value ${index + 1})` : '';
  if (typeof value !== 'number')
    throw new InvalidInputError(`A ${spec.type} value must be a number${at}; got ${JSON.stringify(value)}.`);
  if (!Number.isFinite(value))
    throw new InvalidInputError(`${value} cannot be written to a Modbus device${at}: use a finite number.`);
  const codec = NUMERIC[type];
  const range = codec.range;
  const buf = Buffer.alloc(codec.bytes);
  if (range) {
    if (spec.scale === 1 && !Number.isInteger(value))
      throw new InvalidInputError(
        `${value} is not a whole number, but the type is ${spec.type}${at}. Use a float type or a scale.`,
      );
    const raw = Math.round(value / spec.scale);
    if (raw < range[0] || raw > range[1])
      throw new OutOfRangeError(
        `${value} is out of range for ${spec.type}${at}: allowed ${describeRange(spec, range)}.`,
      );
    codec.write(buf, raw, 0);
  } else {
    const raw = value / spec.scale;
    if (type === 'float32' && Math.abs(raw) > FLOAT32_MAX)
      throw new OutOfRangeError(`${value} is too large for float32${at} (largest ±3.4e38 after scaling).`);
    if (!Number.isFinite(raw))
      throw new OutOfRangeError(`${value} ÷ scale ${spec.scale} overflows float64${at}.`);
    codec.write(buf, raw, 0);
  }
  return wordsOf(buf, spec.wordOrder);
}

function encodeBool(value: unknown, at: string): boolean {
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  throw new InvalidInputError(`A bool value must be true, false, 1 or 0${at}; got ${JSON.stringify(value)}.`);
}

function encodeString(spec: ValueSpec, value: unknown): number[] {
  if (typeof value !== 'string')
    throw new InvalidInputError(`A string value must be text; got ${JSON.stringify(value)}.`);
  if (/[^\u0020-\u007e]/.test(value))
    throw new InvalidInputError(
      `Only printable ASCII characters can be written as a Modbus string; got ${JSON.stringify(value)}.`,
    );
  if (value.length > spec.count)
    throw new OutOfRangeError(
      `"${value}" has ${value.length} characters; the string holds ${spec.count} (its count).`,
    );
  const bytes = Buffer.alloc(registersPerValue('string', spec.count) * 2);
  bytes.write(value, 'latin1');
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) words.push(bytes.readUInt16BE(i));
  return words;
}

/** The payload as a list of `spec.count` values (a scalar stands for a list of one). */
function valuesOf(spec: ValueSpec, payload: unknown): unknown[] {
  if (spec.type === 'string') {
    if (Array.isArray(payload)) {
      if (payload.length !== 1)
        throw new InvalidInputError(`A string write takes one text; got an array of ${payload.length}.`);
      return payload;
    }
    return [payload];
  }
  const list = Array.isArray(payload) ? payload : [payload];
  if (list.length !== spec.count)
    throw new InvalidInputError(
      `The node writes ${spec.count} value${spec.count === 1 ? '' : 's'}, but the payload has ${list.length}. Send ${spec.count === 1 ? 'one value' : `an array of ${spec.count}`} or change the count.`,
    );
  return list;
}

export interface WriteRequest {
  fc: number;
  start: number;
  /** Register words (FC 06 / 16) or coil states (FC 05 / 15). */
  values: number[] | boolean[];
}

/**
 * Validates the payload against `spec` and returns the writes that store it, in address order,
 * within the protocol's limits and never splitting a multi-register value. One register or coil
 * uses the single-write function (06 / 05), more the multiple-write one (16 / 15).
 */
export function planWrites(spec: ValueSpec, payload: unknown): WriteRequest[] {
  if (spec.table === 'input' || spec.table === 'discrete')
    throw new ReadOnlyError(
      `The ${spec.table} table is read-only in Modbus; write to holding registers or coils.`,
    );
  const values = valuesOf(spec, payload);
  if (spec.table === 'coil') {
    const bits = values.map((v, i) => encodeBool(v, spec.count > 1 ? ` (value ${i + 1})` : ''));
    return split(spec.register, bits.length, LIMITS.writeCoils).map(([start, quantity]) => {
      const chunk = bits.slice(start - spec.register, start - spec.register + quantity);
      return {
        fc: chunk.length === 1 ? FC.writeSingleCoil : FC.writeMultipleCoils,
        start,
        values: chunk,
      };
    });
  }
  let words: number[];
  if (spec.type === 'string') words = encodeString(spec, values[0]);
  else if (spec.type === 'bool')
    words = values.map((v, i) => (encodeBool(v, spec.count > 1 ? ` (value ${i + 1})` : '') ? 1 : 0));
  else {
    const type = spec.type;
    words = values.flatMap((v, i) => encodeNumber(spec, type, v, i));
  }
  const unit = spec.type === 'string' ? words.length : registersPerValue(spec.type);
  if (unit > LIMITS.writeRegisters)
    throw new OutOfRangeError(
      `A string of ${spec.count} characters needs ${unit} registers; one write carries at most ${LIMITS.writeRegisters} (${LIMITS.writeRegisters * 2} characters).`,
    );
  const per = LIMITS.writeRegisters - (LIMITS.writeRegisters % unit);
  return split(spec.register, words.length, per).map(([start, quantity]) => {
    const chunk = words.slice(start - spec.register, start - spec.register + quantity);
    return {
      fc: chunk.length === 1 ? FC.writeSingleRegister : FC.writeMultipleRegisters,
      start,
      values: chunk,
    };
  });
}
