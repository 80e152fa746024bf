/**
 * The Node-RED node suite, run once per Node-RED version (nr4.test.ts, nr5.test.ts). Every test
 * deploys real flows through node-red-node-test-helper, with the real Catch node, on the built-in
 * simulators; assertions are about behaviour (messages, codes, counts), never about timing.
 */
import { strict as assert } from 'node:assert';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  collect,
  createHarness,
  installOpenCounter,
  PACKAGE_NODES,
  placed,
  settle,
  tabWithCatch,
  until,
  type FlowNode,
  type Harness,
} from './harness';
import { keithleyCases } from './keithley-cases';
import { watlowCases } from './watlow-cases';
import { redeployCases } from './redeploy-cases';
import { exampleCases } from './examples-cases';

export function defineSuite(runtimeName: 'node-red' | 'node-red-5'): void {
  let h: Harness;
  let seq = 0;
  /** A fresh simulated resource name per test, so tests never share a bus or instrument. */
  const unique = (prefix: string) => `${prefix}${process.pid}x${++seq}`;

  describe(`labbench nodes on ${runtimeName}`, () => {
    const crashes: unknown[] = [];
    const onCrash = (err: unknown) => crashes.push(err);
    before(() => {
      h = createHarness(runtimeName);
      installOpenCounter();
      process.on('unhandledRejection', onCrash);
      process.on('uncaughtException', onCrash);
    });
    afterEach(async () => {
      await h.helper.unload();
    });
    after(async () => {
      await settle(50);
      process.off('unhandledRejection', onCrash);
      process.off('uncaughtException', onCrash);
      // Nothing the nodes did, in any test, rejected unhandled or threw out of an event handler.
      assert.deepEqual(crashes.map(String), []);
    });

    it('loads the runtime it was asked for', () => {
      const major = Number(h.version().split('.')[0]);
      assert.equal(major, runtimeName === 'node-red' ? 4 : 5);
    });

    keithleyCases({ h: () => h, unique });
    watlowCases({ h: () => h, unique });
    redeployCases({ h: () => h, unique });
    exampleCases({ h: () => h });

    describe('labbench-cache-clear', () => {
      it('drops drivers and reports {scope, drivers, closed, kept}', async () => {
        const flow: FlowNode[] = [
          ...tabWithCatch(),
          {
            id: 'cc',
            type: 'labbench-cache-clear',
            z: 'tab1',
            scope: 'drivers',
            target: '',
            wires: [['out']],
          },
          { id: 'out', type: 'helper', z: 'tab1' },
        ];
        await h.helper.load(PACKAGE_NODES, placed(flow));
        const out = collect(h, 'out');
        h.helper.getNode('cc').receive({ payload: true });
        await until(() => out.length === 1, 'cache-clear output');
        const payload = out[0].payload as Record<string, unknown>;
        assert.equal(payload.scope, 'drivers');
        assert.equal(typeof payload.drivers, 'number');
        assert.ok(Array.isArray(payload.closed));
        assert.ok(Array.isArray(payload.kept));
      });

      it('closes an open VISA session with scope "all" (target canonicalised)', async () => {
        const serial = unique('CC');
        const flow: FlowNode[] = [
          ...tabWithCatch(),
          { id: 'visa', type: 'labbench-visa', resource: `SIM::2281S::${serial}::INSTR`, timeout: 2000 },
          {
            id: 'cc',
            type: 'labbench-cache-clear',
            z: 'tab1',
            scope: 'drivers',
            target: '',
            wires: [['out']],
          },
          { id: 'out', type: 'helper', z: 'tab1' },
        ];
        await h.helper.load(PACKAGE_NODES, placed(flow));
        const visa = h.helper.getNode('visa') as unknown as {
          keeper: { use(fn: (l: { open(): Promise<void> }) => Promise<void>): Promise<void> };
        };
        await visa.keeper.use((lease) => lease.open());
        const out = collect(h, 'out');
        // lower-case spelling of the same resource: matched by canonical key
        h.helper
          .getNode('cc')
          .receive({ scope: 'all', target: `sim::2281s::${serial.toLowerCase()}::instr` });
        await until(() => out.length === 1, 'cache-clear output');
        const payload = out[0].payload as { scope: string; closed: string[] };
        assert.equal(payload.scope, 'all');
        assert.equal(payload.closed.length, 1);
      });

      it('refuses a bad scope with E_INVALID_INPUT, once, in Catch', async () => {
        const flow: FlowNode[] = [
          ...tabWithCatch(),
          {
            id: 'cc',
            type: 'labbench-cache-clear',
            z: 'tab1',
            scope: 'drivers',
            target: '',
            wires: [['out']],
          },
          { id: 'out', type: 'helper', z: 'tab1' },
        ];
        await h.helper.load(PACKAGE_NODES, placed(flow));
        const caught = collect(h, 'caught');
        const out = collect(h, 'out');
        h.helper.getNode('cc').receive({ scope: 'everything' });
        await until(() => caught.length >= 1, 'catch');
        await settle();
        assert.equal(caught.length, 1);
        assert.equal((caught[0].error as { code: string }).code, 'E_INVALID_INPUT');
        assert.equal(out.length, 0);
      });
    });

    describe('editor endpoints', () => {
      it('list serial ports (tolerating a failing OS listing) with the simulated bus', async () => {
        await h.helper.load(PACKAGE_NODES, [{ id: 'p', type: 'labbench-serial-port', path: 'sim:x' }]);
        const res = await h.helper.request().get('/labbench/serial-ports').expect(200);
        const list = res.body as { value: string }[];
        assert.ok(Array.isArray(list));
        assert.ok(list.some((s) => s.value.startsWith('sim:')));
      });
      it('list VISA resources with the simulated 2281S', async () => {
        await h.helper.load(PACKAGE_NODES, [
          { id: 'v', type: 'labbench-visa', resource: 'SIM::2281S::DEMO01::INSTR' },
        ]);
        const res = await h.helper.request().get('/labbench/visa-resources').expect(200);
        const list = res.body as { value: string }[];
        assert.ok(list.some((s) => s.value === 'SIM::2281S::DEMO01::INSTR'));
      });
      it('list the Watlow parameter catalogue', async () => {
        await h.helper.load(PACKAGE_NODES, [{ id: 'p', type: 'labbench-serial-port', path: 'sim:x' }]);
        const res = await h.helper.request().get('/labbench/watlow-parameters').expect(200);
        const list = res.body as { value: string; writable: boolean }[];
        assert.ok(list.some((s) => s.value === 'processValue' && s.writable === false));
        assert.ok(list.some((s) => s.value === 'setPoint' && s.writable === true));
      });
    });
  });
}
