/**
 * The EZ-ZONE PM Modbus vectors (read PV, write set point, control mode, hardware ID, exception)
 * through the generic Modbus RTU codec, the Watlow register layout and read coalescing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequestPdu, decodeResponsePdu, encodeRequestPdu } from '../../src/modbus/pdu';
import type { ModbusRequest, ModbusResponse } from '../../src/modbus/pdu';
import { crcMatches, encodeRtuRequest, encodeRtuResponse, pduOfRtuFrame } from '../../src/modbus/rtu';
import { decodeRegisters, encodeRegisters, registerOf } from '../../src/watlow/modbus/registers';
import { coalesceReads } from '../../src/watlow/modbus/coalesce';
import { findParameter, PARAMETERS } from '../../src/watlow/catalogue';
import { MODBUS, bytes } from './vectors';

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Unit and request of a whole RTU request frame, as the controller decodes it. */
function decodeRequestFrame(frame: Uint8Array): { unit: number; request: ModbusRequest } {
  assert.ok(crcMatches(frame), `CRC of ${hexOf(frame)}`);
  return { unit: frame[0]!, request: decodeRequestPdu(pduOfRtuFrame(frame)) };
}

/** The response in a whole RTU reply frame to `request` from unit 1, as the master decodes it. */
function decodeReplyFrame(request: ModbusRequest, frame: Uint8Array): ModbusResponse {
  assert.ok(crcMatches(frame), `CRC of ${hexOf(frame)}`);
  assert.equal(frame[0], 1);
  return decodeResponsePdu(encodeRequestPdu(request), pduOfRtuFrame(frame));
}

/** `request` to unit 1 encodes to `vector`, and `vector` decodes back to it. */
function assertRequestVector(request: ModbusRequest, vector: string, what?: string): void {
  assert.equal(hexOf(encodeRtuRequest(1, request)), hexOf(bytes(vector)), what);
  assert.deepEqual(decodeRequestFrame(bytes(vector)), { unit: 1, request }, what);
}

/** Unit 1's `response` to `request` encodes to `vector`, and `vector` decodes back to it. */
function assertReplyVector(request: ModbusRequest, response: ModbusResponse, vector: string): void {
  assert.equal(hexOf(encodeRtuResponse(1, request, response)), hexOf(bytes(vector)));
  assert.deepEqual(decodeReplyFrame(request, bytes(vector)), response);
}

test('read PV (360, 2 regs): encode and decode', () => {
  assertRequestVector({ fc: 0x03, address: 360, quantity: 2 }, MODBUS.readPv);
});

test('PV reply 72.5 in both word orders: encode and decode', () => {
  const req = { fc: 0x03, address: 360, quantity: 2 } as const;
  const lowHigh = encodeRegisters('float', 72.5, 'lowHigh');
  const highLow = encodeRegisters('float', 72.5, 'highLow');
  assert.deepEqual(lowHigh, [0x0000, 0x4291]);
  assert.deepEqual(highLow, [0x4291, 0x0000]);
  assert.equal(
    hexOf(encodeRtuResponse(1, req, { kind: 'registers', values: lowHigh })),
    hexOf(bytes(MODBUS.replyPvLowHigh)),
  );
  assert.equal(
    hexOf(encodeRtuResponse(1, req, { kind: 'registers', values: highLow })),
    hexOf(bytes(MODBUS.replyPvHighLow)),
  );
  const a = decodeReplyFrame(req, bytes(MODBUS.replyPvLowHigh));
  const b = decodeReplyFrame(req, bytes(MODBUS.replyPvHighLow));
  assert.equal(a.kind, 'registers');
  assert.equal(b.kind, 'registers');
  if (a.kind === 'registers') assert.equal(decodeRegisters('float', a.values, 'lowHigh'), 72.5);
  if (b.kind === 'registers') assert.equal(decodeRegisters('float', b.values, 'highLow'), 72.5);
  // The wrong order gives an absurdly small value, not an error: the word order must be configured.
  if (a.kind === 'registers') assert.ok(Math.abs(decodeRegisters('float', a.values, 'highLow')) < 1e-30);
});

test('write set point 2160 = 75.0 with FC 10 in both orders, and its reply', () => {
  for (const [order, vector] of [
    ['lowHigh', MODBUS.writeSpLowHigh],
    ['highLow', MODBUS.writeSpHighLow],
  ] as const) {
    const req = { fc: 0x10, address: 2160, values: encodeRegisters('float', 75, order) } as const;
    assertRequestVector(req, vector, order);
    assertReplyVector(req, { kind: 'written', address: 2160, quantity: 2 }, MODBUS.writeSpReply);
  }
});

test('write control mode 1880 = 10 with FC 06: request and echo reply', () => {
  const req = { fc: 0x06, address: 1880, value: 10 } as const;
  assertRequestVector(req, MODBUS.writeControlMode);
  assertReplyVector(req, { kind: 'written', address: 1880, quantity: 1 }, MODBUS.writeControlMode);
});

test('hardware ID and loop-block reads, exception reply', () => {
  const readHardwareId = { fc: 0x03, address: 0, quantity: 2 } as const;
  assert.equal(hexOf(encodeRtuRequest(1, readHardwareId)), hexOf(bytes(MODBUS.readHardwareId)));
  assert.equal(
    hexOf(encodeRtuRequest(1, { fc: 0x03, address: 1880, quantity: 30 })),
    hexOf(bytes(MODBUS.readLoopBlock)),
  );
  assertReplyVector(
    readHardwareId,
    { kind: 'exception', fc: 0x03, code: 0x02 },
    MODBUS.exceptionIllegalAddress,
  );
  // watlowlib fixture: hardware ID 28 as words [0, 28] high-word-first.
  assert.equal(decodeRegisters('s32', [0, 28], 'highLow'), 28);
  assert.equal(decodeRegisters('s32', [28, 0], 'lowHigh'), 28);
});

