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

export const BIG_ENDIAN = {
  u8: {
    bytes: 1,
    range: [0, 0xff],
    read: (b, at) => b.readUInt8(at),
    write: (b, v, at) => void b.writeUInt8(v, at),
  },
  u16: {
    bytes: 2,
    range: [0, 0xffff],
    read: (b, at) => b.readUInt16BE(at),
    write: (b, v, at) => void b.writeUInt16BE(v, at),
  },
  i16: {
    bytes: 2,
    range: [-0x8000, 0x7fff],
    read: (b, at) => b.readInt16BE(at),
    write: (b, v, at) => void b.writeInt16BE(v, at),
  },
  u32: {
    bytes: 4,
    range: [0, 0xffffffff],
    read: (b, at) => b.readUInt32BE(at),
    write: (b, v, at) => void b.writeUInt32BE(v, at),
  },
  i32: {
    bytes: 4,
    range: [-0x80000000, 0x7fffffff],
    read: (b, at) => b.readInt32BE(at),
    write: (b, v, at) => void b.writeInt32BE(v, at),
  },
  f32: { bytes: 4, read: (b, at) => b.readFloatBE(at), write: (b, v, at) => void b.writeFloatBE(v, at) },
  f64: { bytes: 8, read: (b, at) => b.readDoubleBE(at), write: (b, v, at) => void b.writeDoubleBE(v, at) },
} as const satisfies Record<string, BigEndianNumber>;
