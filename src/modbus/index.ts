/** Modbus independent of any device: the link seam, MBAP framing, typed values. */
export * from './link';
export * from './mbap';
export * from './mbap-link';
export * from './values';
