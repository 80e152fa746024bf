/**
 * The short (CI) fuzz run: at least 20,000 random and mutated frames into every decoder of the
 * table (test/fuzz/decoders.ts), fixed seeds so a failure reproduces. The long run (`npm run
 * soak`) feeds 1,000,000 per decoder with fresh seeds and measures time per input size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DECODERS } from './decoders';
import { fuzzDecoder } from './harness';

const FRAMES = 20_000;

for (const [i, row] of DECODERS.entries()) {
  test(`fuzz: ${row.name} — ${FRAMES} random and mutated frames`, () => {
    const stats = fuzzDecoder(row, { frames: FRAMES, seed: 9_000 + i });
    assert.ok(stats.frames >= FRAMES, `${stats.frames} frames fed`);
    assert.ok(stats.mutated > stats.frames / 5, 'a good share of the frames were mutated');
  });
}
