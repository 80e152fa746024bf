/** The VISA layer: the SCPI session, shared-session acquisition, opening and discovery through an opener table. */
export * from './types';
export * from './scpi-format';
export * from './session';
export * from './open';
export * from './acquire';
export * from './discovery';
export { LineFramer, stripTerminator } from '../transport/line-framer';
export { DEFAULT_ASRL_SETTINGS } from '../transport/openers';
export { UsbtmcTransport } from '../transport/usbtmc';
export type { UsbBackend, UsbDeviceLike } from '../transport/usbtmc-types';
export { PORTMAPPER_PORT_ENV, vxi11PortmapperPortFromEnv } from '../transport/vxi11';
