/**
 * Serial (ASRL) SCPI instruments: the core's shared serial stream with LF line framing on top.
 * The 2281S has no RS-232 port (spec §6); this serves other SCPI instruments.
 */
import { openSerialStream } from '../transport/serial';
import type { SerialSettings } from '../transport/types';
import { LineTransport } from '../transport/line-transport';
import type { MessageTransport } from './types';

/** SCPI-over-RS-232 default: 9600 8N1 (what most bench instruments ship with). */
export const DEFAULT_ASRL_SETTINGS: SerialSettings = {
  baudRate: 9600,
  dataBits: 8,
  parity: 'none',
  stopBits: 1,
};

export async function openAsrlTransport(
  path: string,
  settings: SerialSettings,
  label: string,
): Promise<MessageTransport> {
  const stream = await openSerialStream(path, settings);
  const transport = new LineTransport(label, {
    write: (bytes) => stream.write(bytes),
    close: () => stream.close().catch(() => undefined),
    flushInput: () => stream.flushInput(),
  });
  const offData = stream.onData((chunk) => transport.deliver(chunk));
  const offClose = stream.onClose((err) => {
    offData();
    offClose();
    transport.died(err);
  });
  return transport;
}
