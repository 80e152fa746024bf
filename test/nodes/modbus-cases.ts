/**
 * `modbus` node cases of the node suite: a simulated power meter (unit 10) on the same simulated
 * bus as two Watlow controllers in Modbus mode; sharing, conflicts, typed values and refusals.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FakeClock } from '../../src/core/clock';
import { labbenchBackends } from '../../nodes/shared/backends';
import {
  collect,
  holdPort,
  openCount,
  settle,
  statuses,
  until,
  useClock,
  type FlowNode,
  type Harness,
} from './harness';
import {
  catchFlow,
  deploy,
  expectOneCatch,
  flowNode,
  send,
  sink,
  watlowController,
  watlowPoll,
  type CaseContext,
  type Msg,
} from './flows';

const METER = 10;

/** A modbus node `mb` reading the meter's voltage (input register 0, float32), wired to `out`. */
export function modbusNode(more: Partial<FlowNode> = {}): FlowNode {
  const defaults = {
    name: 'meter',
    port: 'port',
    address: METER,
    operation: 'read',
    table: 'input',
    register: 0,
    dataType: 'float32',
    count: 1,
    wordOrder: 'highLow',
    scale: 1,
    interval: 0,
    output: 'value',
  };
  return flowNode('mb', 'modbus', defaults, more);
}

