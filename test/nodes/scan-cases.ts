/** The editor's bus scan endpoint (POST / GET / DELETE labbench/scan) on a real runtime. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { labbenchBackends } from '../../nodes/shared/backends';
import { collect, PACKAGE_NODES, until, type Harness } from './harness';
import { catchFlow, deploy, send, sink, watlowController, watlowPoll, type CaseContext } from './flows';

type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body: unknown;
}
/** The supertest agent of the helper, as far as these requests use it. */
interface Agent {
  post(url: string): { send(body: Json): Promise<Reply> };
  get(url: string): Promise<Reply>;
  delete(url: string): { expect(status: number): Promise<Reply> };
}
const agent = (h: Harness): Agent => h.helper.request() as unknown as Agent;

async function post(h: Harness, body: Json): Promise<{ status: number; body: Json }> {
  const res = await agent(h).post('/labbench/scan').send(body);
  return { status: res.status, body: res.body as Json };
}

async function finished(h: Harness, id: string): Promise<Json> {
  let last: Json = {};
  await until(
    () => {
      void agent(h)
        .get(`/labbench/scan/${id}`)
        .then((r) => (last = r.body as Json));
      return last.state !== undefined && last.state !== 'running';
    },
    'scan finished',
    20_000,
  );
  return last;
}

export function scanCases(ctx: CaseContext): void {
  describe('bus scan endpoint', () => {
    it('finds exactly the simulated controllers and reports progress', async () => {
      const h = ctx.h();
      const bus = ctx.unique('scanep');
      await h.helper.load(PACKAGE_NODES, [{ id: 'port', type: 'labbench-serial-port', path: `sim:${bus}` }]);
      labbenchBackends().simulators.watlow.bus(bus, { addresses: [4, 9], modbusDevices: [12] });
      const started = await post(h, {
        path: `sim:${bus}`,
        stdbus: true,
        modbusFrom: 1,
        modbusTo: 12,
        timeout: 50,
      });
      assert.equal(started.status, 200, JSON.stringify(started.body));
      const done = await finished(h, String(started.body.id));
      assert.equal(done.state, 'done', JSON.stringify(done));
      const result = done.result as { found: Json[]; others: Json[] };
      assert.deepEqual(
        result.found.map((f) => `${String(f.protocol)}/${String(f.address)}`),
        ['stdbus/4', 'stdbus/9', 'modbus/4', 'modbus/9'],
      );
      assert.deepEqual(
        result.others.map((f) => `${String(f.protocol)}/${String(f.address)}`),
        ['modbus/12'],
      );
      assert.deepEqual((done.progress as Json).probed, 28);
    });

    it('refuses a bad request with 400 and a code; cancels on DELETE', async () => {
      const h = ctx.h();
      const bus = ctx.unique('scanbad');
      await h.helper.load(PACKAGE_NODES, [{ id: 'port', type: 'labbench-serial-port', path: `sim:${bus}` }]);
      const bad = await post(h, { path: `sim:${bus}`, modbusFrom: 0 });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'E_OUT_OF_RANGE');
      const nothing = await post(h, { path: `sim:${bus}` });
      assert.equal(nothing.status, 400);
      assert.equal(nothing.body.code, 'E_INVALID_INPUT');
      const started = await post(h, { path: `sim:${bus}`, modbusFrom: 1, modbusTo: 247, timeout: 50 });
      await agent(h)
        .delete(`/labbench/scan/${String(started.body.id)}`)
        .expect(200);
      const done = await finished(h, String(started.body.id));
      assert.equal(done.state, 'cancelled');
      assert.ok(labbenchBackends().simulators.watlow.bus(bus).transactionCount < 20, 'stopped early');
    });

    it('refuses a port another protocol holds, naming the holder', async () => {
      const h = ctx.h();
      const bus = ctx.unique('scanheld');
      await deploy(
        h,
        catchFlow(
          { id: 'port', type: 'labbench-serial-port', path: `sim:${bus}?addresses=1` },
          watlowController('w1', 'Oven1', 1),
          watlowPoll(),
          sink(),
        ),
      );
      const out = collect(h, 'out');
      send(h, 'poll', {});
      await until(() => out.length === 1, 'Std Bus poll');
      const before = labbenchBackends().simulators.watlow.bus(bus).transactionCount;
      const started = await post(h, { path: `sim:${bus}`, modbusFrom: 1, modbusTo: 3 });
      const done = await finished(h, String(started.body.id));
      assert.equal(done.state, 'failed');
      assert.equal((done.error as Json).code, 'E_PROTOCOL_CONFLICT');
      assert.match(String((done.error as Json).message), /Oven1/);
      assert.equal(labbenchBackends().simulators.watlow.bus(bus).transactionCount, before);
    });
  });
}
