/**
 * Opening a labbench-serial-port's bus from the node adapter: the one place that turns a port path
 * into a byte stream (`tcp://` device servers and `modbus-tcp://` gateways over TCP, local and
 * `sim:` ports through the serial transport), its label for messages, and its claim settings.
 */
import { formatNetworkBusAddress, parseNetworkBusPath } from '../../src/core/identity';
import { openSerialStream } from '../../src/transport/serial';
import { openModbusTcpGateway, openTcpSerialPort } from '../../src/transport/tcp-stream';
import type { ByteStream, SerialSettings } from '../../src/transport/types';

/** The human spelling of a port path in messages (no query; canonical for network paths). */
export function busLabel(path: string): string {
  try {
    const network = parseNetworkBusPath(path);
    if (network) return formatNetworkBusAddress(network);
  } catch {
    // a malformed path fails when its key is made, with its own message
  }
  return path.replace(/\?.*$/, '');
}

/** Opens the bus at `path` with `settings` (ignored for network paths: the device server's business). */
export function openBusStream(path: string, settings: SerialSettings): Promise<ByteStream> {
  const network = parseNetworkBusPath(path);
  if (network?.scheme === 'modbus-tcp') return openModbusTcpGateway(path);
  if (network?.scheme === 'tcp') return openTcpSerialPort(path);
  return openSerialStream(path, settings);
}
