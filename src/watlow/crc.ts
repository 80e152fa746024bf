/**
 * The three checksums of the Watlow serial protocols. Bitwise forms: these run on frames of a few
 * dozen bytes, so a table buys nothing and the loop mirrors the published algorithms line by line.
 */

/** BACnet MS/TP header CRC-8 (poly x^8 + x^7 + 1, reflected 0x81, init 0xFF, complemented). */
export function crc8Header(bytes: ArrayLike<number>): number {
  let crc = 0xff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]! & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x81 : crc >>> 1;
  }
  return ~crc & 0xff;
}

/** BACnet MS/TP data CRC-16, i.e. CRC-16/X-25 (reflected 0x8408, init 0xFFFF, complemented). Sent low byte first. */
export function crc16Data(bytes: ArrayLike<number>): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]! & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return ~crc & 0xffff;
}

/** Modbus RTU CRC-16: generic Modbus, defined with the RTU framing. */
export { crc16Modbus } from '../modbus/rtu';
