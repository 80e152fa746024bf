/**
 * The `modbus` node beside two Watlow controllers in Modbus mode on real wires: one end of a socat
 * PTY pair (the simulator serving the bus on the other end, through serialport), the same bus as a
 * `tcp://` serial device server and as a `modbus-tcp://` gateway on loopback. One OS handle per
 * path, and the simulator never sees two transactions at once.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { serialKey } from '../../src/core/identity';
import { runWatlowSimulator, type RunningWatlowSimulator } from '../../src/sim/watlow';
import { makeTempDir, PtyPair, requireSocat, socatAvailable } from '../support/pty';
import { collect, openCount, until, type FlowNode } from './harness';
import {
  catchFlow,
  deploy,
  expectOneCatch,
  send,
  sink,
  watlowController,
  watlowPoll,
  type CaseContext,
} from './flows';
import { modbusNode } from './modbus-cases';

const METER = 10;

export function modbusWireCases(ctx: CaseContext, options: { watlowOnNetworkPaths: boolean }): void {
  describe('modbus on real wires', () => {
    let pty: PtyPair | undefined;
    let sim: RunningWatlowSimulator | undefined;
    before(async () => {
      if (!socatAvailable()) return;
      pty = await PtyPair.start(makeTempDir());
      sim = await runWatlowSimulator([
        '--serial',
        pty.b,
        '--addresses',
        '1,2',
        '--modbus',
        String(METER),
        '--tcp',
        '127.0.0.1:0',
        '--modbus-tcp',
        '127.0.0.1:0',
      ]);
    });
    after(async () => {
      await sim?.close();
      await pty?.stop();
    });

    function flow(path: string, withWatlow: boolean): FlowNode[] {
      const controllers = withWatlow
        ? [
            watlowController('w1', 'Oven1', 1, { protocol: 'modbus', wordOrder: 'lowHigh', map: 1 }),
            watlowController('w2', 'Oven2', 2, { protocol: 'modbus', wordOrder: 'lowHigh', map: 1 }),
            watlowPoll({ controller: '' }),
          ]
        : [];
      return catchFlow(
        { id: 'port', type: 'labbench-serial-port', path, baudRate: 38400, timeout: 500, retries: 1 },
        modbusNode(),
        ...controllers,
        sink(),
      );
    }

    async function meterBesideControllers(path: string, key: string, withWatlow: boolean): Promise<void> {
      const h = ctx.h();
      const bus = sim!.bus;
      bus.resetLog();
      const opened = openCount(key).opened;
      await deploy(h, flow(path, withWatlow));
      const out = collect(h, 'out');
      const rounds = 4;
      for (let i = 0; i < rounds; i++) {
        send(h, 'mb', {});
        if (withWatlow) send(h, 'poll', {});
      }
      const expected = rounds * (withWatlow ? 3 : 1);
      await until(() => out.length >= expected, `${expected} messages over ${path}`);
      const meter = out.filter((m) => m.topic === `meter/${METER}/input/0`);
      assert.equal(meter.length, rounds);
      for (const m of meter) assert.ok(Math.abs((m.payload as number) - 230) < 20, String(m.payload));
      if (withWatlow)
        assert.equal(out.filter((m) => /^Oven[12]\/processValue$/.test(String(m.topic))).length, 2 * rounds);
      assert.equal(openCount(key).opened - opened, 1, `one handle on ${key}`);
      assert.equal(bus.maxConcurrentTransactions, 1, 'never two transactions on the bus at once');
      await h.helper.unload();
    }

    it('on one PTY: the meter and two Watlow Modbus controllers share one OS handle', async (t) => {
      if (!requireSocat(t)) return;
      await meterBesideControllers(pty!.a, serialKey(pty!.a), true);
    });

    it('through a tcp:// serial device server (RTU framing, bytes unchanged)', async (t) => {
      if (!requireSocat(t)) return;
      const url = sim!.deviceServer!.url;
      await meterBesideControllers(url, serialKey(url), options.watlowOnNetworkPaths);
    });

    it('through a modbus-tcp:// gateway (MBAP framing, unit id = address)', async (t) => {
      if (!requireSocat(t)) return;
      const url = sim!.gateway!.url;
      await meterBesideControllers(url, serialKey(url), options.watlowOnNetworkPaths);
    });

    it('a Std Bus controller behind a modbus-tcp:// gateway fails with E_UNSUPPORTED, once, naming the fix', async (t) => {
      if (!requireSocat(t)) return;
      const h = ctx.h();
      await deploy(
        h,
        catchFlow(
          { id: 'port', type: 'labbench-serial-port', path: sim!.gateway!.url, timeout: 500, retries: 0 },
          watlowController('w1', 'Oven1', 1),
          watlowPoll(),
          sink(),
        ),
      );
      const err = await expectOneCatch(h, 'poll', {}, 'E_UNSUPPORTED');
      assert.match(err.message, /Modbus TCP gateway/);
      assert.match(err.message, /tcp:\/\/host:port/);
      await h.helper.unload();
    });
  });
}
