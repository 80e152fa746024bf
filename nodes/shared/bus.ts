/**
 * The label of a labbench-serial-port's bus in messages (opening goes through the opener table:
 * acquireSerialBus / openStream with labbenchBackends(RED).openers).
 */
import { formatNetworkBusAddress, parseNetworkBusPath } from '../../src/core';

/** The human spelling of a port path in messages (no query; canonical for network paths). */
export function busLabel(path: string): string {
  try {
    const network = parseNetworkBusPath(path);
    if (network) return formatNetworkBusAddress(network);
  } catch {
    // a malformed path fails when its key is made, with its own message
  }
  return path.split('?')[0]!;
}
