/** watlow-poll / watlow-write / config-node cases of the node suite, on simulated buses. */
import { labbenchBackends } from '../../nodes/shared/backends';
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { collect, settle, statuses, until, type FlowNode, type Harness } from './harness';
import {
  assertCaught,
  catchFlow,
  deploy,
  expectOneCatch,
  keithleySupply,
  send,
  simSerialPort,
  sink,
  visaConfig,
  watlowController,
  watlowPoll,
  watlowWrite,
  type CaseContext,
  type Msg,
} from './flows';

/** A controller as the bus flows declare them: explicit word order and parameter map. */
function controller(id: string, name: string, address: number, more: Partial<FlowNode> = {}): FlowNode {
  return watlowController(id, name, address, { wordOrder: 'lowHigh', map: 1, ...more });
}

/** A controller on an address of the bus where no simulated controller answers. */
const ghost = (): FlowNode => controller('w3', 'Ghost', 3);

/** The process value of loops 1 and 2 (the simulated controllers refuse loop 2). */
const PROCESS_VALUE_1_AND_2 = [
  { parameter: 'processValue', instance: 1 },
  { parameter: 'processValue', instance: 2 },
];

export function watlowCases(ctx: CaseContext): void {
  /** A bus with controllers 1 and 2 (Std Bus), plus whatever nodes the test adds. */
  function busFlow(bus: string, nodes: FlowNode[], opts: { timeout?: number } = {}): FlowNode[] {
    return catchFlow(
      simSerialPort(bus, '1,2', {
        baudRate: 38400,
        dataBits: 8,
        parity: 'none',
        stopBits: 1,
        timeout: opts.timeout ?? 100,
        retries: 0,
      }),
      controller('w1', 'Oven1', 1),
      controller('w2', 'Oven2', 2),
      ...nodes,
      sink(),
    );
  }

  /** Deploys `busFlow` on a fresh simulated bus. */
  async function onBus(
    prefix: string,
    nodes: FlowNode[],
    opts: { timeout?: number } = {},
  ): Promise<{ h: Harness; bus: string }> {
    const h = ctx.h();
    const bus = ctx.unique(prefix);
    await deploy(h, busFlow(bus, nodes, opts));
    return { h, bus };
  }

  describe('watlow-poll', () => {
    it('sends one chart-ready message per value (topic <controller>/<parameter>)', async () => {
      // Every read here is answered: a reply timeout beyond the wait of `until` keeps a loaded
      // machine from turning a slow reply into E_TIMEOUT (100 ms did, once, on Node-RED 4.1).
      const answered = { timeout: 10_000 };
      const { h } = await onBus(
        'wp',
        [
          watlowPoll({
            parameters: [
              { parameter: 'processValue', instance: 1 },
              { parameter: 'setPoint', instance: 1 },
              { parameter: 'controlMode', instance: 1 },
              { parameter: 'alarmState', instance: 2 },
            ],
          }),
        ],
        answered,
      );
      const out = collect(h, 'out');
      send(h, 'poll', { payload: 'go' });
      await until(() => out.length === 4, 'four values');
      assert.deepEqual(
        out.map((m) => m.topic),
        ['Oven1/processValue', 'Oven1/setPoint', 'Oven1/controlMode', 'Oven1/alarmState/2'],
      );
      assert.equal(typeof out[0].payload, 'number');
      assert.equal(out[0].units, '°F');
      assert.equal(out[0].controller, 'Oven1');
      assert.equal(out[0].parameter, 'processValue');
      assert.equal(out[0].instance, 1);
      assert.equal(out[0].protocol, 'stdbus');
      assert.equal(typeof out[0].timestamp, 'number');
      assert.equal(out[2].payload, 'auto');
      assert.equal(out[2].raw, 10);
      assert.equal(out[3].instance, 2);
    });

    it('polls every deployed controller when none is chosen, across ports, per poll', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wa');
      const bus2 = ctx.unique('wb');
      await deploy(
        h,
        busFlow(bus, [
          simSerialPort(bus2, '7', { id: 'port2', timeout: 100, retries: 0 }),
          controller('w7', 'Chamber', 7, { port: 'port2', protocol: 'modbus' }),
          watlowPoll({ controller: '', output: 'perPoll' }),
        ]),
      );
      const out = collect(h, 'out');
      send(h, 'poll', { payload: 1 });
      await until(() => out.length === 1, 'one message per poll');
      const samples = out[0].payload as Msg[];
      assert.deepEqual(samples.map((s) => s.controller).sort(), ['Chamber', 'Oven1', 'Oven2']);
      const chamber = samples.find((s) => s.controller === 'Chamber')!;
      assert.equal(chamber.protocol, 'modbus');
      for (const s of samples) {
        for (const k of [
          'controller',
          'parameter',
          'instance',
          'value',
          'raw',
          'units',
          'timestamp',
          'protocol',
        ])
          assert.ok(k in s, `sample has ${k}`);
        assert.equal(s.error, undefined);
      }
      // msg.controllers and msg.parameters (array of names) override
      send(h, 'poll', { controllers: ['Chamber'], parameters: ['setPoint', 'outputPower'] });
      await until(() => out.length === 2, 'second poll');
      const second = out[1].payload as Msg[];
      assert.deepEqual(
        second.map((s) => `${s.controller}/${s.parameter}`),
        ['Chamber/setPoint', 'Chamber/outputPower'],
      );
      assert.equal(
        labbenchBackends().simulators.watlow.bus(bus).maxConcurrentTransactions,
        1,
        'one transaction in flight per port',
      );
    });

    it('sends the good values, then reports the failed reads once as E_POLL_FAILED', async () => {
      const { h } = await onBus('wf', [
        ghost(),
        watlowPoll({ controller: '', parameters: PROCESS_VALUE_1_AND_2 }),
      ]);
      const out = collect(h, 'out');
      const error = await expectOneCatch(h, 'poll', { payload: 1 }, 'E_POLL_FAILED');
      assert.deepEqual(out.map((m) => m.topic).sort(), ['Oven1/processValue', 'Oven2/processValue']);
      assert.match(error.message, /Ghost\/processValue: E_TIMEOUT/);
      assert.match(error.message, /Oven1\/processValue\/2: E_DEVICE_ERROR/);
      assert.doesNotMatch(error.message, /\.\./, 'no doubled period where messages are joined');
    });

    it('reports failures inline, as samples with error, and nothing to Catch', async () => {
      const { h } = await onBus('wi', [
        watlowPoll({ output: 'perPoll', errors: 'inline', parameters: PROCESS_VALUE_1_AND_2 }),
      ]);
      const out = collect(h, 'out');
      const caught = collect(h, 'caught');
      send(h, 'poll', { payload: 1 });
      await until(() => out.length === 1, 'samples');
      await settle();
      assert.equal(caught.length, 0);
      const samples = out[0].payload as Msg[];
      assert.equal(samples.length, 2);
      assert.equal(samples[0].error, undefined);
      assert.equal((samples[1].error as { code: string }).code, 'E_DEVICE_ERROR');
    });

    it('refuses a bad msg.parameters with E_INVALID_INPUT and unknown msg.controllers with E_NOT_FOUND', async () => {
      const { h, bus } = await onBus('wv', [watlowPoll({ controller: '' })]);
      const sim = labbenchBackends().simulators.watlow.bus(bus);
      const before = sim.transactionCount;
      await expectOneCatch(h, 'poll', { parameters: ['processVolume'] }, 'E_INVALID_INPUT');
      await expectOneCatch(h, 'poll', { controllers: ['Oven9'] }, 'E_NOT_FOUND');
      assert.equal(sim.transactionCount, before, 'nothing was sent');
    });

    it('interval polls never overlap: ticks that find a poll running are skipped and counted', async () => {
      const { h, bus } = await onBus('wt', [watlowPoll({ interval: 50 })], { timeout: 1000 });
      const seen = statuses(h, 'poll');
      const out = collect(h, 'out');
      await until(() => out.length >= 1, 'first interval poll');
      labbenchBackends().simulators.watlow.bus(bus).injectFault({ kind: 'delay', ms: 400, count: 1 });
      await until(
        () => seen.some((s) => /skipped/.test(String(s.text))),
        'a skipped tick in the status',
        5000,
      );
      assert.equal(labbenchBackends().simulators.watlow.bus(bus).maxConcurrentTransactions, 1);
    });

    it('reports a failing interval poll to Catch (node.error with a message)', async () => {
      const { h } = await onBus('wx', [ghost(), watlowPoll({ controller: 'w3', interval: 100 })]);
      const caught = collect(h, 'caught');
      await until(() => caught.length >= 1, 'interval failure in Catch');
      assertCaught(caught[0], 'E_POLL_FAILED', 'poll');
      assert.equal(caught[0].topic, 'interval');
    });
  });

  describe('watlow-write', () => {
    it('writes a set point and reads it back', async () => {
      const { h, bus } = await onBus('ww', [watlowWrite({ parameter: 'setPoint' })]);
      const out = collect(h, 'out');
      send(h, 'wr', { payload: 150 });
      await until(() => out.length === 1, 'read-back');
      assert.equal(out[0].payload, 150);
      assert.equal(out[0].topic, 'Oven1/setPoint');
      const stored = labbenchBackends().simulators.watlow.bus(bus).controller(1).read(7001, 1);
      assert.ok(stored.ok && stored.value === 150);
    });

    it('accepts enumeration names and a typed-input value', async () => {
      const { h } = await onBus('we', [
        watlowWrite({ parameter: 'controlMode', value: 'manual', valueType: 'str' }),
      ]);
      const out = collect(h, 'out');
      send(h, 'wr', { payload: 'ignored' });
      await until(() => out.length === 1, 'read-back');
      assert.equal(out[0].payload, 'manual');
      assert.equal(out[0].raw, 54);
    });

    it('refuses a read-only parameter with E_READ_ONLY without touching the bus', async () => {
      const { h, bus } = await onBus('wr', [watlowWrite({ parameter: 'processValue' })]);
      await expectOneCatch(h, 'wr', { payload: 5 }, 'E_READ_ONLY');
      assert.equal(labbenchBackends().simulators.watlow.bus(bus).transactionCount, 0);
    });

    it('refuses out-of-range and invalid values (E_OUT_OF_RANGE, E_INVALID_INPUT) before sending', async () => {
      const { h, bus } = await onBus('wo', [watlowWrite({ parameter: 'setPoint' })]);
      await expectOneCatch(h, 'wr', { payload: 99999 }, 'E_OUT_OF_RANGE');
      await expectOneCatch(h, 'wr', { payload: 'hot' }, 'E_INVALID_INPUT');
      assert.equal(labbenchBackends().simulators.watlow.bus(bus).transactionCount, 0);
    });

    it('fails with E_VERIFY when the controller stores something else (clamped to its max set point)', async () => {
      const { h } = await onBus('wy', [
        watlowWrite({ parameter: 'setPoint' }),
        watlowWrite({ id: 'wmax', parameter: 'maxSetPoint' }),
      ]);
      const out = collect(h, 'out');
      send(h, 'wmax', { payload: 100 });
      await until(() => out.length === 1, 'max set point written');
      const error = await expectOneCatch(h, 'wr', { payload: 150 }, 'E_VERIFY');
      assert.match(error.message, /150/);
    });

    it('reports the controller refusing with E_DEVICE_ERROR and silence with E_TIMEOUT', async () => {
      const { h } = await onBus('wd', [
        watlowWrite({ parameter: 'idleSetPoint', instance: 2 }),
        ghost(),
        watlowWrite({ id: 'wr3', controller: 'w3', parameter: 'setPoint', wires: [[]] }),
      ]);
      const error = await expectOneCatch(h, 'wr', { payload: 100 }, 'E_DEVICE_ERROR');
      assert.ok(error.message.includes('idleSetPoint'));
      await expectOneCatch(h, 'wr3', { payload: 100 }, 'E_TIMEOUT');
    });
  });

  describe('shared serial ports', () => {
    /** Polls once through `p1` and waits for the value: its controller has then claimed the port. */
    async function claimWithP1(h: Harness, what: string): Promise<void> {
      const out = collect(h, 'out');
      send(h, 'p1', { payload: 1 });
      await until(() => out.length === 1, what);
    }

    /**
     * A port with a Std Bus controller `wS` polled by `p1` and a Modbus controller `wM` polled by
     * `p2` (plus `more`), deployed with `p1` having claimed the port for Std Bus.
     */
    async function stdBusClaimed(
      prefix: string,
      p2: Partial<FlowNode>,
      more: FlowNode[] = [],
    ): Promise<Harness> {
      const h = ctx.h();
      const bus = ctx.unique(prefix);
      await deploy(
        h,
        catchFlow(
          simSerialPort(bus, '1,2', { timeout: 100, retries: 0 }),
          watlowController('wS', 'StdOven', 1),
          watlowController('wM', 'ModOven', 2, { protocol: 'modbus' }),
          watlowPoll({ id: 'p1', controller: 'wS' }),
          watlowPoll({ id: 'p2', controller: 'wM', ...p2 }),
          ...more,
          sink(),
        ),
      );
      await claimWithP1(h, 'first protocol claims the port');
      return h;
    }

    it('two labbench-watlow nodes of different protocols on one port: E_PROTOCOL_CONFLICT, naming the holder', async () => {
      const h = await stdBusClaimed('wc', {}, [watlowWrite({ controller: 'wM', parameter: 'setPoint' })]);
      const error = await expectOneCatch(h, 'p2', { payload: 1 }, 'E_PROTOCOL_CONFLICT');
      assert.match(error.message, /StdOven/);
      assert.match(error.message, /stdbus/);
      await expectOneCatch(h, 'wr', { payload: 100 }, 'E_PROTOCOL_CONFLICT');
    });

    it('with errors: inline, a protocol conflict is a sample with error, and nothing goes to Catch', async () => {
      const h = await stdBusClaimed('wci', { output: 'perPoll', errors: 'inline' });
      const out = collect(h, 'out');
      const caught = collect(h, 'caught');
      send(h, 'p2', { payload: 1 });
      await until(() => out.length === 1, 'inline samples');
      await settle();
      assert.equal(caught.length, 0, 'nothing to Catch in inline mode');
      const samples = out[0].payload as Msg[];
      assert.equal(samples.length, 1);
      assert.equal((samples[0].error as { code: string }).code, 'E_PROTOCOL_CONFLICT');
      assert.equal(samples[0].controller, 'ModOven');
    });

    it('a Keithley on ASRL…::INSTR naming a Watlow bus is the same resource: E_PROTOCOL_CONFLICT', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wk');
      await deploy(
        h,
        busFlow(bus, [
          watlowPoll({ id: 'p1' }),
          visaConfig(`ASRLsim:${bus}::INSTR`, 500, { id: 'asrl' }),
          keithleySupply({ instrument: 'asrl' }),
        ]),
      );
      await claimWithP1(h, 'Watlow claims the bus');
      const error = await expectOneCatch(h, 'ks', { topic: 'state' }, 'E_PROTOCOL_CONFLICT');
      assert.match(error.message, /scpi/);
    });

    it('two serial-port nodes on one device with different settings: E_SETTINGS_CONFLICT', async () => {
      const h = ctx.h();
      const bus = ctx.unique('ws');
      const port = { type: 'labbench-serial-port', timeout: 100, retries: 0 };
      await deploy(
        h,
        catchFlow(
          { ...port, id: 'portA', path: `sim:${bus}?addresses=1,2`, baudRate: 38400 },
          { ...port, id: 'portB', path: `sim:${bus.toUpperCase()}`, baudRate: 9600 },
          watlowController('wA', 'A', 1, { port: 'portA' }),
          watlowController('wB', 'B', 2, { port: 'portB' }),
          watlowPoll({ id: 'p1', controller: 'wA' }),
          watlowPoll({ id: 'p2', controller: 'wB' }),
          sink(),
        ),
      );
      await claimWithP1(h, 'first claims the port');
      await expectOneCatch(h, 'p2', { payload: 1 }, 'E_SETTINGS_CONFLICT');
    });
  });
}
