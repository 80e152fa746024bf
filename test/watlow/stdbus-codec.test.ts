import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc16Data, crc16Modbus, crc8Header } from '../../src/watlow/crc';
import {
  decodeFrame,
  encodeFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  macOfAddress,
} from '../../src/watlow/stdbus/frame';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  selectorOf,
} from '../../src/watlow/stdbus/payload';
import type { TypedValue } from '../../src/watlow/types';
import {
  HEADER_CRC_TABLE,
  POLL_FOR_MASTER,
  PYWATLOW_PREFIX,
  PYWATLOW_READS,
  STDBUS_COMPUTED_READS,
  STDBUS_COMPUTED_WRITES,
  STDBUS_ERRORS,
  STDBUS_EXCHANGES,
  STDBUS_UNRECOGNISED,
  STDBUS_WRITE_V3,
  bytes,
} from './vectors';

const ascii = Buffer.from('123456789', 'ascii');

test('CRC check values of the three algorithms', () => {
  assert.equal(crc8Header(ascii), 0x89);
  assert.equal(crc16Data(ascii), 0x906e);
  assert.equal(crc16Modbus(ascii), 0x4b37);
});

test('CRC receiver residues: header 0x55, data 0xF0B8', () => {
  const frame = bytes(STDBUS_EXCHANGES[0].response);
  // Un-complemented CRC over header + its CRC byte; complemented result is ~residue.
  assert.equal(~crc8Header(frame.subarray(2, 8)) & 0xff, 0x55);
  assert.equal(~crc16Data(frame.subarray(8)) & 0xffff, 0xf0b8);
});

test('the precomputed header CRC table for every address and length', () => {
  for (const [address, row] of HEADER_CRC_TABLE) {
    const expected = row.split(' ').map((h) => parseInt(h, 16));
    const mac = macOfAddress(address);
    const req = (len: number): number => crc8Header([0x05, mac, 0x00, 0x00, len]);
    const rsp = (len: number): number => crc8Header([0x06, 0x00, mac, 0x00, len]);
    assert.deepEqual(
      [req(6), req(9), req(10), rsp(2), rsp(9), rsp(10), rsp(11)],
      expected,
      `address ${address}`,
    );
  }
});

test('addresses map to MAC 0x0F + address, including 11..16', () => {
  assert.equal(macOfAddress(1), 0x10);
  assert.equal(macOfAddress(10), 0x19);
  assert.equal(macOfAddress(11), 0x1a);
  assert.equal(macOfAddress(16), 0x1f);
  assert.throws(() => macOfAddress(0), { code: 'E_OUT_OF_RANGE' });
  assert.throws(() => macOfAddress(17), { code: 'E_OUT_OF_RANGE' });
});

test('parameter IDs split into binary class and member bytes', () => {
  assert.deepEqual(selectorOf(4001, 1), { cls: 4, member: 1, instance: 1 });
  assert.deepEqual(selectorOf(16006, 1), { cls: 0x10, member: 6, instance: 1 });
  assert.deepEqual(selectorOf(26029, 1), { cls: 0x1a, member: 0x1d, instance: 1 });
  assert.deepEqual(selectorOf(34005, 1), { cls: 0x22, member: 5, instance: 1 });
  assert.deepEqual(selectorOf(4042, 3), { cls: 4, member: 0x2a, instance: 3 });
  assert.throws(() => selectorOf(4300, 1), { code: 'E_OUT_OF_RANGE' });
  assert.throws(() => selectorOf(4001, 0), { code: 'E_OUT_OF_RANGE' });
});

function assertValue(actual: TypedValue, expected: { type: string; value: number | string }): void {
  assert.equal(actual.type, expected.type);
  if (typeof expected.value === 'number' && expected.type === 'float') {
    assert.ok(
      Math.abs((actual.value as number) - expected.value) < 1e-3,
      `${actual.value} ≈ ${expected.value}`,
    );
  } else {
    assert.equal(actual.value, expected.value);
  }
}

