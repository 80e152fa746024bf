/**
 * Scenario 10 — footprint. Node-RED 4.1 in child processes (bench/footprint-child.ts, loopback,
 * a temp userDir each), Dashboard 2 loaded in every variant so that only this package differs:
 *
 *   base-empty   without the package, empty flow
 *   base-demo    without the package, the demo flow minus this package's nodes (its dashboard part)
 *   pkg-empty    with the package, empty flow
 *   pkg-demo     with the package, examples/demo.json as shipped
 *
 * Each child reports RSS and heap used after a forced GC, once the flows have run a few seconds,
 * and the number of the package's modules loaded. Variants run in alternating rounds; the
 * figures are medians. Deltas are against the no-package variant of the same flow, same run.
 * The demo child also gives the time from deploy ('flows:starting') to the first watlow-poll
 * output.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Scenario, ScenarioResult } from './harness';
import { median, round, spawnTracked, stopChild, withTimeout } from './harness';

const MiB = 1024 * 1024;
const ROUNDS = 2;
const SETTLE_MS = 3000;
const CHILD_CAP_MS = 40_000;

/** What footprint-child.js reports. */
export interface FootprintReport {
  rss: number;
  heapUsed: number;
  packageModules: number;
  /** The package's modules in require.cache, relative to dist/. */
  moduleFiles: string[];
  firstValueMs: number | null;
  gc: boolean;
}

type Variant = 'base-empty' | 'base-demo' | 'pkg-empty' | 'pkg-demo';
const VARIANTS: readonly Variant[] = ['base-empty', 'pkg-empty', 'base-demo', 'pkg-demo'];

const root = path.resolve(__dirname, '..', '..');

function packageNodeTypes(): Set<string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    'node-red': { nodes: Record<string, string> };
  };
  return new Set(Object.keys(pkg['node-red'].nodes));
}

function flowFor(variant: Variant): unknown[] {
  if (variant.endsWith('empty')) return [];
  const demo = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'demo.json'), 'utf8')) as {
    type: string;
  }[];
  if (variant === 'pkg-demo') return demo;
  const ours = packageNodeTypes();
  return demo.filter((n) => !ours.has(n.type));
}

/**
 * Node-RED 4.1 in a child process (footprint-child.js) running `flows`, with or without the
 * package installed; resolves with its report once the flows have settled for `settleMs`.
 */
export async function runFootprintChild(options: {
  label: string;
  flows: unknown[];
  withPackage: boolean;
  settleMs?: number;
}): Promise<FootprintReport> {
  const { label } = options;
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `labbench-footprint-${label}-`));
  try {
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(options.flows));
    const child = spawnTracked(
      process.execPath,
      ['--expose-gc', path.join(__dirname, 'footprint-child.js')],
      {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: {
          ...process.env,
          LABBENCH_USERDIR: userDir,
          LABBENCH_WITH_PACKAGE: options.withPackage ? '1' : '0',
          LABBENCH_SETTLE_MS: String(options.settleMs ?? SETTLE_MS),
        },
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    child.stdout?.resume();
    const report = new Promise<FootprintReport>((resolve, reject) => {
      child.once('message', (m) => resolve(m as FootprintReport));
      child.once('exit', (code) => reject(new Error(`${label} child exited (${code}): ${stderr}`)));
    });
    try {
      return await withTimeout(report, CHILD_CAP_MS, `footprint child ${label}`);
    } finally {
      await stopChild(child);
    }
  } finally {
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

function runChild(variant: Variant): Promise<FootprintReport> {
  return runFootprintChild({
    label: variant,
    flows: flowFor(variant),
    withPackage: variant.startsWith('pkg'),
  });
}

function mib(bytes: number): number {
  return round(bytes / MiB, 1);
}

export const footprintScenario: Scenario = {
  id: 's12',
  title: 'Footprint (Node-RED child processes)',
  budgetMs: 150_000,
  async run(): Promise<ScenarioResult[]> {
    const reports: Record<Variant, FootprintReport[]> = {
      'base-empty': [],
      'base-demo': [],
      'pkg-empty': [],
      'pkg-demo': [],
    };
    for (let r = 0; r < ROUNDS; r++) for (const v of VARIANTS) reports[v].push(await runChild(v));
    const med = (v: Variant, key: 'rss' | 'heapUsed'): number => median(reports[v].map((x) => x[key]));
    const delta = (
      id: string,
      what: string,
      pkg: Variant,
      base: Variant,
      targetMiB: number,
    ): ScenarioResult => {
      const d = med(pkg, 'rss') - med(base, 'rss');
      return {
        id,
        description: `RSS added by the package after GC, ${what} (Node-RED 4.1 + Dashboard 2 in both)`,
        figure: mib(d),
        unit: 'MiB',
        baseline: mib(med(base, 'rss')),
        baselineDescription: `RSS of the same runtime and flow without the package (${base}), same run`,
        target: `<= +${targetMiB} MiB`,
        met: d <= targetMiB * MiB,
        details: {
          rssMiB: mib(med(pkg, 'rss')),
          heapUsedMiB: mib(med(pkg, 'heapUsed')),
          heapUsedDeltaMiB: mib(med(pkg, 'heapUsed') - med(base, 'heapUsed')),
          baseHeapUsedMiB: mib(med(base, 'heapUsed')),
          packageModules: median(reports[pkg].map((x) => x.packageModules)),
          rounds: ROUNDS,
          gc: reports[pkg].every((x) => x.gc),
        },
      };
    };
    const firstValues = reports['pkg-demo'].map((x) => x.firstValueMs).filter((x): x is number => x !== null);
    const firstValue = median(firstValues);
    return [
      delta('footprint-empty-flow', 'no labbench node deployed', 'pkg-empty', 'base-empty', 3),
      delta('footprint-demo-flow', 'the demo flow', 'pkg-demo', 'base-demo', 10),
      {
        id: 'deploy-to-first-value',
        description: "time from deploy ('flows:starting') to the demo's first watlow-poll output",
        figure: round(firstValue / 1000, 3),
        unit: 's',
        target: '<= 0.8 s',
        met: firstValue <= 800,
        details: { samples: firstValues.map((x) => round(x, 0)).join(' '), rounds: ROUNDS },
      },
    ];
  },
};