export function modbusCases(ctx: CaseContext): void {
  function port(bus: string): FlowNode {
    return {
      id: 'port',
      type: 'labbench-serial-port',
      path: `sim:${bus}?addresses=1,2&modbus=${METER}`,
      baudRate: 38400,
      timeout: 100,
      retries: 0,
    };
  }
  const modbusController = (id: string, name: string, address: number): FlowNode =>
    watlowController(id, name, address, { protocol: 'modbus', wordOrder: 'lowHigh', map: 1 });

  async function onBus(prefix: string, nodes: FlowNode[]): Promise<{ h: Harness; bus: string }> {
    const h = ctx.h();
    const bus = ctx.unique(prefix);
    // Created before the deploy, so a test can look at the meter even when nothing opened the port.
    labbenchBackends().simulators.watlow.bus(bus, { addresses: [1, 2], modbusDevices: [METER] });
    await deploy(h, catchFlow(port(bus), ...nodes, sink()));
    return { h, bus };
  }

  describe('modbus', () => {
    it('reads a power meter beside two Watlow controllers in Modbus mode: one handle, never overlapping', async () => {
      const { h, bus } = await onBus('mbmix', [
        modbusNode(),
        modbusController('w1', 'Oven1', 1),
        modbusController('w2', 'Oven2', 2),
        watlowPoll({ controller: '' }),
      ]);
      const out = collect(h, 'out');
      for (let round = 0; round < 3; round++) {
        send(h, 'mb', { topic: 'go' });
        send(h, 'poll', { topic: 'go' });
      }
      await until(() => out.length === 3 * 3, 'three meter readings and six process values');
      const meter = out.filter((m) => String(m.topic).startsWith('meter/'));
      assert.equal(meter.length, 3);
      for (const m of meter) {
        assert.equal(m.topic, `meter/${METER}/input/0`);
        assert.equal(m.address, METER);
        assert.equal(typeof m.payload, 'number');
        assert.ok(Math.abs((m.payload as number) - 230) < 20, `voltage ${String(m.payload)}`);
        assert.equal((m.raw as number[]).length, 2);
        assert.equal(typeof m.timestamp, 'number');
      }
      assert.equal(out.filter((m) => /^Oven[12]\/processValue$/.test(String(m.topic))).length, 6);
      const sim = labbenchBackends().simulators.watlow.bus(bus);
      assert.equal(sim.maxConcurrentTransactions, 1, 'never two transactions on the wire at once');
      assert.equal(openCount(`sim:${bus}`).opened, 1, 'one handle for the meter and both controllers');
      assert.ok(sim.modbusDevice(METER).requests.length >= 3);
    });

    it('writes holding registers (single and multiple) and reads them back with a scale', async () => {
      const { h, bus } = await onBus('mbwr', [
        modbusNode({
          id: 'wr',
          operation: 'write',
          table: 'holding',
          register: 0,
          dataType: 'uint16',
          count: 2,
        }),
        modbusNode({ table: 'holding', register: 0, dataType: 'uint16', count: 2, scale: 0.5 }),
      ]);
      const out = collect(h, 'out');
      send(h, 'wr', { payload: [250, 7] });
      await until(() => out.length === 1, 'write done');
      assert.deepEqual(out[0].raw, [250, 7]);
      assert.equal(out[0].topic, `meter/${METER}/holding/0`);
      const meter = labbenchBackends().simulators.watlow.bus(bus).modbusDevice(METER);
      assert.deepEqual([meter.holding[0], meter.holding[1]], [250, 7]);
      send(h, 'mb', {});
      await until(() => out.length === 2, 'read back');
      assert.deepEqual(out[1].payload, [125, 3.5]);
      assert.deepEqual(out[1].raw, [250, 7]);
    });

    it('sends one message per value with its own register (perValue), coils as booleans', async () => {
      const { h, bus } = await onBus('mbpv', [
        modbusNode({ table: 'coil', register: 0, dataType: 'bool', count: 3, output: 'perValue' }),
      ]);
      labbenchBackends().simulators.watlow.bus(bus).modbusDevice(METER).coils[1] = true;
      const out = collect(h, 'out');
      send(h, 'mb', {});
      await until(() => out.length === 3, 'three coils');
      assert.deepEqual(
        out.map((m) => [m.topic, m.payload]),
        [
          [`meter/${METER}/coil/0`, false],
          [`meter/${METER}/coil/1`, true],
          [`meter/${METER}/coil/2`, false],
        ],
      );
    });

    it('takes address, register and count from the message when the properties are empty', async () => {
      const { h } = await onBus('mbmsg', [
        modbusNode({ address: '', register: '', count: '', table: 'holding', dataType: 'uint16' }),
      ]);
      const out = collect(h, 'out');
      send(h, 'mb', { address: METER, register: 0, count: 2 });
      await until(() => out.length === 1, 'read');
      assert.deepEqual(out[0].payload, [100, 1]);
      assert.equal(out[0].topic, `meter/${METER}/holding/0`);
      const err = await expectOneCatch(h, 'mb', { register: 0 }, 'E_INVALID_INPUT');
      assert.match(err.message, /msg\.address/);
    });

    it('refuses what validation can refuse with one coded Catch and nothing on the wire', async () => {
      const cases: [Partial<FlowNode>, Msg, string][] = [
        [{ address: '', register: '' }, { address: METER, register: 65536 }, 'E_OUT_OF_RANGE'],
        [{ address: '', count: '' }, { address: METER, count: 0 }, 'E_OUT_OF_RANGE'],
        [
          { address: '', register: '', table: 'holding', dataType: 'uint32', count: '' },
          { address: METER, register: 65535, count: 1 },
          'E_OUT_OF_RANGE',
        ],
        [{ address: '', register: '', count: '' }, { address: 0, register: 0 }, 'E_INVALID_INPUT'],
        [{ address: '' }, { address: 248 }, 'E_OUT_OF_RANGE'],
        [{ operation: 'write', table: 'holding', dataType: 'uint16' }, { payload: 1.5 }, 'E_INVALID_INPUT'],
        [{ operation: 'write', table: 'holding', dataType: 'int16' }, { payload: 40000 }, 'E_OUT_OF_RANGE'],
        [
          { operation: 'write', table: 'holding', dataType: 'float32' },
          { payload: Number.NaN },
          'E_INVALID_INPUT',
        ],
        [
          { operation: 'write', table: 'holding', dataType: 'float32' },
          { payload: Infinity },
          'E_INVALID_INPUT',
        ],
        [{ operation: 'write', table: 'holding', dataType: 'uint16' }, { payload: 'ten' }, 'E_INVALID_INPUT'],
        [
          { operation: 'write', table: 'holding', dataType: 'uint16', count: 2 },
          { payload: [1] },
          'E_INVALID_INPUT',
        ],
        [{ operation: 'write', table: 'coil', dataType: 'bool' }, { payload: 'on' }, 'E_INVALID_INPUT'],
      ];
      for (const [props, msg, code] of cases) {
        const { h, bus } = await onBus('mbbad', [modbusNode(props)]);
        await expectOneCatch(h, 'mb', msg, code);
        const sim = labbenchBackends().simulators.watlow.bus(bus);
        assert.equal(sim.modbusDevice(METER).requests.length, 0, `${JSON.stringify(msg)}: nothing sent`);
        await h.helper.unload();
      }
    });

    it('refuses invalid properties at deploy: writes to input registers, broadcast reads, interval on writes', async () => {
      const cases: [Partial<FlowNode>, string][] = [
        [{ operation: 'write', table: 'input', dataType: 'uint16' }, 'E_READ_ONLY'],
        [{ address: 0 }, 'E_INVALID_INPUT'],
        [{ operation: 'write', table: 'holding', dataType: 'uint16', interval: 1000 }, 'E_INVALID_INPUT'],
        [{ table: 'coil', dataType: 'float32' }, 'E_INVALID_INPUT'],
        [{ count: 0 }, 'E_OUT_OF_RANGE'],
        [{ register: 70000 }, 'E_OUT_OF_RANGE'],
      ];
      for (const [props, code] of cases) {
        const { h, bus } = await onBus('mbprop', [modbusNode(props)]);
        const seen = statuses(h, 'mb');
        await expectOneCatch(h, 'mb', { payload: 1 }, code);
        assert.equal(seen.at(-1)?.fill, 'red');
        assert.equal(labbenchBackends().simulators.watlow.bus(bus).modbusDevice(METER).requests.length, 0);
        await h.helper.unload();
      }
    });

    it('maps an exception reply to E_DEVICE_ERROR with the exception code and its name', async () => {
      const { h } = await onBus('mbexc', [
        modbusNode({ table: 'holding', register: 40, dataType: 'uint16' }),
      ]);
      const err = await expectOneCatch(h, 'mb', {}, 'E_DEVICE_ERROR');
      assert.match(err.message, /exception 2 \(illegal data address\)/i);
    });

    it('refuses a port a Std Bus controller holds (E_PROTOCOL_CONFLICT naming it), and vice versa', async () => {
      const { h } = await onBus('mbconf', [watlowController('w1', 'Oven1', 1), watlowPoll(), modbusNode()]);
      const out = collect(h, 'out');
      send(h, 'poll', {});
      await until(() => out.length === 1, 'Std Bus poll');
      const err = await expectOneCatch(h, 'mb', {}, 'E_PROTOCOL_CONFLICT');
      assert.match(err.message, /Oven1/);
      await h.helper.unload();

      const second = await onBus('mbconf2', [
        watlowController('w1', 'Oven1', 1),
        watlowPoll(),
        modbusNode({ name: 'Meter' }),
      ]);
      const out2 = collect(second.h, 'out');
      send(second.h, 'mb', {});
      await until(() => out2.length === 1, 'meter read');
      const err2 = await expectOneCatch(second.h, 'poll', {}, 'E_PROTOCOL_CONFLICT');
      assert.match(err2.message, /modbus "Meter"/);
    });

    it('polls on its interval without overlapping itself: "(n skipped)" counts the ticks it overlapped', async () => {
      const h = ctx.h();
      const clock = new FakeClock();
      useClock(h, clock);
      const bus = ctx.unique('mbint');
      await deploy(
        h,
        catchFlow(port(bus), modbusController('w1', 'Oven1', 1), modbusNode({ interval: 100 }), sink()),
      );
      const out = collect(h, 'out');
      const seen = statuses(h, 'mb');
      const values = (): number => seen.filter((s) => s.fill === 'green' && /\d/.test(String(s.text))).length;
      await clock.advance(0);
      await until(() => out.length === 1, 'first tick');
      // Hold the shared port with a transaction of the Watlow controller: the next read queues behind it.
      const hold = holdPort(h, 'w1');
      const before = values();
      await clock.advance(100); // this tick starts a read, which waits for the port…
      await clock.advance(100); // …and these three find it running
      await clock.advance(100);
      await clock.advance(100);
      await hold.release();
      // The status is shown before the message is delivered (the runtime sends on a later turn).
      await until(() => values() > before && out.length >= 2, 'the held read finished and was sent');
      assert.match(String(seen[seen.length - 1].text), /\(3 skipped\)$/);
      await settle();
      assert.equal(out.length, 2, 'one read per tick that ran');
      assert.equal(labbenchBackends().simulators.watlow.bus(bus).maxConcurrentTransactions, 1);
    });
  });
}
