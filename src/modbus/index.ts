/** Modbus: PDU codecs, RTU framing, the RTU link over a shared byte stream, the generic client. */
export * from './link';
export * from './pdu';
export * from './rtu';
export { RtuResponseReader } from './rtu-reader';
export type { RtuReaderStats } from './rtu-reader';
export { RtuLink, rtuInterFrameGapMs } from './rtu-link';
export type { RtuLinkOptions } from './rtu-link';
export { ModbusClient } from './client';
export type { ModbusCallOptions } from './client';
