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
import * as path from 'path';
import type { Scenario, ScenarioResult } from './harness';
import { killAllChildren, round, skipped, spawnTracked, withTimeout } from './harness';

/** Prefixes the one line of JSON an isolated child prints (Node-RED may log on stdout too). */
const RESULT_MARKER = 'BENCH-RESULT ';

/** The whole run (excluding the build) stays under ~5 minutes on a 2-core machine. */
const RUN_BUDGET_MS = 270_000;

/**
 * A scenario registers itself by being a module in bench/scenarios/ named `<id>-<slug>` that
 * exports `scenario`; nothing here lists them. Modules are loaded only when their scenario runs,
 * so an isolated scenario's dependencies (Node-RED, the nodes) never load in this process.
 */
interface ScenarioEntry {
  id: string;
  /** The file name's slug, until the module is loaded and gives its title. */
  title: string;
  load: () => Scenario;
}

const SCENARIO_DIR = path.join(__dirname, 'scenarios');

function scenarioEntries(): ScenarioEntry[] {
  return fs
    .readdirSync(SCENARIO_DIR)
    .filter((f) => /^s\d+[a-z]?-[\w-]+\.js$/.test(f))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((file) => {
      const [id, ...slug] = file.replace(/\.js$/, '').split('-');
      return {
        id: id!,
        title: slug.join(' '),
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        load: () => (require(path.join(SCENARIO_DIR, file)) as { scenario: Scenario }).scenario,
      };
    });
}

function machine(): Record<string, string | number> {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name[ \t]*:[ \t]*(\S.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
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
    if (scenario.id !== entry.id) throw new Error(`module exports scenario ${scenario.id}, not ${entry.id}`);
    entry.title = scenario.title;
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
    const entry = scenarioEntries().find((s) => s.id === argv[childIndex + 1]);
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

  for (const entry of scenarioEntries()) {
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
