/** IEEE 488.2 blocks: the pure decoders, typed replies, and the block-aware line framer. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { probeBlockHeader } from '../../src/transport/block-header';
import { LineFramer, MAX_BLOCK_BYTES } from '../../src/transport/line-framer';
import { decodeBinaryArray, decodeBlock } from '../../src/visa/blocks';
import { parseScpiNumber, parseScpiReply } from '../../src/visa/scpi-replies';

function definite(data: Buffer, terminator = '\n'): Buffer {
  const len = String(data.length);
  return Buffer.concat([Buffer.from(`#${len.length}${len}`), data, Buffer.from(terminator)]);
}

describe('block decoding', () => {
  it('definite and indefinite blocks give their data bytes, LF inside the data included', () => {
    const data = Buffer.from([0x0a, 0x00, 0x23, 0x0d, 0x0a]);
    assert.deepEqual(decodeBlock(definite(data)), data);
    assert.deepEqual(decodeBlock(definite(data, '\r\n')), data);
    assert.deepEqual(decodeBlock(definite(data, '')), data);
    assert.deepEqual(decodeBlock(Buffer.from('#0abc\n')), Buffer.from('abc'));
    assert.deepEqual(decodeBlock(Buffer.from('#10\n')), Buffer.alloc(0));
  });

  it('a lying header, a cut block, a non-block and an oversize header fail with E_PROTOCOL', () => {
    assert.throws(() => decodeBlock(Buffer.from('#15abc\n')), {
      code: 'E_PROTOCOL',
      message: /announced 5 bytes but only 4 arrived/,
    });
    assert.throws(() => decodeBlock(Buffer.from('#12abcdef\n')), {
      code: 'E_PROTOCOL',
      message: /the length header is wrong/,
    });
    assert.throws(() => decodeBlock(Buffer.from('1.5\n')), {
      code: 'E_PROTOCOL',
      message: /Expected an IEEE 488.2 binary block/,
    });
    assert.throws(() => decodeBlock(Buffer.from('#3ab\n')), { code: 'E_PROTOCOL' });
    assert.throws(() => decodeBlock(Buffer.from('#9999999999\n')), {
      code: 'E_PROTOCOL',
      message: /at most/,
    });
    assert.throws(() => decodeBlock(Buffer.from('#15abcde\n'), 4), {
      code: 'E_PROTOCOL',
      message: /at most 4 bytes/,
    });
  });

  it('binary arrays in both byte orders; a length that is not a multiple fails', () => {
    const big = Buffer.alloc(12);
    big.writeFloatBE(1.5, 0);
    big.writeFloatBE(-2, 4);
    big.writeFloatBE(1e-3, 8);
    assert.deepEqual(decodeBinaryArray(big, 'real32', 'big'), [1.5, -2, Math.fround(1e-3)]);
    const little = Buffer.alloc(16);
    little.writeDoubleLE(Math.PI, 0);
    little.writeDoubleLE(-1e300, 8);
    assert.deepEqual(decodeBinaryArray(little, 'real64', 'little'), [Math.PI, -1e300]);
    assert.deepEqual(decodeBinaryArray(Buffer.from([0xff, 0xfe, 0x00, 0x02]), 'int16', 'big'), [-2, 2]);
    assert.deepEqual(decodeBinaryArray(Buffer.from([0xfe, 0xff, 0xff, 0xff]), 'int32', 'little'), [-2]);
    assert.throws(() => decodeBinaryArray(Buffer.alloc(6), 'real32', 'big'), {
      code: 'E_PROTOCOL',
      message: /multiple of 4/,
    });
  });

  it('fuzz: decoders return or throw coded errors, never anything else', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom('auto', 'number', 'numbers', 'string', 'block', 'real32', 'int16'),
        (bytes, kind) => {
          const message = Buffer.concat([Buffer.from('#'), Buffer.from(bytes)]);
          for (const m of [Buffer.from(bytes), message]) {
            try {
              parseScpiReply(m, kind as 'auto');
            } catch (err) {
              assert.equal((err as { code?: string }).code, 'E_PROTOCOL');
            }
          }
        },
      ),
    );
  });
});

describe('typed replies', () => {
  it('auto: one number, a list of numbers, a block, or the text', () => {
    assert.equal(parseScpiReply(Buffer.from('+1.250000E+00\n'), 'auto'), 1.25);
    assert.deepEqual(parseScpiReply(Buffer.from('1,2.5,-3E-3\r\n'), 'auto'), [1, 2.5, -0.003]);
    assert.deepEqual(parseScpiReply(definite(Buffer.from('ab\n')), 'auto'), Buffer.from('ab\n'));
    assert.equal(parseScpiReply(Buffer.from('LABBENCH,SIM-DMM,1,1.0\n'), 'auto'), 'LABBENCH,SIM-DMM,1,1.0');
  });

  it('number / numbers / string / real32, and mismatches as E_PROTOCOL naming the query', () => {
    assert.equal(parseScpiReply(Buffer.from('12\n'), 'number'), 12);
    assert.deepEqual(parseScpiReply(Buffer.from('7\n'), 'numbers'), [7]);
    assert.equal(parseScpiReply(Buffer.from('"a ""b"""\n'), 'string'), 'a "b"');
    const floats = Buffer.alloc(8);
    floats.writeFloatLE(2, 0);
    floats.writeFloatLE(4, 4);
    assert.deepEqual(parseScpiReply(definite(floats), 'real32', { byteOrder: 'little' }), [2, 4]);
    assert.throws(() => parseScpiReply(Buffer.from('1,2\n'), 'number', { query: 'READ?' }), {
      code: 'E_PROTOCOL',
      message: /answered "1,2" to READ\?; expected one number/,
    });
    assert.throws(() => parseScpiReply(Buffer.from('1,x\n'), 'numbers'), { code: 'E_PROTOCOL' });
    assert.throws(() => parseScpiReply(Buffer.from('1,2\n'), 'real32'), { code: 'E_PROTOCOL' });
  });

  it('numbers are NR1/NR2/NR3 only', () => {
    for (const ok of ['1', '-1', '+1.', '.5', '1e3', '1.5E-03', ' 2 '])
      assert.notEqual(parseScpiNumber(ok), undefined, ok);
    for (const bad of ['', '.', '1e', 'e3', '1.2.3', '0x10', 'NaN', 'Infinity', '5V', '1e999']) {
      assert.equal(parseScpiNumber(bad), undefined, bad);
    }
  });
});

describe('block-aware line framer', () => {
  function frame(chunks: Buffer[], framer = new LineFramer()): Buffer[] {
    const out: Buffer[] = [];
    for (const c of chunks) {
      framer.push(c);
      for (let m = framer.shift(); m; m = framer.shift()) out.push(m);
    }
    return out;
  }

  it('takes LF bytes inside a definite block as data, whatever the chunking', () => {
    const data = Buffer.from('\n\n#1\n\r\nxyz\n');
    const stream = Buffer.concat([
      Buffer.from('1.5\n'),
      definite(data),
      Buffer.from('#H1F\n#\n'),
      definite(data, '\r\n'),
      Buffer.from('#0ab\n'),
    ]);
    const expected = [
      Buffer.from('1.5\n'),
      definite(data),
      Buffer.from('#H1F\n'),
      Buffer.from('#\n'),
      definite(data, '\r\n'),
      Buffer.from('#0ab\n'),
    ];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(stream.subarray(last, p));
          last = p;
        }
        chunks.push(stream.subarray(last));
        assert.deepEqual(frame(chunks.filter((c) => c.length > 0)), expected);
      }),
    );
  });

  it('an oversize header fails at once (nothing buffered for it); earlier messages survive', () => {
    const framer = new LineFramer(1 << 20, 1000);
    assert.throws(() => framer.push(Buffer.from('ok\n#42000')), {
      code: 'E_PROTOCOL',
      message: /announced a binary block of 2000 bytes/,
    });
    assert.deepEqual(framer.shift(), Buffer.from('ok\n'));
  });

  it('probes headers: text, incomplete, definite, indefinite, oversize', () => {
    assert.deepEqual(probeBlockHeader(Buffer.from('1')), { kind: 'text' });
    assert.deepEqual(probeBlockHeader(Buffer.from('#2')), { kind: 'incomplete' });
    assert.deepEqual(probeBlockHeader(Buffer.from('#210')), {
      kind: 'definite',
      headerLength: 4,
      length: 10,
    });
    assert.deepEqual(probeBlockHeader(Buffer.from('#0')), { kind: 'indefinite', headerLength: 2 });
    assert.deepEqual(probeBlockHeader(Buffer.from(`#9${'9'.repeat(9)}`)), {
      kind: 'oversize',
      length: 999_999_999,
    });
    assert.equal(MAX_BLOCK_BYTES, 64 * 1024 * 1024);
  });
});