for (const vector of STDBUS_EXCHANGES) {
  test(`${vector.name}: request encodes byte for byte and decodes back`, () => {
    const selector = selectorOf(vector.id, 1);
    const encoded = encodeRequestFrame(1, encodeRequest({ service: 'read', selector }));
    assert.equal(encoded.toString('hex'), bytes(vector.request).toString('hex'));
    const frame = decodeFrame(bytes(vector.request));
    assert.equal(frame.frameType, 0x05);
    assert.equal(frame.destination, 0x10);
    assert.equal(frame.source, 0x00);
    assert.deepEqual(decodeRequest(frame.payload), { service: 'read', selector });
  });

  test(`${vector.name}: response decodes to the value and re-encodes byte for byte`, () => {
    const frame = decodeFrame(bytes(vector.response));
    assert.equal(frame.frameType, 0x06);
    assert.equal(frame.source, 0x10);
    const response = decodeResponse(frame.payload);
    assert.equal(response.kind, 'read');
    if (response.kind !== 'read') return;
    assert.deepEqual(response.selector, selectorOf(vector.id, 1));
    assertValue(response.value, vector.value);
    const reencoded = encodeResponseFrame(1, encodeResponse(response));
    assert.equal(reencoded.toString('hex'), bytes(vector.response).toString('hex'));
  });
}

test('V2 float decodes to 2531.80 (the pywatlow table typo says 2529.6)', () => {
  const response = decodeResponse(decodeFrame(bytes(STDBUS_EXCHANGES[0].response)).payload);
  assert.equal(response.kind, 'read');
  if (response.kind === 'read') assert.ok(Math.abs((response.value.value as number) - 2531.8018) < 1e-3);
});

test('V3 write 7001 = 392.0: request and echo reply, encode and decode', () => {
  const selector = selectorOf(7001, 1);
  const value: TypedValue = { type: 'float', value: 392 };
  const request = encodeRequestFrame(1, encodeRequest({ service: 'write', selector, value }));
  assert.equal(request.toString('hex'), bytes(STDBUS_WRITE_V3.request).toString('hex'));
  assert.deepEqual(decodeRequest(decodeFrame(request).payload), { service: 'write', selector, value });
  const reply = decodeResponse(decodeFrame(bytes(STDBUS_WRITE_V3.response)).payload);
  assert.deepEqual(reply, { kind: 'write', selector, value });
  assert.equal(
    encodeResponseFrame(1, encodeResponse(reply)).toString('hex'),
    bytes(STDBUS_WRITE_V3.response).toString('hex'),
  );
});

for (const vector of STDBUS_ERRORS) {
  test(`V9 error 0x${vector.code.toString(16)} from address ${vector.address}: decode and encode`, () => {
    const frame = decodeFrame(bytes(vector.frame));
    assert.equal(frame.source, macOfAddress(vector.address));
    assert.deepEqual(decodeResponse(frame.payload), { kind: 'error', code: vector.code });
    const encoded = encodeResponseFrame(vector.address, encodeResponse({ kind: 'error', code: vector.code }));
    assert.equal(encoded.toString('hex'), bytes(vector.frame).toString('hex'));
  });
}

for (const vector of STDBUS_UNRECOGNISED) {
  test(`V9 unknown service reply ${vector.payload} is reported as unrecognised`, () => {
    const response = decodeResponse(decodeFrame(bytes(vector.frame)).payload);
    assert.equal(response.kind, 'unrecognised');
    if (response.kind === 'unrecognised') {
      assert.equal(response.service, 0x05);
      assert.equal(Buffer.from(response.bytes).toString('hex'), bytes(vector.payload).toString('hex'));
    }
    assert.equal(
      encodeResponseFrame(1, encodeResponse(response)).toString('hex'),
      bytes(vector.frame).toString('hex'),
    );
  });
}

for (const vector of STDBUS_COMPUTED_READS) {
  test(`V10 read ${vector.id} instance ${vector.instance}: encode and decode`, () => {
    const selector = selectorOf(vector.id, vector.instance);
    const encoded = encodeRequestFrame(vector.address, encodeRequest({ service: 'read', selector }));
    assert.equal(encoded.toString('hex'), bytes(vector.frame).toString('hex'));
    assert.deepEqual(decodeRequest(decodeFrame(bytes(vector.frame)).payload), { service: 'read', selector });
  });
}

