/**
 * The one way to reach a shared byte-stream bus (an RS-485 line, later a Modbus TCP gateway): a
 * lease from the registry on the bus's canonical key, claiming it for one protocol and one set of
 * serial settings, opened through the opener table. The Watlow manager, the labbench-watlow node
 * and any other bus user go through here, so two spellings of one port meet in one registry entry
 * and a second protocol on a port is refused (E_PROTOCOL_CONFLICT) the same way everywhere.
 */
import { serialKey } from '../core/identity';
import type { Lease, ResourceRegistry } from '../core/registry';
import { portClaimSettings } from './claim-settings';
import { openStream } from './openers';
import type { Openers } from './openers';
import type { ByteStream, SerialSettings } from './types';

export interface SerialBusRequest {
  /** The user's spelling of the port: /dev/ttyUSB0, COM3, sim:bench?addresses=1,2 … */
  path: string;
  settings: SerialSettings;
  /** The protocol spoken on the bus (`stdbus`, `modbus`…); the first lease fixes it. */
  protocol: string;
  /** Who asks, for conflict messages, e.g. 'labbench-watlow "Oven 1"'. */
  holder: string;
}

export function acquireSerialBus(
  registry: ResourceRegistry,
  openers: Openers,
  request: SerialBusRequest,
): Lease<ByteStream> {
  const { path, settings } = request;
  return registry.acquire<ByteStream>({
    key: serialKey(path),
    // The query of a sim: path configures the simulator; it is not part of the port's name.
    label: path.split('?')[0]!,
    holder: request.holder,
    // A tcp:// device server or modbus-tcp:// gateway sets its own line settings: protocol only.
    claim: { protocol: request.protocol, settings: portClaimSettings(path, settings) },
    // The user's spelling is opened, not the key: a by-id link may point elsewhere after a replug.
    open: () => openStream(openers, path, settings),
  });
}
