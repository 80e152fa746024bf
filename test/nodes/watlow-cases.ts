/** watlow-poll / watlow-write / config-node cases of the node suite, on simulated buses. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { getSimulatedWatlowBus } from '../../src/sim/watlow';
import {
  collect,
  PACKAGE_NODES,
  placed,
  settle,
  statuses,
  tabWithCatch,
  until,
  type FlowNode,
  type Harness,
} from './harness';

type Msg = Record<string, unknown>;

export function watlowCases(ctx: { h(): Harness; unique(prefix: string): string }): void {
  /** A bus with controllers 1 and 2 (Std Bus), plus whatever nodes the test adds. */
  function busFlow(
    bus: string,
    nodes: FlowNode[],
    opts: { timeout?: number; retries?: number; protocol?: string } = {},
  ): FlowNode[] {
    return placed([
      ...tabWithCatch(),
      {
        id: 'port',
        type: 'labbench-serial-port',
        path: `sim:${bus}?addresses=1,2`,
        baudRate: 38400,
        dataBits: 8,
        parity: 'none',
        stopBits: 1,
        timeout: opts.timeout ?? 100,
        retries: opts.retries ?? 0,
      },
      {
        id: 'w1',
        type: 'labbench-watlow',
        name: 'Oven1',
        port: 'port',
        address: 1,
        protocol: opts.protocol ?? 'stdbus',
        wordOrder: 'lowHigh',
        map: 1,
      },
      {
        id: 'w2',
        type: 'labbench-watlow',
        name: 'Oven2',
        port: 'port',
        address: 2,
        protocol: opts.protocol ?? 'stdbus',
        wordOrder: 'lowHigh',
        map: 1,
      },
      ...nodes,
      { id: 'out', type: 'helper', z: 'tab1' },
    ]);
  }

  async function expectCaught(h: Harness, id: string, msg: Msg, code: string): Promise<Msg> {
    const caught = collect(h, 'caught');
    h.helper.getNode(id).receive(msg);
    await until(() => caught.length >= 1, `Catch for ${code}`);
    await settle();
    assert.equal(caught.length, 1, `exactly one Catch message for ${code}`);
    const error = caught[0].error as { code: string; message: string; source: { id: string } };
    assert.equal(error.code, code, error.message);
    assert.equal(error.source.id, id);
    return caught[0];
  }

  describe('watlow-poll', () => {
    it('sends one chart-ready message per value (topic <controller>/<parameter>)', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wp');
      await h.helper.load(
        PACKAGE_NODES,
        busFlow(bus, [
          {
            id: 'poll',
            type: 'watlow-poll',
            z: 'tab1',
            controller: 'w1',
            output: 'perValue',
            errors: 'catch',
            interval: 0,
            parameters: [
              { parameter: 'processValue', instance: 1 },
              { parameter: 'setPoint', instance: 1 },
              { parameter: 'controlMode', instance: 1 },
              { parameter: 'alarmState', instance: 2 },
            ],
            wires: [['out']],
          },
        ]),
      );
      const out = collect(h, 'out');
      h.helper.getNode('poll').receive({ payload: 'go' });
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
      const flow = busFlow(bus, [
        {
          id: 'port2',
          type: 'labbench-serial-port',
          path: `sim:${bus2}?addresses=7`,
          timeout: 100,
          retries: 0,
        },
        {
          id: 'w7',
          type: 'labbench-watlow',
          name: 'Chamber',
          port: 'port2',
          address: 7,
          protocol: 'modbus',
          wordOrder: 'lowHigh',
          map: 1,
        },
        {
          id: 'poll',
          type: 'watlow-poll',
          z: 'tab1',
          controller: '',
          output: 'perPoll',
          errors: 'catch',
          interval: 0,
          parameters: [{ parameter: 'processValue', instance: 1 }],
          wires: [['out']],
        },
      ]);
      await h.helper.load(PACKAGE_NODES, flow);
      const out = collect(h, 'out');
      h.helper.getNode('poll').receive({ payload: 1 });
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
      h.helper.getNode('poll').receive({ controllers: ['Chamber'], parameters: ['setPoint', 'outputPower'] });
      await until(() => out.length === 2, 'second poll');
      const second = out[1].payload as Msg[];
      assert.deepEqual(
        second.map((s) => `${s.controller}/${s.parameter}`),
        ['Chamber/setPoint', 'Chamber/outputPower'],
      );
      assert.equal(
        getSimulatedWatlowBus(bus).maxConcurrentTransactions,
        1,
        'one transaction in flight per port',
      );
    });

    it('sends the good values, then reports the failed reads once as E_POLL_FAILED', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wf');
      const flow = busFlow(bus, [
        {
          id: 'w3',
          type: 'labbench-watlow',
          name: 'Ghost',
          port: 'port',
          address: 3,
          protocol: 'stdbus',
          wordOrder: 'lowHigh',
          map: 1,
        },
        {
          id: 'poll',
          type: 'watlow-poll',
          z: 'tab1',
          controller: '',
          output: 'perValue',
          errors: 'catch',
          interval: 0,
          parameters: [
            { parameter: 'processValue', instance: 1 },
            { parameter: 'processValue', instance: 2 },
          ],
          wires: [['out']],
        },
      ]);
      await h.helper.load(PACKAGE_NODES, flow);
      const out = collect(h, 'out');
      const caught = await expectCaught(h, 'poll', { payload: 1 }, 'E_POLL_FAILED');
      assert.deepEqual(out.map((m) => m.topic).sort(), ['Oven1/processValue', 'Oven2/processValue']);
      const message = (caught.error as { message: string }).message;
      assert.match(message, /Ghost\/processValue: E_TIMEOUT/);
      assert.match(message, /Oven1\/processValue\/2: E_DEVICE_ERROR/);
    });

    it('reports failures inline, as samples with error, and nothing to Catch', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wi');
      await h.helper.load(
        PACKAGE_NODES,
        busFlow(bus, [
          {
            id: 'poll',
            type: 'watlow-poll',
            z: 'tab1',
            controller: 'w1',
            output: 'perPoll',
            errors: 'inline',
            interval: 0,
            parameters: [
              { parameter: 'processValue', instance: 1 },
              { parameter: 'processValue', instance: 2 },
            ],
            wires: [['out']],
          },
        ]),
      );
      const out = collect(h, 'out');
      const caught = collect(h, 'caught');
      h.helper.getNode('poll').receive({ payload: 1 });
      await until(() => out.length === 1, 'samples');
      await settle();
      assert.equal(caught.length, 0);
      const samples = out[0].payload as Msg[];
      assert.equal(samples.length, 2);
      assert.equal(samples[0].error, undefined);
      assert.equal((samples[1].error as { code: string }).code, 'E_DEVICE_ERROR');
    });

    it('refuses a bad msg.parameters with E_INVALID_INPUT and unknown msg.controllers with E_NOT_FOUND', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wv');
      await h.helper.load(
        PACKAGE_NODES,
        busFlow(bus, [
          {
            id: 'poll',
            type: 'watlow-poll',
            z: 'tab1',
            controller: '',
            output: 'perValue',
            errors: 'catch',
            interval: 0,
            parameters: [{ parameter: 'processValue', instance: 1 }],
            wires: [['out']],
          },
        ]),
      );
      const sim = getSimulatedWatlowBus(bus);
      const before = sim.transactionCount;
      await expectCaught(h, 'poll', { parameters: ['processVolume'] }, 'E_INVALID_INPUT');
      await expectCaught(h, 'poll', { controllers: ['Oven9'] }, 'E_NOT_FOUND');
      assert.equal(sim.transactionCount, before, 'nothing was sent');
    });

    it('interval polls never overlap: ticks that find a poll running are skipped and counted', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wt');
      await h.helper.load(
        PACKAGE_NODES,
        busFlow(
          bus,
          [
            {
              id: 'poll',
              type: 'watlow-poll',
              z: 'tab1',
              controller: 'w1',
              output: 'perValue',
              errors: 'catch',
              interval: 50,
              parameters: [{ parameter: 'processValue', instance: 1 }],
              wires: [['out']],
            },
          ],
          { timeout: 1000 },
        ),
      );
      const seen = statuses(h, 'poll');
      const out = collect(h, 'out');
      await until(() => out.length >= 1, 'first interval poll');
      getSimulatedWatlowBus(bus).injectFault({ kind: 'delay', ms: 400, count: 1 });
      await until(
        () => seen.some((s) => /skipped/.test(String(s.text))),
        'a skipped tick in the status',
        5000,
      );
      assert.equal(getSimulatedWatlowBus(bus).maxConcurrentTransactions, 1);
    });

    it('reports a failing interval poll to Catch (node.error with a message)', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wx');
      const flow = busFlow(bus, [
        {
          id: 'w3',
          type: 'labbench-watlow',
          name: 'Ghost',
          port: 'port',
          address: 3,
          protocol: 'stdbus',
          wordOrder: 'lowHigh',
          map: 1,
        },
        {
          id: 'poll',
          type: 'watlow-poll',
          z: 'tab1',
          controller: 'w3',
          output: 'perValue',
          errors: 'catch',
          interval: 100,
          parameters: [{ parameter: 'processValue', instance: 1 }],
          wires: [['out']],
        },
      ]);
      await h.helper.load(PACKAGE_NODES, flow);
      const caught = collect(h, 'caught');
      await until(() => caught.length >= 1, 'interval failure in Catch');
      const err = caught[0].error as { code: string; source: { id: string } };
      assert.equal(err.code, 'E_POLL_FAILED');
      assert.equal(err.source.id, 'poll');
      assert.equal(caught[0].topic, 'interval');
    });
  });

  describe('watlow-write', () => {
    function writeFlow(bus: string, write: Msg): FlowNode[] {
      return busFlow(bus, [
        {
          id: 'wr',
          type: 'watlow-write',
          z: 'tab1',
          controller: 'w1',
          instance: 1,
          value: 'payload',
          valueType: 'msg',
          verify: true,
          wires: [['out']],
          ...write,
        },
      ]);
    }

    it('writes a set point and reads it back', async () => {
      const h = ctx.h();
      const bus = ctx.unique('ww');
      await h.helper.load(PACKAGE_NODES, writeFlow(bus, { parameter: 'setPoint' }));
      const out = collect(h, 'out');
      h.helper.getNode('wr').receive({ payload: 150 });
      await until(() => out.length === 1, 'read-back');
      assert.equal(out[0].payload, 150);
      assert.equal(out[0].topic, 'Oven1/setPoint');
      const stored = getSimulatedWatlowBus(bus).controller(1).read(7001, 1);
      assert.ok(stored.ok && stored.value === 150);
    });

    it('accepts enumeration names and a typed-input value', async () => {
      const h = ctx.h();
      const bus = ctx.unique('we');
      await h.helper.load(
        PACKAGE_NODES,
        writeFlow(bus, { parameter: 'controlMode', value: 'manual', valueType: 'str' }),
      );
      const out = collect(h, 'out');
      h.helper.getNode('wr').receive({ payload: 'ignored' });
      await until(() => out.length === 1, 'read-back');
      assert.equal(out[0].payload, 'manual');
      assert.equal(out[0].raw, 54);
    });

    it('refuses a read-only parameter with E_READ_ONLY without touching the bus', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wr');
      await h.helper.load(PACKAGE_NODES, writeFlow(bus, { parameter: 'processValue' }));
      await expectCaught(h, 'wr', { payload: 5 }, 'E_READ_ONLY');
      assert.equal(getSimulatedWatlowBus(bus).transactionCount, 0);
    });

    it('refuses out-of-range and invalid values (E_OUT_OF_RANGE, E_INVALID_INPUT) before sending', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wo');
      await h.helper.load(PACKAGE_NODES, writeFlow(bus, { parameter: 'setPoint' }));
      await expectCaught(h, 'wr', { payload: 99999 }, 'E_OUT_OF_RANGE');
      await expectCaught(h, 'wr', { payload: 'hot' }, 'E_INVALID_INPUT');
      assert.equal(getSimulatedWatlowBus(bus).transactionCount, 0);
    });

    it('fails with E_VERIFY when the controller stores something else (clamped to its max set point)', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wy');
      await h.helper.load(PACKAGE_NODES, [
        ...writeFlow(bus, { parameter: 'setPoint' }),
        ...placed([
          {
            id: 'wmax',
            type: 'watlow-write',
            z: 'tab1',
            controller: 'w1',
            parameter: 'maxSetPoint',
            instance: 1,
            value: 'payload',
            valueType: 'msg',
            verify: true,
            wires: [['out']],
          },
        ]),
      ]);
      const out = collect(h, 'out');
      h.helper.getNode('wmax').receive({ payload: 100 });
      await until(() => out.length === 1, 'max set point written');
      const caught = await expectCaught(h, 'wr', { payload: 150 }, 'E_VERIFY');
      assert.match((caught.error as { message: string }).message, /150/);
    });

    it('reports the controller refusing with E_DEVICE_ERROR and silence with E_TIMEOUT', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wd');
      await h.helper.load(PACKAGE_NODES, [
        ...writeFlow(bus, { parameter: 'idleSetPoint', instance: 2 }),
        ...placed([
          {
            id: 'w3',
            type: 'labbench-watlow',
            name: 'Ghost',
            port: 'port',
            address: 3,
            protocol: 'stdbus',
            wordOrder: 'lowHigh',
            map: 1,
          },
          {
            id: 'wr3',
            type: 'watlow-write',
            z: 'tab1',
            controller: 'w3',
            parameter: 'setPoint',
            instance: 1,
            value: 'payload',
            valueType: 'msg',
            verify: true,
            wires: [[]],
          },
        ]),
      ]);
      const caught = await expectCaught(h, 'wr', { payload: 100 }, 'E_DEVICE_ERROR');
      assert.ok((caught.error as { message: string }).message.includes('idleSetPoint'));
      await expectCaught(h, 'wr3', { payload: 100 }, 'E_TIMEOUT');
    });
  });

  describe('shared serial ports', () => {
    it('two labbench-watlow nodes of different protocols on one port: E_PROTOCOL_CONFLICT, naming the holder', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wc');
      await h.helper.load(
        PACKAGE_NODES,
        placed([
          ...tabWithCatch(),
          {
            id: 'port',
            type: 'labbench-serial-port',
            path: `sim:${bus}?addresses=1,2`,
            timeout: 100,
            retries: 0,
          },
          {
            id: 'wS',
            type: 'labbench-watlow',
            name: 'StdOven',
            port: 'port',
            address: 1,
            protocol: 'stdbus',
          },
          {
            id: 'wM',
            type: 'labbench-watlow',
            name: 'ModOven',
            port: 'port',
            address: 2,
            protocol: 'modbus',
          },
          {
            id: 'p1',
            type: 'watlow-poll',
            z: 'tab1',
            controller: 'wS',
            output: 'perValue',
            errors: 'catch',
            interval: 0,
            parameters: [{ parameter: 'processValue', instance: 1 }],
            wires: [['out']],
          },
          {
            id: 'p2',
            type: 'watlow-poll',
            z: 'tab1',
            controller: 'wM',
            output: 'perValue',
            errors: 'catch',
            interval: 0,
            parameters: [{ parameter: 'processValue', instance: 1 }],
            wires: [['out']],
          },
          {
            id: 'wr',
            type: 'watlow-write',
            z: 'tab1',
            controller: 'wM',
            parameter: 'setPoint',
            instance: 1,
            value: 'payload',
            valueType: 'msg',
            verify: true,
            wires: [['out']],
          },
          { id: 'out', type: 'helper', z: 'tab1' },
        ]),
      );
      const out = collect(h, 'out');
      h.helper.getNode('p1').receive({ payload: 1 });
      await until(() => out.length === 1, 'first protocol claims the port');
      const caught = await expectCaught(h, 'p2', { payload: 1 }, 'E_PROTOCOL_CONFLICT');
      assert.match((caught.error as { message: string }).message, /StdOven/);
      assert.match((caught.error as { message: string }).message, /stdbus/);
      await expectCaught(h, 'wr', { payload: 100 }, 'E_PROTOCOL_CONFLICT');
    });

    it('a Keithley on ASRL…::INSTR naming a Watlow bus is the same resource: E_PROTOCOL_CONFLICT', async () => {
      const h = ctx.h();
      const bus = ctx.unique('wk');
      await h.helper.load(PACKAGE_NODES, [
        ...busFlow(bus, [
          {
            id: 'p1',
            type: 'watlow-poll',
            z: 'tab1',
            controller: 'w1',
            output: 'perValue',
            errors: 'catch',
            interval: 0,
            parameters: [{ parameter: 'processValue', instance: 1 }],
            wires: [['out']],
          },
        ]),
        { id: 'asrl', type: 'labbench-visa', resource: `ASRLsim:${bus}::INSTR`, timeout: 500 },
        ...placed([
          {
            id: 'ks',
            type: 'keithley-supply',
            z: 'tab1',
            instrument: 'asrl',
            monitor: 0,
            output: 'state',
            wires: [['out']],
          },
        ]),
      ]);
      const out = collect(h, 'out');
      h.helper.getNode('p1').receive({ payload: 1 });
      await until(() => out.length === 1, 'Watlow claims the bus');
      const caught = await expectCaught(h, 'ks', { topic: 'state' }, 'E_PROTOCOL_CONFLICT');
      assert.match((caught.error as { message: string }).message, /scpi/);
    });

    it('two serial-port nodes on one device with different settings: E_SETTINGS_CONFLICT', async () => {
      const h = ctx.h();
      const bus = ctx.unique('ws');
      await h.helper.load(
        PACKAGE_NODES,
        placed([
          ...tabWithCatch(),
          {
            id: 'portA',
            type: 'labbench-serial-port',
            path: `sim:${bus}?addresses=1,2`,
            baudRate: 38400,
            timeout: 100,
            retries: 0,
          },
          {
            id: 'portB',
            type: 'labbench-serial-port',
            path: `sim:${bus.toUpperCase()}`,
            baudRate: 9600,
            timeout: 100,
            retries: 0,
          },
          { id: 'wA', type: 'labbench-watlow', name: 'A', port: 'portA', address: 1, protocol: 'stdbus' },
          { id: 'wB', type: 'labbench-watlow', name: 'B', port: 'portB', address: 2, protocol: 'stdbus' },
          {
            id: 'p1',
            type: 'watlow-poll',
            z: 'tab1',
            controller: 'wA',
            output: 'perValue',
            errors: 'catch',
            interval: 0,
            parameters: [{ parameter: 'processValue', instance: 1 }],
            wires: [['out']],
          },
          {
            id: 'p2',
            type: 'watlow-poll',
            z: 'tab1',
            controller: 'wB',
            output: 'perValue',
            errors: 'catch',
            interval: 0,
            parameters: [{ parameter: 'processValue', instance: 1 }],
            wires: [['out']],
          },
          { id: 'out', type: 'helper', z: 'tab1' },
        ]),
      );
      const out = collect(h, 'out');
      h.helper.getNode('p1').receive({ payload: 1 });
      await until(() => out.length === 1, 'first claims the port');
      await expectCaught(h, 'p2', { payload: 1 }, 'E_SETTINGS_CONFLICT');
    });
  });
}
