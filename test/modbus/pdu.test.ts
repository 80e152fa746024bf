/** Modbus PDU codecs: requests of the eight common functions, responses checked against them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FC,
  decodeRequestPdu,
  decodeResponsePdu,
  encodeRequestPdu,
  encodeResponsePdu,
  exceptionName,
} from '../../src/modbus/pdu';
import type { ModbusRequest } from '../../src/modbus/pdu';
import { crc16Modbus, encodeRtuFrame, expectedResponseLength } from '../../src/modbus/rtu';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();
const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'));

// Examples of the Modbus Application Protocol specification (V1.1b3 §6).
test('request encodings match the specification examples', () => {
  assert.equal(hex(encodeRequestPdu({ fc: FC.readCoils, address: 19, quantity: 19 })), '0100130013');
  assert.equal(
    hex(encodeRequestPdu({ fc: FC.readDiscreteInputs, address: 196, quantity: 22 })),
    '0200C40016',
  );
  assert.equal(
    hex(encodeRequestPdu({ fc: FC.readHoldingRegisters, address: 107, quantity: 3 })),
    '03006B0003',
  );
  assert.equal(hex(encodeRequestPdu({ fc: FC.readInputRegisters, address: 8, quantity: 1 })), '0400080001');
  assert.equal(hex(encodeRequestPdu({ fc: FC.writeSingleCoil, address: 172, value: true })), '0500ACFF00');
  assert.equal(hex(encodeRequestPdu({ fc: FC.writeSingleRegister, address: 1, value: 3 })), '0600010003');
  const coils = [true, false, true, true, false, false, true, true, true, false];
  assert.equal(
    hex(encodeRequestPdu({ fc: FC.writeMultipleCoils, address: 19, values: coils })),
    '0F0013000A02CD01',
  );
  assert.equal(
    hex(encodeRequestPdu({ fc: FC.writeMultipleRegisters, address: 1, values: [0x000a, 0x0102] })),
    '100001000204000A0102',
  );
});

test('responses decode per the specification examples', () => {
  const coils = decodeResponsePdu(bytes('0100130013'), bytes('0103CD6B05'));
  assert.equal(coils.kind, 'bits');
  assert.deepEqual(coils.kind === 'bits' ? coils.values.map(Number).join('') : '', '1011001111010110101');
  assert.deepEqual(decodeResponsePdu(bytes('03006B0003'), bytes('0306022B00000064')), {
    kind: 'registers',
    values: [0x022b, 0, 0x64],
  });
  assert.deepEqual(decodeResponsePdu(bytes('0500ACFF00'), bytes('0500ACFF00')), {
    kind: 'written',
    address: 172,
    quantity: 1,
  });
  assert.deepEqual(decodeResponsePdu(bytes('0F0013000A02CD01'), bytes('0F0013000A')), {
    kind: 'written',
    address: 19,
    quantity: 10,
  });
  assert.deepEqual(decodeResponsePdu(bytes('03006B0003'), bytes('8302')), {
    kind: 'exception',
    fc: 3,
    code: 2,
  });
});

test('a response that does not answer the request is E_PROTOCOL', () => {
  const cases: [string, string, RegExp][] = [
    ['03006B0003', '0304022B0000', /carries 4 bytes where 3 registers need 6/],
    ['03006B0003', '0306022B000000', /must be 8 bytes/],
    ['0100130013', '010205CD', /carries 2 bytes where 19 bits need 3/],
    ['0600010003', '0600010004', /does not echo/],
    ['100001000204000A0102', '1000010003', /does not echo/],
    ['03006B0003', '0406022B00000064', /function 0x4/],
    ['03006B0003', '830201', /exception response must be 2 bytes/],
  ];
  for (const [request, response, message] of cases) {
    assert.throws(
      () => decodeResponsePdu(bytes(request), bytes(response)),
      (err: Error & { code?: string }) => err.code === 'E_PROTOCOL' && message.test(err.message),
      `${request} → ${response}`,
    );
  }
});

test('invalid requests are coded errors before any byte exists', () => {
  const bad: [unknown, string][] = [
    [{ fc: FC.readHoldingRegisters, address: 0, quantity: 126 }, 'E_OUT_OF_RANGE'],
    [{ fc: FC.readCoils, address: 0, quantity: 2001 }, 'E_OUT_OF_RANGE'],
    [{ fc: FC.readCoils, address: 0, quantity: 0 }, 'E_OUT_OF_RANGE'],
    [{ fc: FC.readHoldingRegisters, address: 65535, quantity: 2 }, 'E_OUT_OF_RANGE'],
    [{ fc: FC.readHoldingRegisters, address: -1, quantity: 1 }, 'E_OUT_OF_RANGE'],
    [{ fc: FC.readHoldingRegisters, address: 1.5, quantity: 1 }, 'E_INVALID_INPUT'],
    [{ fc: FC.writeSingleRegister, address: 0, value: 65536 }, 'E_OUT_OF_RANGE'],
    [{ fc: FC.writeSingleRegister, address: 0, value: '7' }, 'E_INVALID_INPUT'],
    [{ fc: FC.writeSingleCoil, address: 0, value: 1 }, 'E_INVALID_INPUT'],
    [{ fc: FC.writeMultipleRegisters, address: 0, values: new Array(124).fill(0) }, 'E_OUT_OF_RANGE'],
    [{ fc: FC.writeMultipleRegisters, address: 0, values: [] }, 'E_OUT_OF_RANGE'],
    [{ fc: FC.writeMultipleCoils, address: 0, values: new Array(1969).fill(true) }, 'E_OUT_OF_RANGE'],
    [{ fc: FC.writeMultipleCoils, address: 0, values: [true, 'yes'] }, 'E_INVALID_INPUT'],
    [{ fc: 0x2b, address: 0 }, 'E_INVALID_INPUT'],
  ];
  for (const [request, code] of bad) {
    assert.throws(
      () => encodeRequestPdu(request as ModbusRequest),
      { code },
      JSON.stringify(request).slice(0, 80),
    );
  }
});

test('exception names are the standard ones', () => {
  assert.equal(exceptionName(1), 'Illegal Function');
  assert.equal(exceptionName(2), 'Illegal Data Address');
  assert.equal(exceptionName(3), 'Illegal Data Value');
  assert.equal(exceptionName(4), 'Server Device Failure');
  assert.equal(exceptionName(5), 'Acknowledge');
  assert.equal(exceptionName(6), 'Server Device Busy');
  assert.equal(exceptionName(8), 'Memory Parity Error');
  assert.equal(exceptionName(0x0a), 'Gateway Path Unavailable');
  assert.equal(exceptionName(0x0b), 'Gateway Target Device Failed to Respond');
  assert.match(exceptionName(0x42), /Unknown Exception 0x42/);
});

const requestArb: fc.Arbitrary<ModbusRequest> = fc.oneof(
  fc.record({
    fc: fc.constantFrom(FC.readCoils, FC.readDiscreteInputs),
    address: fc.integer({ min: 0, max: 60000 }),
    quantity: fc.integer({ min: 1, max: 2000 }),
  }),
  fc.record({
    fc: fc.constantFrom(FC.readHoldingRegisters, FC.readInputRegisters),
    address: fc.integer({ min: 0, max: 60000 }),
    quantity: fc.integer({ min: 1, max: 125 }),
  }),
  fc.record({
    fc: fc.constant(FC.writeSingleCoil),
    address: fc.integer({ min: 0, max: 65535 }),
    value: fc.boolean(),
  }),
  fc.record({
    fc: fc.constant(FC.writeSingleRegister),
    address: fc.integer({ min: 0, max: 65535 }),
    value: fc.integer({ min: 0, max: 65535 }),
  }),
  fc.record({
    fc: fc.constant(FC.writeMultipleCoils),
    address: fc.integer({ min: 0, max: 60000 }),
    values: fc.array(fc.boolean(), { minLength: 1, maxLength: 1968 }),
  }),
  fc.record({
    fc: fc.constant(FC.writeMultipleRegisters),
    address: fc.integer({ min: 0, max: 60000 }),
    values: fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 123 }),
  }),
) as fc.Arbitrary<ModbusRequest>;

test('property: a server decodes every request as sent, and its response decodes as an answer', () => {
  fc.assert(
    fc.property(requestArb, (request) => {
      const pdu = encodeRequestPdu(request);
      assert.deepEqual(decodeRequestPdu(pdu), { ...request });
      const response =
        request.fc === FC.readCoils || request.fc === FC.readDiscreteInputs
          ? ({ kind: 'bits', values: new Array<boolean>(request.quantity).fill(true) } as const)
          : request.fc === FC.readHoldingRegisters || request.fc === FC.readInputRegisters
            ? ({ kind: 'registers', values: new Array<number>(request.quantity).fill(7) } as const)
            : ({
                kind: 'written',
                address: request.address,
                quantity: 'values' in request ? request.values.length : 1,
              } as const);
      const reply = encodeResponsePdu(request, response);
      assert.deepEqual(decodeResponsePdu(pdu, reply), response);
      // RTU: the length a receiver predicts from the request is the frame's length.
      const frame = encodeRtuFrame(9, reply);
      assert.equal(expectedResponseLength(pdu, frame), frame.length);
    }),
    { numRuns: 300 },
  );
});

test('RTU frame: unit, PDU, CRC low byte first', () => {
  // Read Holding Registers 0x006B × 3 from unit 17, the classic example: 11 03 00 6B 00 03 76 87.
  assert.equal(hex(encodeRtuFrame(0x11, bytes('03006B0003'))), '1103006B00037687');
  assert.equal(crc16Modbus(bytes('1103006B0003')), 0x8776);
});
