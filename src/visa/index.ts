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
export * from './discovery-types';
export { resourcesFromDnssd, INSTRUMENT_SERVICE_TYPES } from './discovery-dnssd';
export type { DnsRecord, InstrumentService } from './discovery-dnssd';
export type { MdnsLike, MdnsDiscoveryOptions } from './discovery-mdns';
export type { UdpSocketLike, UdpTarget, Vxi11DiscoveryOptions } from './discovery-vxi11';
export {
  broadcastTargets,
  openBroadcastSocket,
  createSystemMdns,
  systemDiscoveryOptions,
} from './discovery-system';
export * from './scpi-template';
export * from './scpi-replies';
export * from './scpi-program';
export { decodeBinaryArray, decodeBlock, startsWithBlock, ELEMENT_SIZE, MAX_BLOCK_BYTES } from './blocks';
export type { BinaryElementType, ByteOrder } from './blocks';
export { probeBlockHeader, MAX_RESPONSE_BYTES } from '../transport/block-header';
export type { BlockHeaderProbe } from '../transport/block-header';
