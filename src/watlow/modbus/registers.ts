/**
 * Where a catalogue parameter lives in the Modbus register space, and how its value is laid out
 * there (docs/watlow.md). 32-bit values take two registers whose order is a device setting
 * (17043): `lowHigh` (documented default: the lower-numbered register holds the low 16 bits) or
 * `highLow`. Bytes inside each register are big-endian, as in all Modbus.
 */
import { InvalidInputError, OutOfRangeError } from '../../core/errors';
import type { ParameterSpec } from '../catalogue';
import type { ModbusMap, WatlowDataType, WordOrder } from '../types';

export interface RegisterLocation {
  readonly address: number;
  readonly count: 1 | 2;
}

export function registerCountOf(type: WatlowDataType): 1 | 2 | undefined {
  switch (type) {
    case 'float':
    case 'u32':
    case 's32':
      return 2;
    case 'u8':
    case 'u16':
    case 'enum':
      return 1;
    case 'string':
      return undefined; // strings are not reachable over Modbus on a PM
  }
}

/**
 * Register of `spec` at `instance` in `map`, or undefined when the parameter has no known
 * register there: register = base + (instance − 1) × block offset.
 */
export function registerOf(
  spec: ParameterSpec,
  instance: number,
  map: ModbusMap,
): RegisterLocation | undefined {
  const base = map === 1 ? spec.modbus.map1 : spec.modbus.map2;
  const count = registerCountOf(spec.type);
  if (base === null || count === undefined) return undefined;
  const offset = map === 1 ? spec.modbus.offset1 : spec.modbus.offset2;
  return { address: base + (instance - 1) * offset, count };
}

function splitWords(high: number, low: number, order: WordOrder): [number, number] {
  return order === 'lowHigh' ? [low, high] : [high, low];
}

/** Register words for a value of `type`. Throws OutOfRangeError on values the type cannot hold. */
export function encodeRegisters(type: WatlowDataType, value: number, order: WordOrder): number[] {
  const buf = Buffer.alloc(4);
  switch (type) {
    case 'float':
      buf.writeFloatBE(value);
      return splitWords(buf.readUInt16BE(0), buf.readUInt16BE(2), order);
    case 'u32':
      buf.writeUInt32BE(value);
      return splitWords(buf.readUInt16BE(0), buf.readUInt16BE(2), order);
    case 's32':
      buf.writeInt32BE(value);
      return splitWords(buf.readUInt16BE(0), buf.readUInt16BE(2), order);
    case 'u8':
      if (!Number.isInteger(value) || value < 0 || value > 0xff)
        throw new OutOfRangeError(`u8 value out of range: ${value}`);
      return [value];
    case 'u16':
    case 'enum':
      if (!Number.isInteger(value) || value < 0 || value > 0xffff)
        throw new OutOfRangeError(`16-bit value out of range: ${value}`);
      return [value];
    case 'string':
      throw new InvalidInputError('Strings cannot be written over Modbus');
  }
}

/** Value of `type` from its register words (as many as `registerCountOf(type)`). */
export function decodeRegisters(type: WatlowDataType, words: readonly number[], order: WordOrder): number {
  if (registerCountOf(type) === 1) {
    // u8 travels in the low byte of its register.
    return type === 'u8' ? words[0]! & 0xff : words[0]!;
  }
  const [first, second] = [words[0]!, words[1]!];
  const [high, low] = order === 'lowHigh' ? [second, first] : [first, second];
  const buf = Buffer.alloc(4);
  buf.writeUInt16BE(high, 0);
  buf.writeUInt16BE(low, 2);
  if (type === 'float') return buf.readFloatBE(0);
  if (type === 's32') return buf.readInt32BE(0);
  return buf.readUInt32BE(0);
}
