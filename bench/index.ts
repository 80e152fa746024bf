/**
 * `npm run bench`: runs every scenario, prints the JSON report on stdout and a short table on
 * stderr. Each scenario gives its figure, the baseline measured in the same run, and their ratio.
 *
 *   node dist/bench/index.js                 every scenario
 *   node dist/bench/index.js --only s1,s5    some of them
 *   node dist/bench/index.js --child s7a     (internal) one isolated scenario, JSON on stdout
 *
 * Isolated scenarios (memory, Node-RED) run in a fresh `node --expose-gc` child so that their
 * heap figures and Node-RED's module-level state are their own. Every child (simulators, socat,
 * isolated scenarios) is killed when the bench exits, however it exits; a watchdog ends the whole
 * run after RUN_BUDGET_MS with what it has.
 */
import * as fs from 'fs';
import * as os from 'os';
import type { Scenario, ScenarioResult } from './harness';
import { killAllChildren, round, skipped, spawnTracked, withTimeout } from './harness';

/** Prefixes the one line of JSON an isolated child prints (Node-RED may log on stdout too). */
const RESULT_MARKER = 'BENCH-RESULT ';

/** The whole run (excluding the build) stays under ~5 minutes on a 2-core machine. */
const RUN_BUDGET_MS = 270_000;

interface ScenarioEntry {
  id: string;
  title: string;
  load: () => Scenario;
}

/* eslint-disable @typescript-eslint/no-require-imports */
const SCENARIOS: ScenarioEntry[] = [
  {
    id: 's1',
    title: 'transaction overhead (in-process simulator)',
    load: () => (require('./watlow-overhead') as Record<string, Scenario>).watlowOverhead,
  },
  {
    id: 's2',
    title: 'real serial path (socat PTY pair)',
    load: () => (require('./pty') as Record<string, Scenario>).ptyScenario,
  },
  {
    id: 's3',
    title: 'scaling across ports (paced simulator)',
    load: () => (require('./scaling') as Record<string, Scenario>).scalingScenario,
  },
  {
    id: 's4',
    title: 'Modbus coalescing',
    load: () => (require('./coalescing') as Record<string, Scenario>).coalescingScenario,
  },
  {
    id: 's5',
    title: 'SCPI over TCP loopback, entry-function switching',
    load: () => (require('./scpi') as Record<string, Scenario>).scpiScenario,
  },
  {
    id: 's6',
    title: 'Node-RED end to end',
    load: () => (require('./node-red') as Record<string, Scenario>).nodeRedScenario,
  },
  {
    id: 's8',
    title: 'paced Modbus RTU on a real PTY (simulator pacing bytes at 38400 baud)',
    load: () => (require('./paced-pty') as Record<string, Scenario>).pacedPtyScenario,
  },
  {
    id: 's7a',
    title: 'memory over 200k transactions',
    load: () => (require('./memory') as Record<string, Scenario>).transactionMemoryScenario,
  },
  {
    id: 's7b',
    title: 'memory over 500 redeploys',
    load: () => (require('./memory') as Record<string, Scenario>).redeployMemoryScenario,
  },
  {
    id: 's8',
    title: 'free-form SCPI: binary blocks over TCP, 2281S state round trips',
    load: () => (require('./scpi-blocks') as Record<string, Scenario>).scpiBlocksScenario,
  },
];
/* eslint-enable @typescript-eslint/no-require-imports */

function machine(): Record<string, string | number> {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    // not Linux
  }
  return {
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpu,
    node: process.version,
    platform: `${process.platform} ${os.release()}`,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
  };
}

function failed(entry: ScenarioEntry, err: unknown): ScenarioResult {
  const message = err instanceof Error ? err.message : String(err);
  return skipped(entry.id, entry.title, `failed: ${message}`);
}

