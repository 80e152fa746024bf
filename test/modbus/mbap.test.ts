/** The MBAP codec: header layout, the streaming decoder's refusals, bounded memory. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MbapDecoder, encodeMbap, MAX_PDU_LENGTH } from '../../src/modbus/mbap';

describe('MBAP encode', () => {
  test('the 7-byte header: transaction id, protocol 0, length = unit + PDU, unit id', () => {
    const frame = encodeMbap({ transactionId: 0x1234, unitId: 10, pdu: Buffer.from([0x04, 0, 0, 0, 2]) });
    assert.equal(frame.toString('hex'), '123400000006' + '0a' + '0400000002');
  });

  test('refuses ids out of range and PDUs of impossible size', () => {
    const pdu = Buffer.from([3, 0, 0, 0, 1]);
    assert.throws(() => encodeMbap({ transactionId: 65536, unitId: 1, pdu }), { code: 'E_INVALID_INPUT' });
    assert.throws(() => encodeMbap({ transactionId: 1, unitId: 256, pdu }), { code: 'E_INVALID_INPUT' });
    assert.throws(() => encodeMbap({ transactionId: 1, unitId: 1, pdu: Buffer.alloc(0) }), {
      code: 'E_INVALID_INPUT',
    });
    assert.throws(
      () => encodeMbap({ transactionId: 1, unitId: 1, pdu: Buffer.alloc(MAX_PDU_LENGTH + 1, 3) }),
      {
        code: 'E_INVALID_INPUT',
      },
    );
  });
});

describe('MBAP streaming decoder', () => {
  const a = encodeMbap({ transactionId: 1, unitId: 1, pdu: Buffer.from([0x03, 2, 0x12, 0x34]) });
  const b = encodeMbap({ transactionId: 2, unitId: 7, pdu: Buffer.from([0x83, 0x02]) });

  test('frames split at every byte boundary and glued together come out whole, in order', () => {
    const stream = Buffer.concat([a, b]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new MbapDecoder();
      const first = d.push(stream.subarray(0, cut));
      const second = d.push(stream.subarray(cut));
      const frames = [...first.frames, ...second.frames];
      assert.deepEqual(
        frames.map((f) => [f.transactionId, f.unitId, f.pdu.toString('hex')]),
        [
          [1, 1, '03021234'],
          [2, 7, '8302'],
        ],
        `cut at ${cut}`,
      );
      assert.equal(d.buffered, 0);
    }
  });

  test('a wrong protocol id is E_PROTOCOL and the decoder refuses everything after it until reset', () => {
    const bad = Buffer.from(b);
    bad.writeUInt16BE(1, 2);
    const d = new MbapDecoder();
    const result = d.push(Buffer.concat([a, bad, a]));
    assert.deepEqual(
      result.frames.map((f) => f.transactionId),
      [1],
      'the good frame before the corrupt header is still delivered',
    );
    assert.equal(result.error?.code, 'E_PROTOCOL');
    assert.match(result.error!.message, /protocol id 1/);
    assert.ok(d.desynchronised);
    assert.equal(d.push(a).frames.length, 0, 'nothing after a lost frame boundary is trusted');
    d.reset();
    assert.equal(d.push(a).frames.length, 1);
  });

  test('impossible lengths (0, 1, 255, 65535) are refused as soon as the header is in, without waiting or allocating', () => {
    for (const length of [0, 1, 255, 65535]) {
      const header = Buffer.from([0, 9, 0, 0, length >> 8, length & 0xff, 1]);
      const d = new MbapDecoder();
      const result = d.push(header);
      assert.equal(result.error?.code, 'E_PROTOCOL', `length ${length}`);
      assert.match(result.error!.message, new RegExp(`length field ${length}`));
      assert.equal(d.buffered, 0);
    }
  });

  test('property: any byte stream never throws, never buffers more than one frame, and every frame is well formed', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const d = new MbapDecoder();
        for (const chunk of chunks) {
          const { frames } = d.push(chunk);
          assert.ok(d.buffered <= 7 + 254 - 1);
          for (const f of frames) assert.ok(f.pdu.length >= 1 && f.pdu.length <= MAX_PDU_LENGTH);
        }
      }),
      { numRuns: 500 },
    );
  });
});
