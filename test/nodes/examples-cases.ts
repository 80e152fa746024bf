/**
 * Every example flow in examples/ (Import > Examples) loads with no unknown type, deploys, and
 * produces output from each of the package's flow nodes in it when its inject nodes fire.
 * demo.json uses FlowFuse Dashboard 2 widgets: those are loaded for real (with an HTTP server).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runWatlowSimulator, type RunningWatlowSimulator } from '../../src/sim/watlow';
import { answers, PACKAGE_NODES, settle, until, type FlowNode, type Harness } from './harness';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');
const FLOW_TYPES = new Set([
  'watlow-poll',
  'watlow-write',
  'keithley-supply',
  'keithley-battery',
  'labbench-cache-clear',
  'scpi',
  'modbus',
]);
const DASHBOARD_FILES: Record<string, string> = {
  'ui-base': 'config/ui_base',
  'ui-page': 'config/ui_page',
  'ui-group': 'config/ui_group',
  'ui-theme': 'config/ui_theme',
  'ui-chart': 'widgets/ui_chart',
  'ui-slider': 'widgets/ui_slider',
  'ui-switch': 'widgets/ui_switch',
  'ui-button': 'widgets/ui_button',
  'ui-text': 'widgets/ui_text',
  'ui-gauge': 'widgets/ui_gauge',
};

/** What an emulated dashboard control sends (its configured topic and a value in range). */
const CONTROL_VALUE: Record<string, (n: FlowNode) => unknown> = {
  'ui-slider': (n) => Math.min(Number(n.max), Number(n.min) + 10 * Number(n.step || 1)),
  'ui-switch': () => true,
  'ui-button': (n) => (n.payloadType === 'json' ? JSON.parse(String(n.payload)) : n.payload),
};

/** Flow nodes of the examples that exist to show a refusal (they answer through Catch only). */
const INTENDED_ERROR_DEMOS = new Set(['watlow-write.json#processValue']);

/** The dashboard widget types a flow uses. */
function dashboardTypes(flow: FlowNode[]): string[] {
  return [...new Set(flow.map((n) => n.type).filter((t) => t.startsWith('ui-')))];
}

