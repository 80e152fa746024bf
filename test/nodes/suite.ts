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
  settle,
  until,
  useClock,
  type FlowNode,
  type Harness,
} from './harness';
import {
  cacheClear,
  catchFlow,
  deploy,
  expectOneCatch,
  send,
  sim2281SConfig,
  sink,
  type CaseContext,
  type Msg,
} from './flows';
import { keithleyCases } from './keithley-cases';
import { watlowCases } from './watlow-cases';
import { overrideCases } from './overrides-cases';
import { redeployCases } from './redeploy-cases';
import { exampleCases } from './examples-cases';
import { statusCases } from './status-cases';
import { scpiCases } from './scpi-cases';
import { modbusCases } from './modbus-cases';
import { modbusWireCases } from './modbus-wire-cases';
import { scanCases } from './scan-cases';
import { discoverCases } from './discover-cases';

export function defineSuite(runtimeName: 'node-red' | 'node-red-5'): void {
  let h: Harness;
  let seq = 0;
  const ctx: CaseContext = { h: () => h, unique: (prefix) => `${prefix}${process.pid}x${++seq}` };

  /** Sends `msg` to the cache-clear node `cc` and returns the payload of its one report. */
  async function clearCache(msg: Msg): Promise<Msg> {
    const out = collect(h, 'out');
    send(h, 'cc', msg);
    await until(() => out.length === 1, 'cache-clear output');
    return out[0].payload as Msg;
  }

  /** Deploys `config` alone and returns the list an editor endpoint answers with. */
  async function editorList<T>(config: FlowNode, url: string): Promise<T[]> {
    await h.helper.load(PACKAGE_NODES, [config]);
    const res = await h.helper.request().get(url).expect(200);
    return res.body as T[];
  }

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
      useClock(h);
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

    keithleyCases(ctx);
    watlowCases(ctx);
    overrideCases(ctx);
    redeployCases(ctx);
    exampleCases(ctx);
    statusCases(ctx);
    scpiCases(ctx);
    modbusCases(ctx);
    modbusWireCases(ctx, { watlowOnNetworkPaths: true });
    scanCases(ctx);

    describe('labbench-cache-clear', () => {
      it('drops drivers and reports {scope, drivers, closed, kept}', async () => {
        await deploy(h, catchFlow(cacheClear(), sink()));
        const payload = await clearCache({ payload: true });
        assert.equal(payload.scope, 'drivers');
        assert.equal(typeof payload.drivers, 'number');
        assert.ok(Array.isArray(payload.closed));
        assert.ok(Array.isArray(payload.kept));
      });

      it('closes an open VISA session with scope "all" (target canonicalised)', async () => {
        const serial = ctx.unique('CC');
        await deploy(h, catchFlow(sim2281SConfig(serial), cacheClear(), sink()));
        const visa = h.helper.getNode('visa') as unknown as {
          keeper: { use(fn: (l: { open(): Promise<void> }) => Promise<void>): Promise<void> };
        };
        await visa.keeper.use((lease) => lease.open());
        // lower-case spelling of the same resource: matched by canonical key
        const payload = (await clearCache({
          scope: 'all',
          target: `sim::2281s::${serial.toLowerCase()}::instr`,
        })) as { scope: string; closed: string[] };
        assert.equal(payload.scope, 'all');
        assert.equal(payload.closed.length, 1);
      });

      it('refuses a bad scope with E_INVALID_INPUT, once, in Catch', async () => {
        await deploy(h, catchFlow(cacheClear(), sink()));
        const out = collect(h, 'out');
        await expectOneCatch(h, 'cc', { scope: 'everything' }, 'E_INVALID_INPUT');
        assert.equal(out.length, 0);
      });
    });

    describe('editor endpoints', () => {
      const simPort: FlowNode = { id: 'p', type: 'labbench-serial-port', path: 'sim:x' };
      it('list serial ports (tolerating a failing OS listing) with the simulated bus', async () => {
        const list = await editorList<{ value: string }>(simPort, '/labbench/serial-ports');
        assert.ok(Array.isArray(list));
        assert.ok(list.some((s) => s.value.startsWith('sim:')));
      });
      it('list VISA resources with the simulated 2281S', async () => {
        const list = await editorList<{ value: string }>(
          { id: 'v', type: 'labbench-visa', resource: 'SIM::2281S::DEMO01::INSTR' },
          '/labbench/visa-resources',
        );
        assert.ok(list.some((s) => s.value === 'SIM::2281S::DEMO01::INSTR'));
      });
      it('list the Watlow parameter catalogue', async () => {
        const list = await editorList<{ value: string; writable: boolean }>(
          simPort,
          '/labbench/watlow-parameters',
        );
        assert.ok(list.some((s) => s.value === 'processValue' && s.writable === false));
        assert.ok(list.some((s) => s.value === 'setPoint' && s.writable === true));
      });
      discoverCases(() => h);
    });
  });
}
