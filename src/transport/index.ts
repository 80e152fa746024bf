/** Byte streams and message transports, and the opener table that says which address scheme opens how. */
export * from './types';
export * from './message';
export * from './sim-link';
export * from './serial';
export * from './openers';
export * from './default-openers';
export type { UsbBackend, UsbDeviceLike } from './usbtmc-types';
export * from './acquire';
export * from './tcp-stream';
export * from './claim-settings';
