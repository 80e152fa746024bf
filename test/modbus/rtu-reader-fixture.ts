/** A Modbus RTU response reader for a request to unit 1, as the line builds one, for reader tests. */
import { pduOfRtuFrame, encodeRtuRequest } from '../../src/modbus/rtu';
import type { ModbusRequest } from '../../src/modbus/pdu';
import { RtuResponseReader } from '../../src/modbus/rtu-reader';
import type { EchoKnowledge } from '../../src/transport/exchange';

/** The reader for `request` to unit 1, and the request frame it was built from. */
export function readerFor(
  request: ModbusRequest,
  options: { echo?: EchoKnowledge } = {},
): { reader: RtuResponseReader; frame: Buffer } {
  const frame = encodeRtuRequest(1, request);
  return { reader: new RtuResponseReader(1, pduOfRtuFrame(frame), frame, options), frame };
}

/** The PDU of an RTU frame (what the reader yields for it), as a plain Uint8Array. */
export const pduOf = (frame: Uint8Array): Uint8Array => Uint8Array.from(pduOfRtuFrame(frame));
