import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LabbenchError } from '../../src/core/errors';
import {
  HISLIP_HEADER_SIZE,
  HislipFrameReader,
  MessageType,
  decodeHeader,
  decodeSize64,
  encodeHeader,
  encodeMessage,
  encodeSize64,
  nextMessageId,
} from '../../src/transport/hislip-codec';
import type { HislipMessage } from '../../src/transport/hislip-codec';

const CAP = 1 << 20;

function isProtocolError(err: unknown): boolean {
  return err instanceof LabbenchError && err.code === 'E_PROTOCOL';
}

describe('HiSLIP header codec', () => {
  it('encodes the 16-byte header field by field, network byte order', () => {
    const h = encodeHeader(MessageType.Initialize, 0, 0x0100_4c42, 7);
    assert.equal(h.toString('hex'), '4853' + '00' + '00' + '01004c42' + '0000000000000007');
    const d = encodeHeader(MessageType.DataEnd, 1, 0xffffff00, 2 ** 33 + 5);
    assert.equal(d.toString('hex'), '4853' + '07' + '01' + 'ffffff00' + '0000000200000005');
  });

  it('decodes what it encodes', () => {
    const h = decodeHeader(encodeHeader(MessageType.Data, 1, 0xfffffffe, 1234), CAP);
    assert.deepEqual(h, { type: 6, control: 1, parameter: 0xfffffffe, payloadLength: 1234 });
  });

  it('refuses a wrong prologue with E_PROTOCOL', () => {
    const bad = encodeHeader(MessageType.DataEnd, 0, 0, 0);
    bad.write('XS', 0, 'latin1');
    assert.throws(
      () => decodeHeader(bad, CAP),
      (e: unknown) => isProtocolError(e) && /"HS"/.test(String(e)),
    );
  });

  it('refuses a payload longer than the cap before allocating it, also 2^63 and 2^64-1', () => {
    for (const high of [0, 0x0000_0100, 0x8000_0000, 0xffff_ffff]) {
      const h = encodeHeader(MessageType.DataEnd, 0, 0, 0);
      h.writeUInt32BE(high, 8);
      h.writeUInt32BE(high === 0 ? CAP + 1 : 0xffff_ffff, 12);
      assert.throws(
        () => decodeHeader(h, CAP),
        (e: unknown) => isProtocolError(e) && /more than/.test(String(e)),
      );
    }
    assert.equal(decodeHeader(encodeHeader(MessageType.DataEnd, 0, 0, CAP), CAP).payloadLength, CAP);
  });

  it('round-trips the 64-bit size of AsyncMaxMsgSize', () => {
    for (const n of [0, 1, 272, 2 ** 32, 2 ** 40 + 3]) assert.equal(decodeSize64(encodeSize64(n)), n);
    assert.equal(encodeSize64(1 << 20).toString('hex'), '0000000000100000');
    assert.throws(
      () => decodeSize64(Buffer.alloc(4)),
      (e: unknown) => isProtocolError(e),
    );
  });

  it('MessageIDs grow by 2 and wrap at 32 bits', () => {
    assert.equal(nextMessageId(0xffffff00), 0xffffff02);
    assert.equal(nextMessageId(0xfffffffe), 0);
  });
});

