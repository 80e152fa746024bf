/**
 * Defects 4 and 5 in the Watlow receivers.
 *
 * 5: a corrupt fragment whose header promises more bytes than follow must not hide a complete
 *    valid reply that already sits later in the buffer (Std Bus and Modbus RTU alike).
 * 4: on a bus whose adapter echoes requests, a Modbus 06 write waits past the echo of its own
 *    request for the controller's real answer — a second copy, or an exception — so a refused
 *    write is E_DEVICE_ERROR, not a success or E_VERIFY — also on a freshly opened port, before
 *    any exchange has shown whether the adapter echoes. Tested on the reader and end to end on
 *    the simulator with its echo fault.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeFrame,
  encodeResponseFrame,
  HOST_MAC,
  macOfAddress,
  FRAME_TYPE_RESPONSE,
} from '../../src/watlow/stdbus/frame';
import { crc8Header } from '../../src/watlow/crc';
import { StdBusReplyReader } from '../../src/watlow/stdbus/reader';
import { encodeResponse, selectorOf } from '../../src/watlow/stdbus/payload';
import type { RtuResponseReader } from '../../src/modbus/rtu-reader';
import { pduOf, readerFor } from '../modbus/rtu-reader-fixture';
import { EXCEPTION } from '../../src/modbus/pdu';
import type { ModbusRequest } from '../../src/modbus/pdu';
import type { EchoKnowledge } from '../../src/transport/exchange';
import { encodeRtuRequest, encodeRtuResponse } from '../../src/modbus/rtu';
import { codeOf, withBench } from '../watlow/helpers';

/** The live Modbus RTU response reader for `request` to unit 1 (it yields the response PDU). */
const rtuReader = (request: ModbusRequest, options: { echo?: EchoKnowledge } = {}): RtuResponseReader =>
  readerFor(request, options).reader;

const readSetPoint = { service: 'read' as const, selector: selectorOf(7001, 1) };

/** A header from controller 1 with a valid header CRC that promises `length` payload bytes. */
function liarHeader(length: number): Buffer {
  const h = Buffer.from([
    0x55,
    0xff,
    FRAME_TYPE_RESPONSE,
    HOST_MAC,
    macOfAddress(1),
    length >> 8,
    length & 0xff,
    0,
  ]);
  h[7] = crc8Header(h.subarray(2, 7));
  return h;
}

test('defect 5, Std Bus: a corrupt partial frame followed by a complete reply in one chunk yields the reply at once', () => {
  const reply = encodeResponseFrame(
    1,
    encodeResponse({ kind: 'read', selector: readSetPoint.selector, value: { type: 'float', value: 392 } }),
  );
  for (const fragment of [liarHeader(200), Buffer.concat([liarHeader(60), Buffer.from([1, 2, 3])])]) {
    const reader = new StdBusReplyReader(1, readSetPoint);
    const got = reader.push(Buffer.concat([fragment, reply]));
    assert.ok(got, 'the complete reply is found without waiting for the promised bytes');
    assert.equal(got.kind, 'read');
    assert.equal(reader.stats.corrupt, 1);
    assert.match(reader.lastDefect ?? '', /incomplete frame/);
  }
  // A frame that is merely incomplete (nothing valid after it) is still waited for.
  const reader = new StdBusReplyReader(1, readSetPoint);
  assert.equal(reader.push(reply.subarray(0, reply.length - 3)), undefined);
  assert.ok(reader.push(reply.subarray(reply.length - 3)));
  // Other frames (not only ours) are also found after a fragment: the scanner reports them all.
  const other = encodeFrame({
    frameType: FRAME_TYPE_RESPONSE,
    destination: HOST_MAC,
    source: macOfAddress(2),
    payload: Buffer.from([1]),
  });
  const r2 = new StdBusReplyReader(1, readSetPoint);
  assert.ok(r2.push(Buffer.concat([liarHeader(100), other, reply])));
  assert.equal(r2.stats.foreign, 1);
});

test('defect 5, Modbus RTU: a fragment that promises more bytes than follow does not hide the complete reply after it', () => {
  // A read of 2 registers: "01 03 04" promises a 9-byte reply; an exception (5 bytes) follows it.
  const read = { fc: 0x03, address: 360, quantity: 2 } as const;
  const exception = encodeRtuResponse(1, read, {
    kind: 'exception',
    fc: 0x03,
    code: EXCEPTION.illegalDataAddress,
  });
  const reader = rtuReader(read);
  assert.deepEqual(
    reader.push(Buffer.concat([Buffer.from([0x01, 0x03, 0x04]), exception])),
    pduOf(exception),
  );
  assert.equal(reader.stats.corrupt, 1);
  // A write of one register: "01 06" promises 8 bytes; the complete 8-byte reply follows it.
  const write = { fc: 0x06, address: 1880, value: 10 } as const;
  const writeReply = encodeRtuResponse(1, write, { kind: 'written', address: 1880, quantity: 1 });
  const w = rtuReader(write, { echo: 'absent' });
  assert.deepEqual(
    w.push(Buffer.concat([Buffer.from([0x01, 0x06, 0x07]), writeReply.subarray(0, 4)])),
    undefined,
  );
  assert.deepEqual(w.push(writeReply.subarray(4)), pduOf(writeReply));
  // Merely incomplete: waited for.
  const reply = encodeRtuResponse(1, read, { kind: 'registers', values: [0, 0x4291] });
  const r2 = rtuReader(read);
  assert.equal(r2.push(reply.subarray(0, 5)), undefined);
  assert.ok(r2.push(reply.subarray(5)));
});

