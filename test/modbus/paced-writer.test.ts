/**
 * Byte-time pacing on a manual scheduler: bytes never leave before their wire time, a late
 * wake-up catches up (the average rate stays right), frames queue behind each other, and one
 * wake-up writes every byte due so far in one chunk.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LineClock, PacedWriter, bitsPerCharacter, byteTimeMs } from '../../src/sim/paced-writer';
import type { PacingScheduler } from '../../src/sim/paced-writer';

/** Timers fire only when the test moves time; `lateBy` makes every timer fire that much late. */
class ManualScheduler implements PacingScheduler {
  time = 0;
  lateBy = 0;
  private timers: { due: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ due: this.time + ms + this.lateBy, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  setImmediate(fn: () => void): unknown {
    return this.setTimeout(fn, 0);
  }
  clearImmediate(handle: unknown): void {
    this.clearTimeout(handle);
  }
  get pending(): number {
    return this.timers.length;
  }
  /** Fires timers in due order until none is left (time jumps to each). */
  runAll(limit = 10_000): void {
    for (let i = 0; i < limit && this.timers.length > 0; i++) {
      this.timers.sort((a, b) => a.due - b.due);
      const t = this.timers.shift()!;
      this.time = Math.max(this.time, t.due);
      t.fn();
    }
  }
}

describe('PacedWriter', () => {
  test('wire time: 10 bits a byte for 8N1, 11 with parity or two stop bits', () => {
    assert.equal(bitsPerCharacter({ dataBits: 8, parity: 'none', stopBits: 1 }), 10);
    assert.equal(bitsPerCharacter({ dataBits: 8, parity: 'even', stopBits: 1 }), 11);
    assert.equal(bitsPerCharacter({ dataBits: 8, parity: 'none', stopBits: 2 }), 11);
    assert.ok(Math.abs(byteTimeMs(38400) - 0.2604166) < 1e-6);
  });

  for (const lateBy of [0, 0.7, 3]) {
    test(`never early, never behind after a wake-up (timers ${lateBy} ms late)`, () => {
      const clock = new ManualScheduler();
      clock.lateBy = lateBy;
      const writes: { at: number; bytes: Buffer }[] = [];
      const writer = new PacedWriter((bytes) => writes.push({ at: clock.time, bytes }), {
        baudRate: 38400,
        scheduler: clock,
        pollBelowMs: 0,
      });
      const byteMs = byteTimeMs(38400);
      const frame = Buffer.from(Array.from({ length: 40 }, (_, i) => i));
      writer.write(frame, 0);
      clock.runAll();
      let sent = 0;
      for (const w of writes) {
        sent += w.bytes.length;
        // Every byte written had finished on the wire; all that had finished were written.
        assert.ok(sent <= Math.floor(w.at / byteMs + 1e-9), `${sent} bytes out at ${w.at} ms`);
        assert.equal(
          sent,
          Math.min(frame.length, Math.floor(w.at / byteMs + 1e-9)),
          `caught up at ${w.at} ms`,
        );
      }
      assert.deepEqual(Buffer.concat(writes.map((w) => w.bytes)), frame, 'all bytes, in order');
      assert.ok(writes.length < frame.length, `chunks, not a timer per byte (${writes.length} writes)`);
      assert.ok(writes.at(-1)!.at - frame.length * byteMs < lateBy + 1e-9, 'the frame ends at its wire time');
      assert.equal(clock.pending, 0);
    });
  }

  test('a frame starts at its requested time or when the line is free, whichever is later', () => {
    const clock = new ManualScheduler();
    const writes: { at: number; bytes: string }[] = [];
    const writer = new PacedWriter((bytes) => writes.push({ at: clock.time, bytes: bytes.toString('hex') }), {
      baudRate: 1000, // 10 ms a byte
      scheduler: clock,
      pollBelowMs: 0,
    });
    writer.write(Buffer.from([1, 2]), 5);
    writer.write(Buffer.from([3]), 0);
    assert.equal(writer.lineFreeAt, 35);
    clock.runAll();
    assert.deepEqual(writes, [
      { at: 15, bytes: '01' },
      { at: 25, bytes: '02' },
      { at: 35, bytes: '03' },
    ]);
  });

  test('the last byte of a frame is polled for, not left to a timer', () => {
    const clock = new ManualScheduler();
    const writer = new PacedWriter(() => undefined, { baudRate: 38400, scheduler: clock, pollBelowMs: 1 });
    writer.write(Buffer.alloc(3), 0);
    // 3 bytes = 0.78 ms: all within the polling window, so every wake-up is an immediate.
    const scheduled: number[] = [];
    const original = clock.setTimeout.bind(clock);
    clock.setTimeout = (fn, ms) => {
      scheduled.push(ms);
      return original(fn, ms);
    };
    clock.runAll();
    assert.ok(scheduled.every((ms) => ms === 0));
  });

  test('close drops what is queued and cancels the wake-up', () => {
    const clock = new ManualScheduler();
    const writes: Buffer[] = [];
    const writer = new PacedWriter((b) => writes.push(b), {
      baudRate: 9600,
      scheduler: clock,
      pollBelowMs: 0,
    });
    writer.write(Buffer.alloc(10));
    writer.close();
    clock.runAll();
    assert.equal(writes.length, 0);
    writer.write(Buffer.alloc(1));
    assert.equal(clock.pending, 0);
  });
});

describe('LineClock', () => {
  test('a request counts as arrived one wire time after delivery; back-to-back chunks queue', () => {
    let now = 100;
    const line = new LineClock(1000, 10, () => now);
    assert.equal(line.arrival(8), 180);
    now = 110;
    assert.equal(line.arrival(2), 200, 'the line was still busy with the first chunk');
    now = 500;
    assert.equal(line.arrival(1), 510);
  });
});
