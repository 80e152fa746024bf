/**
 * The decoder fuzz harness: one generic driver, and one table row per decoder (decoders.ts).
 *
 * A run builds a byte stream out of well-formed units the row generates (frames, records, reply
 * lines), some kept intact and some mutated the way a noisy line or a hostile peer mutates them —
 * bit flips, truncation, length lies (a header byte overwritten), duplicated slices, garbage
 * inserted inside — with random garbage between them, so valid frames sit at random offsets.
 * The stream is cut into random chunks (as USB bridges and PTYs deliver it) and handed to a fresh
 * decoder. Asserted for every run:
 *
 *  - only the package's own errors (LabbenchError) are thrown, whatever the input;
 *  - the row's oracle holds: no false reply (what the decoder reports is what an intact unit in
 *    the stream says, or what an independent reference reading of the bytes says), and the row's
 *    no-desynchronisation rule (e.g. a valid frame appended at the end is still found);
 *  - no hang: every call returns (the harness is synchronous; a hang is a test timeout).
 *
 * Time is measured, never asserted: `measureScaling` reports ns per input byte at growing input
 * sizes for the long run (docs/reliability.md).
 */
import fc from 'fast-check';
import { LabbenchError } from '../../src/core/errors';

export interface Unit {
  bytes: Uint8Array;
  /** False once the harness mutated it. */
  intact: boolean;
}

export interface DecoderRow {
  /** Shown in test names and in the long run's JSON summary. */
  name: string;
  /** One well-formed unit of input (a frame, a record, a reply line). */
  unit: fc.Arbitrary<Uint8Array>;
  /** Runs a fresh decoder over the stream as it arrived; returns what it reported. */
  run(chunks: readonly Uint8Array[], units: readonly Unit[]): unknown;
  /** The oracle: undefined when the report is right for this stream, else what is wrong. */
  check(report: unknown, stream: Uint8Array, units: readonly Unit[]): string | undefined;
  /** Garbage between units, bytes (default 0..16). */
  maxGarbage?: number;
}

type Mutation =
  | { kind: 'intact' }
  | { kind: 'flip'; at: number; bit: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'lie'; at: number; value: number }
  | { kind: 'duplicate'; from: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'intact' as const }) },
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    bit: fc.nat({ max: 7 }),
    count: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('lie' as const), at: fc.nat({ max: 11 }), value: fc.nat({ max: 255 }) }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    from: fc.nat(),
    length: fc.integer({ min: 1, max: 12 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }),
  }),
);

function mutate(bytes: Uint8Array, m: Mutation): Unit {
  const b = Buffer.from(bytes);
  if (b.length === 0) return { bytes: b, intact: true };
  switch (m.kind) {
    case 'intact':
      return { bytes: b, intact: true };
    case 'flip': {
      for (let i = 0; i < m.count; i++) b[(m.at + i * 7) % b.length] ^= 1 << ((m.bit + i) % 8);
      return { bytes: b, intact: false };
    }
    case 'truncate':
      return { bytes: b.subarray(0, m.at % b.length), intact: false };
    case 'lie': {
      const at = m.at % b.length;
      if (b[at] === m.value) return { bytes: b, intact: true };
      b[at] = m.value;
      return { bytes: b, intact: false };
    }
    case 'duplicate': {
      const from = m.from % b.length;
      const slice = b.subarray(from, from + m.length);
      return { bytes: Buffer.concat([b.subarray(0, from), slice, b.subarray(from)]), intact: false };
    }
    case 'insert': {
      const at = m.at % (b.length + 1);
      return { bytes: Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]), intact: false };
    }
  }
}

/** A stream of units with garbage around them, and how it is cut into chunks. */
function streamArbitrary(row: DecoderRow) {
  const garbage = fc.uint8Array({ maxLength: row.maxGarbage ?? 16 });
  return fc.record({
    lead: garbage,
    parts: fc.array(fc.record({ unit: row.unit, mutation, after: garbage }), { minLength: 2, maxLength: 5 }),
    cuts: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 12 }),
  });
}

