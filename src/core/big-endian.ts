/**
 * Fixed-width numbers as protocols put them on the wire, most significant byte first: how many
 * bytes, the integer range a value must lie in (floats have none), and the reader and writer.
 * One table for every codec (Std Bus values, Modbus registers) instead of a switch in each.
 */
export interface BigEndianNumber {
  readonly bytes: number;
  /** Inclusive bounds of an integer type; undefined for floating point. */
  readonly range?: readonly [number, number];
  read(buf: Buffer, at: number): number;
  /** Writes a value already checked against `range` (signed and unsigned writers agree on its bits). */
  write(buf: Buffer, value: number, at: number): void;
}

/** An integer of `bytes` bytes, two's complement when `signed`. */
function integer(bytes: number, signed: boolean): BigEndianNumber {
  const bits = 8 * bytes;
  return signed
    ? {
        bytes,
        range: [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1],
        read: (b, at) => b.readIntBE(at, bytes),
        write: (b, v, at) => void b.writeIntBE(v, at, bytes),
      }
    : {
        bytes,
        range: [0, 2 ** bits - 1],
        read: (b, at) => b.readUIntBE(at, bytes),
        write: (b, v, at) => void b.writeUIntBE(v, at, bytes),
      };
}

export const BIG_ENDIAN = {
  u8: integer(1, false),
  u16: integer(2, false),
  i16: integer(2, true),
  u32: integer(4, false),
  i32: integer(4, true),
  f32: { bytes: 4, read: (b, at) => b.readFloatBE(at), write: (b, v, at) => void b.writeFloatBE(v, at) },
  f64: { bytes: 8, read: (b, at) => b.readDoubleBE(at), write: (b, v, at) => void b.writeDoubleBE(v, at) },
} as const satisfies Record<string, BigEndianNumber>;
