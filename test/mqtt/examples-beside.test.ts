/**
 * The MQTT examples (examples/mqtt/, a folder of its own under Import > Examples) import beside
 * the demo and every other example: their own node ids, their own simulated resources, and a
 * dashboard that joins the demo's rather than fighting it.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

type FlowNode = Record<string, unknown> & { id: string; type: string };
const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');

/** Every example file, folders included, as its path under examples/. */
function exampleFiles(dir = EXAMPLES): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return exampleFiles(full);
    return e.name.endsWith('.json') ? [path.relative(EXAMPLES, full)] : [];
  });
}

const flows = new Map(
  exampleFiles().map((f) => [f, JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), 'utf8')) as FlowNode[]]),
);

/** The simulated resources a flow opens: `sim:<bus>` buses and `SIM::…::INSTR` instruments. */
function simulatedResources(flow: FlowNode[]): string[] {
  return flow.flatMap((n) => {
    if (n.type === 'labbench-serial-port') return [String(n.path).split('?')[0]!.toLowerCase()];
    if (n.type === 'labbench-visa') return [String(n.resource).toUpperCase()];
    return [];
  });
}

describe('MQTT examples beside the demo and the other examples', () => {
  it('both MQTT examples exist', () => {
    assert.ok(flows.has(path.join('mqtt', 'bench.json')));
    assert.ok(flows.has(path.join('mqtt', 'control-room.json')));
  });

  it('no node id and no simulated resource is used by two example files', () => {
    const owner = new Map<string, string>();
    for (const [file, flow] of flows)
      for (const key of [...flow.map((n) => n.id), ...simulatedResources(flow)]) {
        assert.ok(!owner.has(key), `${file} reuses ${key} of ${owner.get(key)}`);
        owner.set(key, file);
      }
  });

  it("the control room's dashboard joins the demo's: same ui-base settings, its own page path", () => {
    // Dashboard 2 keeps one ui-base in the editor and moves a second one's pages onto it.
    const settings = (n: FlowNode) => JSON.stringify({ ...n, id: undefined, x: undefined, y: undefined });
    const demoBase = flows.get('demo.json')!.find((n) => n.type === 'ui-base')!;
    const roomBase = flows.get(path.join('mqtt', 'control-room.json'))!.find((n) => n.type === 'ui-base')!;
    assert.equal(settings(roomBase), settings(demoBase));
    const pages = [...flows.values()].flat().filter((n) => n.type === 'ui-page');
    assert.equal(new Set(pages.map((p) => p.path)).size, pages.length, 'every page has its own path');
  });

  it('each MQTT example has its own broker config on its own tab, 127.0.0.1:1883, MQTT v5', () => {
    for (const file of ['bench.json', 'control-room.json']) {
      const flow = flows.get(path.join('mqtt', file))!;
      const tab = flow.find((n) => n.type === 'tab')!;
      const brokers = flow.filter((n) => n.type === 'mqtt-broker');
      assert.equal(brokers.length, 1, file);
      assert.equal(brokers[0]!.z, tab.id, `${file}: the broker config belongs to its tab`);
      assert.equal(brokers[0]!.broker, '127.0.0.1');
      assert.equal(brokers[0]!.port, '1883');
      assert.equal(brokers[0]!.protocolVersion, 5, 'correlation data and response topics need MQTT v5');
    }
  });
});
