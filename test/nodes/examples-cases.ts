/**
 * Every example flow in examples/ (Import > Examples) loads with no unknown type, deploys, and
 * produces output from each of the package's flow nodes in it when its inject nodes fire.
 * demo.json uses FlowFuse Dashboard 2 widgets: those are loaded for real (with an HTTP server).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { answers, PACKAGE_NODES, settle, until, type FlowNode, type Harness } from './harness';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');
const FLOW_TYPES = new Set([
  'watlow-poll',
  'watlow-write',
  'keithley-supply',
  'keithley-battery',
  'labbench-cache-clear',
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

interface StartableHelper {
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
}

export function exampleCases(ctx: { h(): Harness }): void {
  describe('examples', () => {
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

    for (const file of files) {
      it(`${file} loads with no unknown type, deploys, and every package flow node produces output`, async () => {
        const h = ctx.h();
        const flow = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as FlowNode[];
        const modules: unknown[] = [
          ...PACKAGE_NODES,
          h.coreNode('common/20-inject.js'),
          h.coreNode('common/21-debug.js'),
          h.coreNode('common/90-comment.js'),
        ];
        const uiTypes = [...new Set(flow.map((n) => n.type).filter((t) => t.startsWith('ui-')))];
        const helper = h.helper as unknown as StartableHelper;
        if (uiTypes.length > 0) {
          const dashboard = path.dirname(require.resolve('@flowfuse/node-red-dashboard/package.json'));
          for (const t of uiTypes) {
            assert.ok(DASHBOARD_FILES[t], `known dashboard type ${t}`);
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            modules.push(require(path.join(dashboard, 'nodes', `${DASHBOARD_FILES[t]}.js`)));
          }
          await helper.startServer();
        }
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
          for (const n of flow) {
            if (n.type === 'inject') h.helper.getNode(n.id).receive({});
            else if (CONTROL_VALUE[n.type]) {
              const control = h.helper.getNode(n.id) as unknown as {
                send(msg: Record<string, unknown>): void;
              };
              control.send({ topic: n.topic, payload: CONTROL_VALUE[n.type]!(n) });
            } else continue;
            await settle(40);
          }
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
