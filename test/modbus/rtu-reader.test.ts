/**
 * The Modbus RTU response reader on its own (the links and the hardening tests drive it through a
 * line): echo, noise, corrupt and stale frames, exceptions, and the single write whose response
 * is a copy of its request. Frames are the EZ-ZONE PM vectors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResponsePdu, encodeRequestPdu } from '../../src/modbus/pdu';
import type { ModbusRequest, ModbusResponse } from '../../src/modbus/pdu';
import { encodeRtuResponse } from '../../src/modbus/rtu';
import { pduOf, readerFor } from './rtu-reader-fixture';
import { MODBUS, bytes } from '../watlow/vectors';

/** What the reader yielded for `request`, decoded as the client would. */
const decoded = (request: ModbusRequest, pdu: Uint8Array | undefined): ModbusResponse | undefined =>
  pdu && decodeResponsePdu(encodeRequestPdu(request), pdu);

test('echo skipped, noise skipped, corrupt candidate skipped, response matched', () => {
  const request = { fc: 0x03, address: 360, quantity: 2 } as const;
  const { reader, frame } = readerFor(request);
  const corrupt = bytes(MODBUS.replyPvLowHigh);
  corrupt[4] ^= 0x01;
  const stream = Buffer.concat([frame, bytes('00 FF 01 07'), corrupt, bytes(MODBUS.replyPvLowHigh)]);
  const responses = [];
  for (const b of stream) {
    const r = reader.push(Buffer.from([b]));
    if (r) responses.push(r);
  }
  assert.equal(responses.length, 1);
  assert.deepEqual(responses[0], pduOf(bytes(MODBUS.replyPvLowHigh)));
  assert.deepEqual(decoded(request, responses[0]), { kind: 'registers', values: [0, 0x4291] });
  assert.equal(reader.stats.echoes, 1);
  assert.equal(reader.replyCorrupted, true);
});

test('an exception response matches; another unit and a wrong byte count do not', () => {
  const request = { fc: 0x03, address: 360, quantity: 2 } as const;
  const { reader } = readerFor(request);
  const otherUnit = encodeRtuResponse(2, request, { kind: 'registers', values: [1, 2] });
  const wrongCount = encodeRtuResponse(1, request, { kind: 'registers', values: [1, 2, 3] });
  assert.equal(reader.push(Buffer.concat([otherUnit, wrongCount])), undefined);
  const exception = reader.push(bytes(MODBUS.exceptionIllegalAddress));
  assert.deepEqual(exception, pduOf(bytes(MODBUS.exceptionIllegalAddress)));
  assert.deepEqual(decoded(request, exception), { kind: 'exception', fc: 3, code: 2 });
});

test('an FC 06 response equal to the request is accepted; a stale write response is not', () => {
  const request = { fc: 0x06, address: 1880, value: 10 } as const;
  // On a line known not to echo (on a fresh one the first copy is held: see test/hardening/receivers).
  const { reader } = readerFor(request, { echo: 'absent' });
  const staleRequest = { fc: 0x06, address: 1920, value: 106 } as const;
  const stale = encodeRtuResponse(1, staleRequest, { kind: 'written', address: 1920, quantity: 1 });
  assert.equal(reader.push(stale), undefined);
  assert.equal(reader.stats.stale, 1);
  const response = reader.push(bytes(MODBUS.writeControlMode));
  assert.deepEqual(response, pduOf(bytes(MODBUS.writeControlMode)));
  assert.deepEqual(decoded(request, response), { kind: 'written', address: 1880, quantity: 1 });
});