function cut(stream: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= stream.length) break;
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  if (at < stream.length) chunks.push(stream.subarray(at));
  return chunks;
}

export interface FuzzStats {
  decoder: string;
  runs: number;
  /** Units (frames, records, lines) fed, intact and mutated. */
  frames: number;
  mutated: number;
  bytes: number;
  /** Runs in which the decoder threw one of the package's errors (allowed). */
  packageErrors: number;
  ms: number;
}

/** Runs `row` over at least `frames` units; throws (with fast-check's shrunk counterexample) on a failure. */
export function fuzzDecoder(row: DecoderRow, options: { frames: number; seed?: number }): FuzzStats {
  const stats: FuzzStats = {
    decoder: row.name,
    runs: 0,
    frames: 0,
    mutated: 0,
    bytes: 0,
    packageErrors: 0,
    ms: 0,
  };
  const started = performance.now();
  // Every stream holds at least two units, so half as many runs feed at least `frames` units.
  const property = fc.property(streamArbitrary(row), ({ lead, parts, cuts }) => {
    const units = parts.map((p) => mutate(p.unit, p.mutation));
    const stream = Buffer.concat([lead, ...units.flatMap((u, i) => [u.bytes, parts[i]!.after])]);
    stats.runs++;
    stats.frames += units.length;
    stats.mutated += units.filter((u) => !u.intact).length;
    stats.bytes += stream.length;
    let report: unknown;
    try {
      report = row.run(cut(stream, cuts), units);
    } catch (err) {
      if (!(err instanceof LabbenchError)) {
        throw new Error(`${row.name} threw a foreign error: ${String(err)}`, { cause: err });
      }
      stats.packageErrors++;
      return;
    }
    const wrong = row.check(report, stream, units);
    if (wrong !== undefined) throw new Error(`${row.name}: ${wrong}`);
  });
  const result = fc.check(property, { numRuns: Math.ceil(options.frames / 2), seed: options.seed });
  stats.ms = performance.now() - started;
  if (result.failed) {
    throw new Error(
      `fuzz ${row.name} failed after ${result.numRuns} runs (seed ${result.seed}, path ${result.counterexamplePath}): ${String(result.errorInstance)}\ncounterexample: ${fc.stringify(result.counterexample)}`,
    );
  }
  return stats;
}

export interface ScalingPoint {
  bytes: number;
  nsPerByte: number;
}

/**
 * Time per input byte at growing input sizes (units of the row, concatenated with garbage,
 * mutated), for the long run's report. A linear decoder keeps ns/byte flat as the size grows.
 */
export function measureScaling(row: DecoderRow, sizes: readonly number[], seed = 42): ScalingPoint[] {
  const sample = fc.sample(fc.tuple(row.unit, mutation, fc.uint8Array({ maxLength: 8 })), {
    numRuns: 4000,
    seed,
  });
  const parts = sample.map(([u, m, g]) => Buffer.concat([mutate(u, m).bytes, g]));
  return sizes.map((size) => {
    const pieces: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; total < size; i++) {
      const p = parts[i % parts.length]!;
      pieces.push(p);
      total += p.length;
    }
    const stream = Buffer.concat(pieces).subarray(0, size);
    const chunks = cut(stream, [256]).length > 1 ? chunkEvery(stream, 256) : [stream];
    const started = process.hrtime.bigint();
    let repeats = 0;
    do {
      try {
        row.run(chunks, []);
      } catch {
        // a package error ends that run; its time still counts
      }
      repeats++;
    } while (process.hrtime.bigint() - started < 200_000_000n && repeats < 1000);
    const ns = Number(process.hrtime.bigint() - started);
    return { bytes: stream.length, nsPerByte: ns / repeats / stream.length };
  });
}

function chunkEvery(stream: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += size) out.push(stream.subarray(at, at + size));
  return out;
}