test('defect 4, reader: on an echoing bus a 06 write takes the exception after its echo, or the second copy', () => {
  const request = { fc: 0x06, address: 1880, value: 10 } as const;
  const bytes = encodeRtuRequest(1, request);
  const exception = encodeRtuResponse(1, request, {
    kind: 'exception',
    fc: 0x06,
    code: EXCEPTION.illegalDataValue,
  });

  const refused = rtuReader(request, { echo: 'seen' });
  assert.deepEqual(refused.push(Buffer.concat([bytes, exception])), pduOf(exception));
  assert.equal(refused.echoObserved, true);

  const accepted = rtuReader(request, { echo: 'seen' });
  assert.equal(accepted.push(bytes), undefined, 'the first copy is the echo: keep waiting');
  assert.deepEqual(accepted.push(bytes), pduOf(bytes));

  // Known not to echo: the first copy is the reply.
  const quiet = rtuReader(request, { echo: 'absent' });
  assert.deepEqual(quiet.push(bytes), pduOf(bytes));
  assert.equal(quiet.echoObserved, undefined, 'a single write shows nothing new about the echo');

  // Not known yet (a fresh port): the first copy is held while the reader waits for more. An
  // exception after it makes it the echo …
  const refusedOnFreshPort = rtuReader(request);
  assert.equal(refusedOnFreshPort.push(bytes), undefined, 'the first copy is held, not taken');
  assert.deepEqual(refusedOnFreshPort.tentative, pduOf(bytes));
  assert.deepEqual(refusedOnFreshPort.push(exception), pduOf(exception));
  assert.equal(refusedOnFreshPort.echoObserved, true);
  // … and so does a second copy.
  const acceptedOnFreshPort = rtuReader(request, { echo: 'unknown' });
  assert.equal(acceptedOnFreshPort.push(bytes), undefined);
  assert.deepEqual(acceptedOnFreshPort.push(bytes), pduOf(bytes));
  assert.equal(acceptedOnFreshPort.echoObserved, true);
  // Nothing after it (the line's reply timeout decides): it stands, and shows no echo.
  const lone = rtuReader(request);
  assert.equal(lone.push(bytes), undefined);
  assert.deepEqual(lone.tentative, pduOf(bytes));
  assert.equal(lone.echoObserved, false);
  // A read never holds anything: its response does not look like its request.
  assert.equal(rtuReader({ fc: 0x03, address: 1880, quantity: 1 }).tentative, undefined);
});

test('defect 4, fresh port: the very first 06 write is judged by what follows its first copy', async () => {
  const line = { replyTimeoutMs: 150, retries: 0 };
  // An echoing adapter, and nothing has shown the line that yet: the write is the first exchange.
  await withBench({ controller: { absent: ['controlMode'] } }, async (echoing) => {
    const oven = echoing.add('oven', { protocol: 'modbus', line });
    echoing.bus.echo = true;
    await assert.rejects(oven.write('controlMode', 'manual', { verify: false }), (err: Error) => {
      assert.equal(codeOf(err), 'E_DEVICE_ERROR', 'the echo was not taken for an accepted write');
      assert.equal((err as { deviceCode?: number }).deviceCode, EXCEPTION.illegalDataAddress);
      return true;
    });
    assert.equal(echoing.bus.transactionCount, 1, 'no retry');
  });
  await withBench(undefined, async (accepting) => {
    const oven = accepting.add('oven', { protocol: 'modbus', line });
    accepting.bus.echo = true;
    assert.equal((await oven.write('heatAlgorithm', 'onOff', { verify: false })).value, 'onOff');
    assert.equal(accepting.bus.transactionCount, 1);
  });
  // An adapter that does not echo: the one copy is the response once the reply timeout has passed.
  await withBench(undefined, async (quiet) => {
    const oven = quiet.add('oven', { protocol: 'modbus', line });
    assert.equal((await oven.write('heatAlgorithm', 'onOff', { verify: false })).value, 'onOff');
    assert.equal(quiet.bus.transactionCount, 1, 'taken as the reply, not retried');
    assert.equal((await oven.read('heatAlgorithm')).value, 'onOff');
  });
});

test('defect 4, end to end: a refused 06 write on an echoing adapter is E_DEVICE_ERROR, not a success', async () => {
  await withBench({ controller: { absent: ['controlMode'] } }, async (b) => {
    const oven = b.add('oven', { protocol: 'modbus', line: { replyTimeoutMs: 150, retries: 0 } });
    b.bus.echo = true;
    // Any exchange shows the line that this adapter echoes.
    assert.equal((await oven.read('heatAlgorithm')).value, 'pid');
    // controlMode travels as FC 06; this controller does not have it and answers exception 02.
    await assert.rejects(oven.write('controlMode', 'manual', { verify: false }), (err: Error) => {
      assert.equal(codeOf(err), 'E_DEVICE_ERROR');
      assert.equal((err as { deviceCode?: number }).deviceCode, EXCEPTION.illegalDataAddress);
      return true;
    });
    // The same through the one-shot echo fault of the simulator, with verification on.
    b.bus.echo = false;
    b.bus.injectFault({ kind: 'echoRequest' });
    await assert.rejects(
      oven.write('controlMode', 'manual'),
      (err: Error) => codeOf(err) === 'E_DEVICE_ERROR',
    );
    // And an accepted 06 write on the echoing bus still succeeds without retries.
    b.bus.echo = true;
    const before = b.bus.transactionCount;
    assert.equal((await oven.write('heatAlgorithm', 'onOff', { verify: false })).value, 'onOff');
    assert.equal(b.bus.transactionCount, before + 1);
  });
});
