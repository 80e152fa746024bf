/**
 * Modbus independent of any device: the link seam, PDU codecs, RTU framing and the RTU link over a
 * shared byte stream, MBAP framing and its link, typed values, the generic client.
 */
export * from './link';
export * from './pdu';
export * from './rtu';
export { RtuResponseReader } from './rtu-reader';
export type { RtuReaderStats } from './rtu-reader';
export { RtuLink, rtuInterFrameGapMs } from './rtu-link';
export type { RtuLinkOptions } from './rtu-link';
export { ModbusClient } from './client';
export type { ModbusCallOptions } from './client';
export * from './mbap';
export * from './mbap-link';
export * from './values';
