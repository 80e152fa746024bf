import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StdBusScanner } from '../../src/watlow/stdbus/scanner';
import { crc8Header } from '../../src/watlow/crc';
import { StdBusReplyReader } from '../../src/watlow/stdbus/reader';
import { selectorOf } from '../../src/watlow/stdbus/payload';
import { STDBUS_ERRORS, STDBUS_EXCHANGES, STDBUS_UNRECOGNISED, STDBUS_WRITE_V3, bytes } from './vectors';

const V4 = STDBUS_EXCHANGES[1]; // read 7001 → 392.0
const readSetPoint = { service: 'read' as const, selector: selectorOf(7001, 1) };

function feedBytewise(reader: StdBusReplyReader, data: Buffer): ReturnType<StdBusReplyReader['push']>[] {
  const out = [];
  for (const b of data) out.push(reader.push(Buffer.from([b])));
  return out;
}

test('scanner: a frame split at every possible point is found once', () => {
  const frame = bytes(V4.response);
  for (let cut = 1; cut < frame.length; cut++) {
    const scanner = new StdBusScanner();
    const first = scanner.push(frame.subarray(0, cut));
    const second = scanner.push(frame.subarray(cut));
    const frames = [...first, ...second].filter((e) => e.kind === 'frame');
    assert.equal(frames.length, 1, `cut at ${cut}`);
    assert.equal(scanner.pending, 0);
  }
});

test('scanner: garbage before, between and after frames is skipped and reported', () => {
  const scanner = new StdBusScanner();
  const noise = bytes('00 13 55 00 FF 55');
  const data = Buffer.concat([noise, bytes(V4.response), bytes('AA BB'), bytes(V4.response)]);
  const events = scanner.push(data);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['garbage', 'frame', 'garbage', 'frame'],
  );
  assert.equal(events[0]!.bytes.length, noise.length);
});

test('scanner: a bad header CRC resyncs from the byte after 55 and finds the frame that follows', () => {
  const corrupt = bytes(V4.response);
  corrupt[7] ^= 0x5a;
  const events = new StdBusScanner().push(Buffer.concat([corrupt.subarray(0, 12), bytes(V4.response)]));
  const kinds = events.map((e) => e.kind);
  assert.equal(kinds[0], 'badHeaderCrc');
  assert.equal(kinds.filter((k) => k === 'frame').length, 1);
  assert.equal(kinds[kinds.length - 1], 'frame');
});

test('scanner: a frame whose bytes were lost (bad data CRC) does not swallow the next frame', () => {
  const full = bytes(V4.response);
  // Drop 3 payload bytes: the length field now reaches into the next frame.
  const truncated = Buffer.concat([full.subarray(0, 12), full.subarray(15)]);
  const events = new StdBusScanner().push(Buffer.concat([truncated, bytes(V4.response)]));
  const kinds = events.map((e) => e.kind);
  assert.ok(kinds.includes('badDataCrc'), kinds.join(','));
  assert.equal(kinds.filter((k) => k === 'frame').length, 1);
});

test('scanner: a preamble lookalike inside noise does not hide a real frame', () => {
  const events = new StdBusScanner().push(Buffer.concat([bytes('55 FF 06 00 10 00 0B'), bytes(V4.response)]));
  assert.equal(events.filter((e) => e.kind === 'frame').length, 1);
});

test('scanner: an impossible length is rejected without waiting for 64 kB', () => {
  // Valid header CRC over a length of 0x0FFF.
  const header = [0x06, 0x00, 0x10, 0x0f, 0xff];
  const fake = Buffer.from([0x55, 0xff, ...header, crc8Header(header)]);
  const events = new StdBusScanner().push(Buffer.concat([fake, bytes(V4.response)]));
  assert.equal(events[0]!.kind, 'badLength');
  assert.equal(events.filter((e) => e.kind === 'frame').length, 1);
});

test('reader: byte-by-byte delivery yields the reply exactly once, at the last byte', () => {
  const reader = new StdBusReplyReader(1, readSetPoint);
  const results = feedBytewise(reader, bytes(V4.response));
  const got = results.filter((r) => r !== undefined);
  assert.equal(got.length, 1);
  assert.notEqual(results[results.length - 1], undefined);
  assert.deepEqual(got[0], {
    kind: 'read',
    selector: selectorOf(7001, 1),
    value: { type: 'float', value: 392 },
  });
});

test('reader: the echo of our own request is ignored, then the reply is accepted', () => {
  const reader = new StdBusReplyReader(1, readSetPoint);
  assert.equal(reader.push(bytes(V4.request)), undefined);
  assert.equal(reader.stats.echoes, 1);
  const reply = reader.push(bytes(V4.response));
  assert.equal(reply?.kind, 'read');
});

test('reader: echo and reply in one chunk, with noise in between', () => {
  const reader = new StdBusReplyReader(1, readSetPoint);
  const reply = reader.push(Buffer.concat([bytes(V4.request), bytes('00 FF 55'), bytes(V4.response)]));
  assert.equal(reply?.kind, 'read');
  assert.equal(reader.stats.echoes, 1);
});

test('reader: a reply from another address or for another parameter is skipped', () => {
  const reader = new StdBusReplyReader(1, readSetPoint);
  // Error reply from address 2 (other controller), then a stale reply for 4001, then ours.
  assert.equal(reader.push(bytes(STDBUS_ERRORS[0].frame)), undefined);
  assert.equal(reader.push(bytes(STDBUS_EXCHANGES[0].response)), undefined);
  assert.equal(reader.stats.foreign, 1);
  assert.equal(reader.stats.stale, 1);
  assert.equal(reader.push(bytes(V4.response))?.kind, 'read');
});

test('reader: a write reply does not answer a read of the same parameter', () => {
  const reader = new StdBusReplyReader(1, readSetPoint);
  assert.equal(reader.push(bytes(STDBUS_WRITE_V3.response)), undefined);
  assert.equal(reader.stats.stale, 1);
});

test('reader: error replies and unknown services from our controller are replies', () => {
  const reader = new StdBusReplyReader(1, readSetPoint);
  assert.deepEqual(reader.push(bytes(STDBUS_ERRORS[6].frame)), { kind: 'error', code: 0x84 });
  const other = new StdBusReplyReader(1, readSetPoint);
  assert.equal(other.push(bytes(STDBUS_UNRECOGNISED[0].frame))?.kind, 'unrecognised');
});

test('reader: our reply with a bad data CRC marks the reply as corrupted; a good copy still wins', () => {
  const reader = new StdBusReplyReader(1, readSetPoint);
  const bad = bytes(V4.response);
  bad[bad.length - 2] ^= 0x10;
  assert.equal(reader.push(bad), undefined);
  assert.equal(reader.replyCorrupted, true);
  assert.match(reader.lastDefect ?? '', /bad data CRC/);
  assert.equal(reader.push(bytes(V4.response))?.kind, 'read');
});

test('reader: random noise with injected preambles never yields a false reply', () => {
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed & 0xff;
  };
  for (let round = 0; round < 200; round++) {
    const reader = new StdBusReplyReader(1, readSetPoint);
    const noise = Buffer.alloc(64, 0).map(() =>
      rand() % 7 === 0 ? 0x55 : rand() % 11 === 0 ? 0xff : rand(),
    );
    assert.equal(reader.push(noise), undefined, `round ${round}`);
    const reply = reader.push(bytes(V4.response));
    assert.equal(reply?.kind, 'read', `round ${round}: the real reply after noise`);
  }
});