test('32-bit integer and 16-bit types in both word orders', () => {
  for (const order of ['lowHigh', 'highLow'] as const) {
    assert.equal(decodeRegisters('s32', encodeRegisters('s32', -123456, order), order), -123456);
    assert.equal(decodeRegisters('u32', encodeRegisters('u32', 0xfb9d48f7, order), order), 0xfb9d48f7);
  }
  assert.deepEqual(encodeRegisters('enum', 1331, 'lowHigh'), [1331]);
  assert.equal(decodeRegisters('u8', [0x1205], 'lowHigh'), 0x05);
  assert.throws(() => encodeRegisters('enum', 70000, 'lowHigh'), { code: 'E_OUT_OF_RANGE' });
});

test('Map 1 and Map 2 registers with instance offsets', () => {
  const at = (name: string, instance: number, map: 1 | 2): number | undefined =>
    registerOf(findParameter(name)!, instance, map)?.address;
  assert.equal(at('processValue', 1, 1), 360);
  assert.equal(at('processValue', 2, 1), 440);
  assert.equal(at('processValue', 2, 2), 450);
  assert.equal(at('setPoint', 1, 1), 2160);
  assert.equal(at('setPoint', 2, 1), 2240);
  assert.equal(at('setPoint', 1, 2), 2640);
  assert.equal(at('controlMode', 1, 1), 1880);
  assert.equal(at('controlMode', 2, 1), 1950);
  assert.equal(at('controlMode', 1, 2), 2360);
  assert.equal(at('alarmHighSetPoint', 1, 2), 1880); // Map 2 reuses the number for another parameter
  assert.equal(at('alarmState', 3, 1), 1496 + 100);
  assert.equal(at('alarmState', 3, 2), 1896 + 120);
  assert.equal(at('heatPower', 1, 1), 1904);
  assert.equal(at('outputPower', 1, 1), 1908);
  assert.equal(at('digitalOutputState', 1, 1), 892);
  assert.equal(at('commsUnits', 2, 1), 2510);
  assert.equal(at('hardwareId', 1, 1), 0);
  assert.equal(at('partNumber', 1, 1), undefined, 'strings are not on Modbus');
  assert.equal(at('commsUnits', 1, 2), undefined, 'unknown Map 2 register is refused, not guessed');
  assert.equal(registerOf(findParameter('controlMode')!, 1, 1)?.count, 1);
  assert.equal(registerOf(findParameter('setPoint')!, 1, 1)?.count, 2);
});

test('coalescing: close registers share one read, far ones do not, span is capped', () => {
  const loc = (name: string): { item: string; location: { address: number; count: 1 | 2 } } => ({
    item: name,
    location: registerOf(findParameter(name)!, 1, 1)!,
  });
  const blocks = coalesceReads([
    loc('outputPower'),
    loc('controlMode'),
    loc('heatPower'),
    loc('coolPower'),
    loc('processValue'),
  ]);
  assert.equal(blocks.length, 3);
  assert.deepEqual(blocks[0], {
    address: 360,
    count: 2,
    items: [{ ...loc('processValue'), offset: 0 }],
  });
  // 1880 (1 reg) … 1908+2: gap 1881..1903 is 23 registers > 16 → split.
  const loop = coalesceReads([loc('controlMode'), loc('heatPower'), loc('coolPower'), loc('outputPower')]);
  assert.deepEqual(
    loop.map((b) => [b.address, b.count, b.items.length]),
    [
      [1880, 1, 1],
      [1904, 6, 3],
    ],
  );
  const withGap = coalesceReads([loc('controlMode'), loc('heatAlgorithm'), loc('heatProportionalBand')], {
    maxGap: 16,
    maxSpan: 64,
  });
  assert.deepEqual(
    withGap.map((b) => [b.address, b.count]),
    [[1880, 12]],
  );
  const capped = coalesceReads([loc('controlMode'), loc('heatPower')], { maxGap: 100, maxSpan: 20 });
  assert.equal(capped.length, 2);
});

test('the catalogue names every documented parameter with coherent rows', () => {
  const required = [
    'processValue',
    'setPoint',
    'activeSetPoint',
    'outputPower',
    'heatPower',
    'coolPower',
    'controlMode',
    'alarmState',
    'autotuneRequest',
    'autotuneStatus',
    'inputError',
    'filteredProcessValue',
  ];
  for (const name of required) assert.ok(findParameter(name), name);
  assert.equal(PARAMETERS.length, 69);
  const ids = new Set(PARAMETERS.map((p) => p.id));
  assert.equal(ids.size, PARAMETERS.length, 'IDs are unique');
  for (const p of PARAMETERS) {
    assert.equal(findParameter(p.id), p);
    assert.equal(findParameter(String(p.id)), p);
    assert.equal(findParameter(p.name.toUpperCase()), p);
    if (p.type === 'enum')
      assert.ok(p.enumCodes && Object.keys(p.enumCodes).length > 0, `${p.name} has codes`);
    assert.equal(p.writable, p.access !== 'R');
  }
  assert.equal(findParameter('heatAlgorithm')!.enumCodes!.pid, 71);
  assert.equal(findParameter('displayUnits')!.enumCodes!.fahrenheit, 30);
  assert.equal(findParameter(4099), undefined);
});