for (const vector of STDBUS_COMPUTED_WRITES) {
  test(`V10 write ${vector.id} at address ${vector.address}: encode and decode`, () => {
    const selector = selectorOf(vector.id, 1);
    const value = vector.value as TypedValue;
    const encoded = encodeRequestFrame(vector.address, encodeRequest({ service: 'write', selector, value }));
    assert.equal(encoded.toString('hex'), bytes(vector.frame).toString('hex'));
    const frame = decodeFrame(bytes(vector.frame));
    assert.equal(frame.destination, macOfAddress(vector.address));
    assert.deepEqual(decodeRequest(frame.payload), { service: 'write', selector, value });
  });
}

test('Poll-For-Master: empty frame encodes without data CRC and decodes', () => {
  const frame = { frameType: 0x01, destination: 0x10, source: 0x00, payload: new Uint8Array(0) };
  assert.equal(encodeFrame(frame).toString('hex'), bytes(POLL_FOR_MASTER).toString('hex'));
  const decoded = decodeFrame(bytes(POLL_FOR_MASTER));
  assert.equal(decoded.frameType, 0x01);
  assert.equal(decoded.payload.length, 0);
});

for (const [id, tail] of PYWATLOW_READS) {
  test(`pywatlow read request ${id}: encode and decode`, () => {
    const expected = bytes(`${PYWATLOW_PREFIX} ${tail}`);
    const selector = selectorOf(id, 1);
    assert.equal(
      encodeRequestFrame(1, encodeRequest({ service: 'read', selector })).toString('hex'),
      expected.toString('hex'),
    );
    assert.deepEqual(decodeRequest(decodeFrame(expected).payload), { service: 'read', selector });
  });
}

test('every type tag round-trips through write requests and read/write replies', () => {
  const values: TypedValue[] = [
    { type: 'u8', value: 2 },
    { type: 'u16', value: 5 },
    { type: 'u32', value: 0xfb9d48f7 },
    { type: 's32', value: -28 },
    { type: 'float', value: 392 },
    { type: 'string', value: 'EZ-ZONE PM' },
    { type: 'enum', value: 1331 },
  ];
  const selector = selectorOf(3002, 1);
  for (const value of values) {
    const request = decodeRequest(encodeRequest({ service: 'write', selector, value }));
    assert.deepEqual(request, { service: 'write', selector, value }, value.type);
    for (const kind of ['read', 'write'] as const) {
      const frame = encodeResponseFrame(1, encodeResponse({ kind, selector, value }));
      assert.deepEqual(
        decodeResponse(decodeFrame(frame).payload),
        { kind, selector, value },
        `${kind} ${value.type}`,
      );
    }
  }
  // Captured u8 and u16 replies: 3002 = `01 02`, 3010 = `03 00 05`.
  assert.deepEqual(decodeResponse(bytes('02 03 01 03 02 01 01 02')), {
    kind: 'read',
    selector,
    value: { type: 'u8', value: 2 },
  });
  assert.deepEqual(decodeResponse(bytes('02 03 01 10 06 01 05 FB 9D 48 F7')), {
    kind: 'read',
    selector: selectorOf(16006, 1),
    value: { type: 'u32', value: 0xfb9d48f7 },
  });
});

test('decode rejects corrupt frames and malformed payloads', () => {
  const good = bytes(STDBUS_EXCHANGES[1].response);
  const badHeader = Buffer.from(good);
  badHeader[7] ^= 0xff;
  assert.throws(() => decodeFrame(badHeader), /header CRC/);
  const badData = Buffer.from(good);
  badData[badData.length - 1] ^= 0x01;
  assert.throws(() => decodeFrame(badData), /data CRC/);
  assert.throws(() => decodeFrame(good.subarray(0, good.length - 1)), /length/);
  assert.throws(() => decodeResponse(bytes('02 03 01 07 01 01 42 00')), /unknown type tag/);
  assert.throws(() => decodeResponse(bytes('02 03 01 07 01 01 08 43 C4')), /truncated/);
  assert.throws(() => decodeResponse(bytes('02 03 01 07 01 01 08 43 C4 00 00 99')), /trailing/);
});