describe('HislipFrameReader', () => {
  const messages: HislipMessage[] = [
    { type: MessageType.Data, control: 0, parameter: 0xffffff00, payload: Buffer.from('first part, ') },
    { type: MessageType.DataEnd, control: 1, parameter: 0xffffff00, payload: Buffer.from('second\n') },
    { type: MessageType.AsyncLockInfoResponse, control: 1, parameter: 2, payload: Buffer.alloc(0) },
  ];
  const wire = Buffer.concat(messages.map((m) => encodeMessage(m.type, m.control, m.parameter, m.payload)));

  it('reassembles messages delivered one byte at a time', () => {
    const reader = new HislipFrameReader(CAP);
    const got: HislipMessage[] = [];
    for (let i = 0; i < wire.length; i++) got.push(...reader.push(wire.subarray(i, i + 1)));
    assert.deepEqual(
      got.map(({ type, control, parameter, payload }) => ({ type, control, parameter, payload })),
      messages,
    );
    assert.equal(reader.pendingBytes, 0);
  });

  it('hands out payloads as views of the chunks they arrived in, without copying', () => {
    const chunk = encodeMessage(MessageType.DataEnd, 0, 0, Buffer.alloc(100_000, 7));
    const [m] = new HislipFrameReader(CAP).push(chunk);
    assert.equal(m.payload.buffer, chunk.buffer, 'same memory');
    assert.equal(m.payload.length, 100_000);
    const reader = new HislipFrameReader(CAP);
    const pieces = [chunk.subarray(0, 30_000), chunk.subarray(30_000, 70_000), chunk.subarray(70_000)];
    const got = pieces.flatMap((p) => reader.push(p));
    assert.equal(got.length, 1);
    assert.deepEqual(
      got[0].parts.map((p) => p.buffer === chunk.buffer),
      [true, true, true],
    );
    assert.equal(got[0].payloadLength, 100_000);
    assert.ok(got[0].payload.equals(Buffer.alloc(100_000, 7)));
  });

  it('fails on an oversize length after the 16 header bytes, and stays failed', () => {
    const reader = new HislipFrameReader(1000);
    const header = encodeHeader(MessageType.DataEnd, 0, 0, 2 ** 40);
    assert.throws(
      () => reader.push(header),
      (e: unknown) => isProtocolError(e) && /1099511627776/.test(String(e)),
    );
    assert.throws(
      () => reader.push(encodeMessage(MessageType.DataEnd, 0, 0)),
      (e: unknown) => isProtocolError(e),
    );
  });
});

describe('HiSLIP decoders under fuzzing', () => {
  it('decodeHeader: any 16 bytes give a header within the cap or E_PROTOCOL, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(1 << 24), (bytes, cap) => {
        try {
          const h = decodeHeader(Buffer.from(bytes), cap);
          assert.ok(h.payloadLength <= cap);
          assert.equal(bytes[0], 0x48);
          assert.equal(bytes[1], 0x53);
        } catch (err) {
          assert.ok(isProtocolError(err), String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('decodeHeader: "HS" headers with random lengths obey the cap exactly', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 1n << 25n })),
        fc.nat(1 << 24),
        (length: bigint, cap: number) => {
          const h = encodeHeader(MessageType.Data, 0, 0, 0);
          h.writeBigUInt64BE(length, 8);
          if (length <= BigInt(cap)) assert.equal(decodeHeader(h, cap).payloadLength, Number(length));
          else
            assert.throws(
              () => decodeHeader(h, cap),
              (e: unknown) => isProtocolError(e),
            );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reader: random bytes in random chunks never throw anything but E_PROTOCOL, payloads within the cap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }),
        fc.boolean(),
        (chunks, startWithHs) => {
          const reader = new HislipFrameReader(256);
          const all = chunks.map((c) => Buffer.from(c));
          if (startWithHs && all.length > 0 && all[0].length >= 2) all[0].write('HS', 0, 'latin1');
          try {
            for (const c of all) for (const m of reader.push(c)) assert.ok(m.payload.length <= 256);
          } catch (err) {
            assert.ok(isProtocolError(err), String(err));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reader: any messages, cut anywhere, come back unchanged', () => {
    const message = fc.record({
      type: fc.integer({ min: 0, max: 255 }),
      control: fc.integer({ min: 0, max: 255 }),
      parameter: fc.nat({ max: 0xffffffff }),
      payload: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    });
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 8 }),
        fc.array(fc.nat(400), { maxLength: 10 }),
        (msgs, cuts) => {
          const stream = Buffer.concat(
            msgs.map((m) => encodeMessage(m.type, m.control, m.parameter, m.payload)),
          );
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const reader = new HislipFrameReader(300);
          const got: HislipMessage[] = [];
          let at = 0;
          for (const p of [...points, stream.length]) {
            got.push(...reader.push(stream.subarray(at, p)));
            at = p;
          }
          assert.equal(got.length, msgs.length);
          got.forEach((m, i) => {
            assert.deepEqual(
              [m.type, m.control, m.parameter],
              [msgs[i].type, msgs[i].control, msgs[i].parameter],
            );
            assert.ok(m.payload.equals(msgs[i].payload));
          });
          assert.equal(reader.pendingBytes, 0);
          assert.ok(stream.length >= msgs.length * HISLIP_HEADER_SIZE);
        },
      ),
      { numRuns: 500 },
    );
  });
});
