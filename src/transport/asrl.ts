/**
 * Serial (ASRL) SCPI instruments: a byte stream with LF line framing on top. The stream comes from
 * the opener table, so an ASRL resource on a `sim:` path reaches a simulated port as any serial
 * path reaches the OS.
 */
import type { ByteStream } from './types';
import { LineTransport } from './line-transport';
import type { MessageTransport } from './message';

export function lineTransportOverStream(stream: ByteStream, label: string): MessageTransport {
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
