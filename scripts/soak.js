'use strict';
// The long run of the attack suites (`npm run soak`): fuzz (≥ 1M frames per decoder, fresh seeds,
// time per input size), soak, storm (≥ 300 deploys) and unplug, then one JSON summary on stdout.
// Options: --only=fuzz,soak,storm,unplug  --frames=N  --polls=N  --deploys=N  --cycles=N  --seed=N
// Needs a build (npm run build) and socat. Progress goes to stderr.
const path = require('path');

const dist = path.resolve(__dirname, '..', 'dist', 'test');
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);
const only = new Set((args.only ?? 'fuzz,soak,storm,unplug').split(','));
const seed = Number(args.seed ?? Date.now() % 1_000_000);
const log = (text) => process.stderr.write(`soak: ${text}\n`);
// stdout carries only the JSON summary: the simulators' "ready" lines go to stderr.
console.log = (...parts) => process.stderr.write(`${parts.join(' ')}\n`);

async function main() {
  const summary = { seed, node: process.version, startedAt: new Date().toISOString() };
  if (only.has('fuzz')) {
    const { DECODERS } = require(path.join(dist, 'fuzz', 'decoders.js'));
    const { fuzzDecoder, measureScaling } = require(path.join(dist, 'fuzz', 'harness.js'));
    const frames = Number(args.frames ?? 1_000_000);
    summary.fuzz = [];
    for (const [i, row] of DECODERS.entries()) {
      log(`fuzz ${row.name}: ${frames} frames`);
      const stats = fuzzDecoder(row, { frames, seed: seed + i });
      const scaling = measureScaling(row, [1_000, 10_000, 100_000], seed + i);
      const growth = scaling[scaling.length - 1].nsPerByte / scaling[0].nsPerByte;
      summary.fuzz.push({ ...stats, scaling, nsPerByteGrowth1kTo100k: growth });
    }
  }
  if (only.has('soak')) {
    const { runSoak } = require(path.join(dist, 'attack', 'soak.js'));
    const polls = Number(args.polls ?? 2000);
    log(`soak: ${polls} polls`);
    summary.soak = await runSoak({ polls, faultRate: 0.08, seed });
  }
  if (only.has('storm')) {
    const { runStorm } = require(path.join(dist, 'attack', 'storm.js'));
    const deploys = Number(args.deploys ?? 320);
    log(`storm: ${deploys} deploys`);
    summary.storm = await runStorm({ deploys, seed });
  }
  if (only.has('unplug')) {
    const { runUnplug } = require(path.join(dist, 'attack', 'soak.js'));
    const cycles = Number(args.cycles ?? 10);
    log(`unplug: ${cycles} cycles`);
    const u = await runUnplug({ cycles, seed });
    const range = (xs) => ({
      min: Math.min(...xs),
      median: xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)],
      max: Math.max(...xs),
    });
    summary.unplug = {
      ...u,
      ptyMs: range(u.ptyReplugToFirstValueMs),
      tcpMs: range(u.tcpReplugToFirstValueMs),
    };
  }
  summary.seconds = process.uptime();
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`soak: FAILED: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