/** Runs an isolated scenario in a child; its stdout is one JSON array of results. */
async function runIsolated(entry: ScenarioEntry, budgetMs: number): Promise<ScenarioResult[]> {
  const child = spawnTracked(process.execPath, ['--expose-gc', __filename, '--child', entry.id], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: string) => (out += c));
  child.stderr!.on('data', (c: string) => {
    err += c;
    process.stderr.write(c);
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let code: number | null;
  try {
    code = await withTimeout(exit, budgetMs, `scenario ${entry.id}`);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const line = out.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (!line) throw new Error(`child exited ${code} without a report: ${(err || out).slice(-500)}`);
  return JSON.parse(line.slice(RESULT_MARKER.length)) as ScenarioResult[];
}

async function runEntry(entry: ScenarioEntry, remainingMs: number): Promise<ScenarioResult[]> {
  let scenario: Scenario;
  try {
    scenario = entry.load();
    if (!scenario || typeof scenario.run !== 'function')
      throw new Error('module does not export the scenario');
  } catch (err) {
    return [
      skipped(entry.id, entry.title, `not available: ${err instanceof Error ? err.message : String(err)}`),
    ];
  }
  const budget = Math.min(scenario.budgetMs, remainingMs);
  if (budget < 5000)
    return [skipped(entry.id, entry.title, 'out of run time (the run is capped at ~5 minutes)')];
  try {
    if (scenario.isolated) return await runIsolated(entry, budget);
    return await withTimeout(scenario.run(), budget, `scenario ${entry.id}`);
  } catch (err) {
    return [failed(entry, err)];
  }
}

function table(results: ScenarioResult[]): string {
  const rows = results.map((r) => {
    if (r.skipped) return `${r.id.padEnd(26)} SKIPPED: ${r.skipped}`;
    const ratio = r.ratio === undefined ? '' : `ratio ${r.ratio}`;
    const mark = r.met === undefined ? '' : r.met ? 'met' : 'MISSED';
    return `${r.id.padEnd(26)} ${String(r.figure).padStart(10)} ${r.unit.padEnd(16)} base ${String(r.baseline ?? '-').padStart(10)}  ${ratio.padEnd(14)} ${(r.target ?? '').padEnd(30)} ${mark}`;
  });
  return rows.join('\n');
}

async function main(argv: string[]): Promise<void> {
  const childIndex = argv.indexOf('--child');
  if (childIndex >= 0) {
    const entry = SCENARIOS.find((s) => s.id === argv[childIndex + 1]);
    if (!entry) throw new Error(`unknown scenario ${argv[childIndex + 1]}`);
    const results = await entry.load().run();
    await new Promise<void>((resolve) =>
      process.stdout.write(`${RESULT_MARKER}${JSON.stringify(results)}\n`, () => resolve()),
    );
    return;
  }
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex >= 0 ? new Set(argv[onlyIndex + 1]?.split(',')) : undefined;
  const started = Date.now();
  const results: ScenarioResult[] = [];
  const report = (): string =>
    JSON.stringify(
      {
        date: new Date(started).toISOString(),
        machine: machine(),
        durationS: round((Date.now() - started) / 1000, 1),
        scenarios: results,
      },
      null,
      2,
    );
  // The watchdog: whatever happens, the run ends within its budget and says what it has.
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: run budget of ${RUN_BUDGET_MS / 1000} s exhausted; reporting what ran\n`);
    killAllChildren();
    process.stdout.write(`${report()}\n`);
    process.exit(2);
  }, RUN_BUDGET_MS + 15_000);
  watchdog.unref();

  for (const entry of SCENARIOS) {
    if (only && !only.has(entry.id) && !only.has(entry.id.replace(/[ab]$/, ''))) continue;
    const t0 = Date.now();
    process.stderr.write(`bench: ${entry.id} ${entry.title}…\n`);
    const out = await runEntry(entry, RUN_BUDGET_MS - (Date.now() - started));
    results.push(...out);
    process.stderr.write(`${table(out)}\n  (${round((Date.now() - t0) / 1000, 1)} s)\n`);
  }
  clearTimeout(watchdog);
  process.stdout.write(`${report()}\n`);
  process.stderr.write(`\n${table(results)}\n\nbench: ${round((Date.now() - started) / 1000, 1)} s\n`);
}

main(process.argv.slice(2)).then(
  () => {
    killAllChildren();
    // Simulators, sockets and Node-RED leave handles behind on purpose-free paths: end now.
    process.exit(0);
  },
  (err: unknown) => {
    killAllChildren();
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