/** Our nodes, the core nodes the examples use, and the Dashboard 2 modules for `uiTypes`. */
function runtimeModules(h: Harness, uiTypes: string[]): unknown[] {
  const modules: unknown[] = [
    ...PACKAGE_NODES,
    h.coreNode('common/20-inject.js'),
    h.coreNode('common/21-debug.js'),
    h.coreNode('common/90-comment.js'),
    h.coreNode('function/15-change.js'),
    h.coreNode('function/10-switch.js'),
  ];
  if (uiTypes.length > 0) {
    const dashboard = path.dirname(require.resolve('@flowfuse/node-red-dashboard/package.json'));
    for (const t of uiTypes) {
      assert.ok(DASHBOARD_FILES[t], `known dashboard type ${t}`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      modules.push(require(path.join(dashboard, 'nodes', `${DASHBOARD_FILES[t]}.js`)));
    }
  }
  return modules;
}

/** What a flow node sends when the test "clicks" it: an inject's receive, a control's output. */
function fire(h: Harness, n: FlowNode): boolean {
  if (n.type === 'inject') h.helper.getNode(n.id).receive({});
  else if (CONTROL_VALUE[n.type]) {
    const control = h.helper.getNode(n.id) as unknown as { send(msg: Record<string, unknown>): void };
    control.send({ topic: n.topic, payload: CONTROL_VALUE[n.type]!(n) });
  } else return false;
  return true;
}

/** Inject nodes that exist to show a refusal say so in their name, e.g. "voltage 50 (E_OUT_OF_RANGE)". */
const INTENDED_REFUSAL = /\(E_[A-Z_]+\)/;

/** A message that only starts or stops a monitor is answered by the ticks, not by a message. */
function onlyStartsOrStopsMonitor(n: FlowNode): boolean {
  if (n.topic === 'monitor') return true;
  if (n.payloadType !== 'json') return false;
  const payload = JSON.parse(String(n.payload)) as Record<string, unknown>;
  return Object.keys(payload).length === 1 && 'monitor' in payload;
}

/** The simulated resources a flow opens: `sim:<bus>` buses and `SIM::…::INSTR` instruments. */
function simulatedResources(flow: FlowNode[]): string[] {
  const out: string[] = [];
  for (const n of flow) {
    if (n.type === 'labbench-serial-port') out.push(String(n.path).split('?')[0]!.toLowerCase());
    if (n.type === 'labbench-visa') out.push(String(n.resource).toUpperCase());
  }
  return out;
}

interface StartableHelper {
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
}

interface DeviceServers {
  /** `npm start`'s reading of the examples: `"127.0.0.1:4001"` → the example and its controllers. */
  deviceServersOfExamples(examples: string): Map<string, { file: string; addresses: number[] }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { deviceServersOfExamples } = require(
  path.resolve(__dirname, '..', '..', '..', 'scripts', 'example-device-servers.js'),
) as DeviceServers;

/**
 * The device servers the examples expect (what `npm start` runs for them), each served here by the
 * simulator on a free loopback port: `tcp://127.0.0.1:4001` → the simulator serving it.
 */
const deviceServers = new Map<string, RunningWatlowSimulator>();

/** An example's flow, its device-server paths pointing at the simulators this suite serves. */
function readExample(file: string): FlowNode[] {
  const flow = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as FlowNode[];
  return flow.map((n) => {
    const url = typeof n.path === 'string' ? deviceServers.get(n.path)?.deviceServer?.url : undefined;
    return url ? { ...n, path: url } : n;
  });
}

export function exampleCases(ctx: { h(): Harness }): void {
  describe('examples', () => {
    before(async () => {
      for (const [listen, { addresses }] of deviceServersOfExamples(EXAMPLES)) {
        const sim = await runWatlowSimulator(['--tcp', '127.0.0.1:0', '--addresses', addresses.join(',')]);
        deviceServers.set(`tcp://${listen}`, sim);
      }
    });
    after(async () => {
      for (const sim of deviceServers.values()) await sim.close();
      deviceServers.clear();
    });

    it('the device-server example is served as npm start serves it (one simulator, its controller)', () => {
      const served = deviceServersOfExamples(EXAMPLES);
      assert.deepEqual(
        [...served],
        [['127.0.0.1:4001', { file: 'watlow-device-server.json', addresses: [1] }]],
      );
      assert.ok(deviceServers.get('tcp://127.0.0.1:4001')?.deviceServer?.url.startsWith('tcp://127.0.0.1:'));
    });
    const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

    it('cover every flow node type, and demo.json exists', () => {
      const covered = new Set<string>();
      for (const f of files)
        for (const n of JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), 'utf8')) as FlowNode[])
          covered.add(n.type);
      for (const t of FLOW_TYPES) assert.ok(covered.has(t), `an example uses ${t}`);
      assert.ok(files.includes('demo.json'));
      for (const t of FLOW_TYPES) assert.ok(files.includes(`${t}.json`), `examples/${t}.json`);
    });

    it('every example has its own node ids and its own simulated resources', () => {
      const owner = new Map<string, string>();
      for (const file of files) {
        const flow = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as FlowNode[];
        for (const key of [...flow.map((n) => n.id), ...simulatedResources(flow)]) {
          assert.ok(!owner.has(key), `${file} reuses ${key} of ${owner.get(key)}`);
          owner.set(key, file);
        }
      }
    });

    it('all examples and the demo run side by side in one runtime; nothing reaches Catch', async () => {
      const h = ctx.h();
      const flow = files.flatMap((f) => readExample(f));
      const uiTypes = dashboardTypes(flow);
      const helper = h.helper as unknown as StartableHelper;
      // The test helper registers its built-in Catch module once per catch node in the flow, which
      // fails from the second one on; with one Catch per example, Catch is passed as a module instead.
      const builtIn = (h.helper as unknown as { _nodeModules: Record<string, unknown> })._nodeModules;
      const helperCatch = builtIn.catch;
      delete builtIn.catch;
      await helper.startServer();
      try {
        await h.helper.load([...runtimeModules(h, uiTypes), h.coreNode('common/25-catch.js')], flow);
        const catches = flow.filter((n) => n.type === 'catch');
        const caught: unknown[] = [];
        for (const c of catches) h.helper.getNode(c.id).on('call:send', (call: unknown) => caught.push(call));
        // A node fed only by refusal demos has nothing to show here; every other one must answer.
        const refusals = new Set(
          flow.filter((n) => n.type === 'inject' && INTENDED_REFUSAL.test(String(n.name))).map((n) => n.id),
        );
        const feeders = new Map<string, string[]>();
        for (const n of flow)
          for (const out of (n.wires as string[][] | undefined) ?? [])
            for (const to of out) feeders.set(to, [...(feeders.get(to) ?? []), n.id]);
        const onlyRefusals = (id: string) => {
          const from = feeders.get(id) ?? [];
          return from.length > 0 && from.every((f) => refusals.has(f));
        };
        const ours = flow.filter((n) => FLOW_TYPES.has(n.type) && !onlyRefusals(n.id));
        const answered = new Map(ours.map((n) => [n.id, answers(h, n.id)]));
        // One click at a time, as a user would: wait for the answer of the node a click feeds.
        for (const n of flow) {
          if (refusals.has(n.id)) continue;
          const fed = ((n.wires as string[][] | undefined) ?? []).flat().filter((id) => answered.has(id));
          const total = () =>
            fed.reduce((t, id) => t + answered.get(id)!.sends + answered.get(id)!.errors, 0);
          const before = total();
          if (!fire(h, n)) continue;
          if (fed.length > 0 && !onlyStartsOrStopsMonitor(n))
            await until(() => total() > before, `an answer to "${String(n.name)}"`, 8000);
          await settle(20);
        }
        const silent = () =>
          ours.filter((n) => answered.get(n.id)!.sends === 0).map((n) => `${n.type} "${n.name || n.id}"`);
        await until(() => silent().length === 0, `output from ${silent().join(', ')}`, 8000);
        await settle(200);
        assert.deepEqual(
          caught.map((c) => JSON.stringify((c as { args: unknown[] }).args[0]).slice(0, 300)),
          [],
          'nothing reached a Catch node',
        );
        assert.equal(catches.length, files.length, 'every example has its Catch node');
      } finally {
        builtIn.catch = helperCatch;
        await h.helper.unload();
        await helper.stopServer();
      }
    });

    for (const file of files) {
      it(`${file} loads with no unknown type, deploys, and every package flow node produces output`, async () => {
        const h = ctx.h();
        const flow = readExample(file);
        const uiTypes = dashboardTypes(flow);
        const modules = runtimeModules(h, uiTypes);
        const helper = h.helper as unknown as StartableHelper;
        if (uiTypes.length > 0) await helper.startServer();
        try {
          await h.helper.load(modules, flow);
          // Every node (flow and config) was created: no type was unknown.
          for (const n of flow) {
            if (n.type === 'tab') continue;
            assert.ok(h.helper.getNode(n.id), `${file}: ${n.type} ${n.id} is running`);
          }
          const ours = flow.filter((n) => FLOW_TYPES.has(n.type));
          const answered = new Map(ours.map((n) => [n.id, answers(h, n.id)]));
          const sent = (n: FlowNode) => answered.get(n.id)!.sends;
          // Fire the inject nodes in file order, settling after each ("open, then clear";
          // "set, then read"); dashboard controls are emulated by sending what they would send.
          for (const n of flow) if (fire(h, n)) await settle(40);
          const silent = () =>
            ours.filter((n) => sent(n) + answered.get(n.id)!.errors === 0).map((n) => `${n.type} ${n.id}`);
          await until(() => silent().length === 0, `${file}: an answer from ${silent().join(', ')}`, 8000);
          // …and the example as a whole produced output messages, not only errors.
          assert.ok(ours.reduce((total, n) => total + sent(n), 0) > 0, `${file} produced output`);
          const errorsOnly = ours.filter((n) => sent(n) === 0).map((n) => n.name || n.id);
          for (const n of ours) {
            if (sent(n) === 0)
              assert.ok(
                INTENDED_ERROR_DEMOS.has(`${file}#${String(n.parameter ?? '')}`),
                `${file}: ${errorsOnly.join(', ')} sent nothing`,
              );
          }
        } finally {
          await h.helper.unload();
          if (uiTypes.length > 0) await helper.stopServer();
        }
      });
    }
  });
}
