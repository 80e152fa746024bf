import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  bulkInRequestLength,
  decodeHeader,
  encodeCapabilities,
  encodeDevDepMsgInHeader,
  encodeDevDepMsgOut,
  encodeRequestDevDepMsgIn,
  nextBTag,
  parseCapabilities,
} from '../../src/transport/usbtmc-codec';

const hex = (b: Buffer): string => b.toString('hex').replace(/(..)/g, '$1 ').trim().toUpperCase();

describe('USBTMC codec', () => {
  it('encodes *IDN?\\n with bTag 1 exactly as the USBTMC vector (20 bytes, padded to 4)', () => {
    const frame = encodeDevDepMsgOut(1, Buffer.from('*IDN?\n'), true);
    assert.equal(hex(frame), '01 01 FE 00 06 00 00 00 01 00 00 00 2A 49 44 4E 3F 0A 00 00');
    assert.equal(frame.length, 20);
  });

  it('encodes REQUEST_DEV_DEP_MSG_IN with bTag 2, 1024 bytes, TermChar LF as the USBTMC vector', () => {
    assert.equal(hex(encodeRequestDevDepMsgIn(2, 1024, 0x0a)), '02 02 FD 00 00 04 00 00 02 0A 00 00');
    assert.equal(hex(encodeRequestDevDepMsgIn(2, 1024)), '02 02 FD 00 00 04 00 00 00 00 00 00');
  });

  it('decodes the headers it encodes, and rejects a bad bTagInverse', () => {
    const h = decodeHeader(encodeDevDepMsgOut(7, Buffer.from('abc'), false));
    assert.deepEqual(h, { msgId: 1, bTag: 7, transferSize: 3, attributes: 0, termChar: 0 });
    const inHeader = decodeHeader(encodeDevDepMsgInHeader(200, 53, true));
    assert.deepEqual(inHeader, { msgId: 2, bTag: 200, transferSize: 53, attributes: 1, termChar: 0 });
    const corrupt = encodeDevDepMsgOut(7, Buffer.from('abc'), true);
    corrupt[2] = 0x00;
    assert.equal(decodeHeader(corrupt), undefined);
    assert.equal(decodeHeader(Buffer.alloc(11)), undefined);
  });

  it('pads every Bulk-OUT transfer to a multiple of 4', () => {
    for (let n = 0; n < 9; n++) {
      assert.equal(encodeDevDepMsgOut(1, Buffer.alloc(n, 0x41), true).length % 4, 0, `payload ${n}`);
    }
  });

  it('bTag runs 1..255 and wraps to 1, never 0', () => {
    let tag = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 600; i++) {
      tag = nextBTag(tag);
      seen.add(tag);
      assert.ok(tag >= 1 && tag <= 255);
    }
    assert.equal(seen.size, 255);
    assert.equal(nextBTag(255), 1);
    assert.throws(() => encodeDevDepMsgOut(0, Buffer.alloc(0), true), { code: 'E_OUT_OF_RANGE' });
  });

  it('parses GET_CAPABILITIES bits (USB488 REN/GTL in byte 14 bit 1)', () => {
    const reply = encodeCapabilities(1, {
      bcdUsb488: 0x0100,
      acceptsRemoteLocal: true,
      scpi: true,
      termChar: true,
    });
    assert.equal(reply.length, 24);
    assert.equal(reply[14], 0x02);
    assert.equal(reply[15], 0x08);
    const { status, capabilities } = parseCapabilities(reply);
    assert.equal(status, 1);
    assert.equal(capabilities.acceptsRemoteLocal, true);
    assert.equal(capabilities.scpi, true);
    assert.equal(capabilities.termChar, true);
    assert.equal(capabilities.acceptsTrigger, false);
    // A plain USBTMC device (no USB488 part, short reply) reads as no REN support.
    assert.equal(parseCapabilities(Buffer.from([1, 0, 0, 1])).capabilities.acceptsRemoteLocal, false);
  });

  it('asks for whole packets with room for a short packet', () => {
    assert.equal(bulkInRequestLength(1024, 64), 1088);
    assert.equal(bulkInRequestLength(52, 64), 128);
    assert.equal(bulkInRequestLength(100, 512) % 512, 0);
    assert.ok(bulkInRequestLength(49, 64) > 12 + 49 + 3);
  });
});
