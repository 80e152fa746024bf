/**
 * `scpi` node cases of the node suite: templates formatted onto the wire of the simulated DMM,
 * typed replies (a binary-block trace as Buffer and as real32), *OPC?, the error queue, the bad
 * input table (one Catch each, nothing (more) on the wire), and sharing the simulated 2281S with
 * keithley-supply (one session, one FIFO, the driver re-reading its state after scpi).
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { visaKey } from '../../src/core';
import { labbenchBackends } from '../../nodes/shared/backends';
import { SimulatedDmm, createSimDmm } from '../../src/sim/dmm';
import { serveScpiOverHislip } from '../../src/sim/visa';
import { collect, openCount, settle, statuses, until, type FlowNode } from './harness';
import {
  assertCaught,
  catchFlow,
  deploy,
  expectOneCatch,
  flowNode,
  keithleySupply,
  send,
  sim2281S,
  sim2281SConfig,
  sink,
  visaConfig,
  type CaseContext,
  type Msg,
} from './flows';

/** The simulated instruments behind `SIM::…` resources (one place to follow the simulator API). */
const dmmSim = (serial: string): SimulatedDmm => labbenchBackends().simulators.dmm(serial);
const keithleySim = (serial: string) => labbenchBackends().simulators.keithley(serial);

function simDmm(serial: string): string {
  return `SIM::DMM::${serial}::INSTR`;
}

/** A scpi node `sc` on the instrument `visa`, wired to `out`. */
export function scpiNode(more: Partial<FlowNode> = {}): FlowNode {
  const defaults = {
    instrument: 'visa',
    command: '*IDN?',
    placeholders: [],
    reply: 'auto',
    byteOrder: 'big',
    checkErrors: true,
    opc: false,
    timeout: '',
    allowRaw: false,
  };
  return flowNode('sc', 'scpi', defaults, more);
}

const MEASURE = {
  command: 'CONF:VOLT:DC {range}\nTRAC:POIN {points}\nFORM:DATA {format}\nREAD?',
  placeholders: [
    { name: 'range', type: 'number', min: 0.1, max: 1000 },
    { name: 'points', type: 'integer', min: 1, max: 100000 },
    { name: 'format', type: 'enum', values: ['ASC', 'REAL'] },
  ],
};

/** A loopback SCPI socket instrument that answers TRAC:DATA? with a block whose header lies. */
class LyingInstrument {
  readonly received: string[] = [];
  private readonly server = net.createServer((socket) => {
    let text = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      for (let lf = text.indexOf('\n'); lf >= 0; lf = text.indexOf('\n')) {
        const line = text.slice(0, lf).trim();
        text = text.slice(lf + 1);
        this.received.push(line);
        if (line === '*IDN?') socket.write('LABBENCH,LIAR,L1,1.0\n');
        else if (/^:?SYST(?:em)?:ERR(?:or)?\?$/i.test(line)) socket.write('0,"No error"\n');
        else if (line === 'TRAC:DATA?')
          socket.write('#13abcdefgh\n'); // announces 3, sends 8
        else if (line === 'TRAC:HUGE?') socket.write('#9999999999\n'); // 1 GB: over the cap
      }
    });
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function scpiCases(ctx: CaseContext): void {
  /** Deploys `nodes` with a fresh simulated DMM behind `visa` ("Bench DMM", 2 s) and the sink `out`. */
  async function onDmm(...nodes: FlowNode[]): Promise<{ serial: string; dmm: SimulatedDmm }> {
    const serial = ctx.unique('DM');
    await deploy(
      ctx.h(),
      catchFlow(visaConfig(simDmm(serial), 2000, { name: 'Bench DMM' }), ...nodes, sink()),
    );
    return { serial, dmm: dmmSim(serial) };
  }

  async function one(id: string, msg: Msg): Promise<Msg> {
    const out = collect(ctx.h(), 'out');
    send(ctx.h(), id, msg);
    await until(() => out.length === 1, `${id} output`);
    return out[0];
  }

  describe('scpi', () => {
    it('formats the placeholders into exactly these commands, then reads the error queue', async () => {
      const { serial, dmm } = await onDmm(scpiNode(MEASURE));
      const st = statuses(ctx.h(), 'sc');
      const msg = await one('sc', { payload: { range: 10, points: 4, format: 'ASC' } });
      assert.deepEqual(dmm.log.slice(0, 4), ['CONF:VOLT:DC 1.0E+1', 'TRAC:POIN 4', 'FORM:DATA ASC', 'READ?']);
      assert.equal(dmm.log.length, 5, `then the error queue only: ${dmm.log.join(' | ')}`);
      assert.match(dmm.log[4], /^:?SYST(?:EM)?:ERR(?:OR)?\?$/i);
      assert.equal(msg.payload, SimulatedDmm.sample(0));
      assert.deepEqual(msg.replies, [SimulatedDmm.sample(0)]);
      assert.equal(msg.topic, 'Bench DMM/CONF:VOLT:DC');
      assert.deepEqual(msg.instrument, { model: 'DMM', serial: serial.toUpperCase() });
      const last = st.at(-1) as { fill: string; text: string };
      assert.equal(last.fill, 'green');
      assert.equal(last.text, String(SimulatedDmm.sample(0)));
    });

    it('takes a scalar for a single placeholder and names the topic after the node', async () => {
      const { dmm } = await onDmm(
        scpiNode({
          name: 'points',
          command: 'TRAC:POIN {n}\nTRAC:POIN?',
          placeholders: [{ name: 'n', type: 'integer', min: 1, max: 100 }],
        }),
      );
      const msg = await one('sc', { payload: 7 });
      assert.equal(msg.payload, 7);
      assert.equal(msg.topic, 'points/TRAC:POIN');
      assert.equal(dmm.tracePoints, 7);
    });

    it('reads a binary-block trace as a Buffer (status "<n> bytes") and as a real32 array', async () => {
      const trace = 'FORM:DATA REAL,32\nFORM:BORD {order}\nTRAC:POIN {n}\nTRAC:DATA?';
      const placeholders = [
        { name: 'order', type: 'enum', values: ['NORM', 'SWAP'] },
        { name: 'n', type: 'integer', min: 1, max: 1000000 },
      ];
      await onDmm(
        scpiNode({ command: trace, placeholders, reply: 'block' }),
        scpiNode({ id: 'sc2', command: trace, placeholders, reply: 'real32', byteOrder: 'little' }),
      );
      const st = statuses(ctx.h(), 'sc');
      const st2 = statuses(ctx.h(), 'sc2');
      const expected = Array.from({ length: 1000 }, (_, i) => Math.fround(SimulatedDmm.sample(i)));
      const block = (await one('sc', { payload: { order: 'NORM', n: 1000 } })).payload as Buffer;
      assert.ok(Buffer.isBuffer(block));
      assert.equal(block.length, 4000);
      assert.deepEqual(
        Array.from({ length: 1000 }, (_, i) => block.readFloatBE(i * 4)),
        expected,
      );
      assert.equal((st.at(-1) as { text: string }).text, '4000 bytes');
      const values = (await one('sc2', { payload: { order: 'SWAP', n: 1000 } })).payload as number[];
      assert.deepEqual(values, expected);
      assert.equal((st2.at(-1) as { text: string }).text, '1000 values');
    });

    it('waits for *OPC? after the commands and sends payload null when nothing was asked', async () => {
      const { dmm } = await onDmm(
        scpiNode({ command: 'CONF:VOLT:DC 10\n*CLS', opc: true, checkErrors: false }),
      );
      const st = statuses(ctx.h(), 'sc');
      const msg = await one('sc', { payload: 'ignored: no placeholders' });
      assert.equal(msg.payload, null);
      assert.deepEqual(msg.replies, []);
      assert.deepEqual(dmm.log, ['CONF:VOLT:DC 10', '*CLS', '*OPC?']);
      assert.equal((st.at(-1) as { text: string }).text, 'done');
    });

    it('reports queued device errors as E_DEVICE_ERROR with deviceCode and every text, once', async () => {
      const { dmm } = await onDmm(scpiNode({ command: 'CONF:VOLT:DC 5000\nBOGUS:HEAD 1' }));
      const out = collect(ctx.h(), 'out');
      const caught = collect(ctx.h(), 'caught');
      send(ctx.h(), 'sc', { payload: null });
      await until(() => caught.length >= 1, 'Catch');
      await settle();
      assert.equal(caught.length, 1, 'exactly one Catch message');
      const error = assertCaught(caught[0], 'E_DEVICE_ERROR', 'sc');
      assert.match(error.message, /-222/);
      assert.match(error.message, /-113/);
      // Catch copies only message/code/stack of the error: the codes travel on the message.
      assert.equal(caught[0].deviceCode, -222);
      assert.deepEqual(
        (caught[0].scpiErrors as { code: number }[]).map((e) => e.code),
        [-222, -113],
      );
      assert.deepEqual(dmm.errorCodes(), [], 'the queue was read until empty');
      assert.equal(out.length, 0);
    });

    /** Bad input: a clear code, one Catch, and nothing (or nothing more) on the wire. */
    const refused: { test: string; node: Partial<FlowNode>; msg: Msg; code: string; wire?: string[] }[] = [
      {
        test: 'a number out of range',
        node: MEASURE,
        msg: { payload: { range: 5000, points: 1, format: 'ASC' } },
        code: 'E_INVALID_INPUT',
      },
      {
        test: 'a value of the wrong type',
        node: MEASURE,
        msg: { payload: { range: 'ten', points: 1, format: 'ASC' } },
        code: 'E_INVALID_INPUT',
      },
      {
        test: 'a fractional integer',
        node: MEASURE,
        msg: { payload: { range: 10, points: 1.5, format: 'ASC' } },
        code: 'E_INVALID_INPUT',
      },
      {
        test: 'an enum value not in the list',
        node: MEASURE,
        msg: { payload: { range: 10, points: 1, format: 'BIN' } },
        code: 'E_INVALID_INPUT',
      },
      {
        test: 'a missing placeholder value',
        node: MEASURE,
        msg: { payload: { range: 10, points: 1 } },
        code: 'E_INVALID_INPUT',
      },
      {
        test: 'a string with a control character',
        node: { command: 'DISP:TEXT {text}', placeholders: [{ name: 'text', type: 'string' }] },
        msg: { payload: 'hi\u0007"; *RST' },
        code: 'E_INVALID_INPUT',
      },
      { test: 'msg.command without allowRaw', node: {}, msg: { command: '*RST' }, code: 'E_INVALID_INPUT' },
      {
        test: 'a raw command with LF',
        node: { allowRaw: true },
        msg: { command: '*IDN?\n*RST' },
        code: 'E_INVALID_INPUT',
      },
      {
        test: 'a raw command with CR',
        node: { allowRaw: true },
        msg: { command: '*RST\r' },
        code: 'E_INVALID_INPUT',
      },
      {
        test: 'a reply of the wrong shape',
        node: { reply: 'number' },
        msg: {},
        code: 'E_PROTOCOL',
        wire: ['*IDN?'],
      },
      {
        test: 'a text reply where a block is expected',
        node: { reply: 'real32' },
        msg: {},
        code: 'E_PROTOCOL',
        wire: ['*IDN?'],
      },
    ];
    for (const { test, node, msg, code, wire = [] } of refused) {
      it(`refuses ${test} with ${code}`, async () => {
        const { dmm } = await onDmm(scpiNode(node));
        const out = collect(ctx.h(), 'out');
        await expectOneCatch(ctx.h(), 'sc', msg, code);
        assert.deepEqual(dmm.log, wire, 'what reached the instrument');
        assert.equal(out.length, 0);
      });
    }

    it('refuses a template the runtime cannot compile at deploy: every message fails with it', async () => {
      const { dmm } = await onDmm(scpiNode({ command: ':SOUR:VOLT {v}', placeholders: [] }));
      await expectOneCatch(ctx.h(), 'sc', { payload: 1 }, 'E_INVALID_INPUT');
      assert.deepEqual(dmm.log, []);
    });

    it('runs a raw msg.command with allowRaw', async () => {
      const { serial } = await onDmm(scpiNode({ allowRaw: true, command: 'CONF:VOLT:DC 10' }));
      const msg = await one('sc', { command: '*IDN?' });
      assert.equal(msg.payload, `LABBENCH,SIM-DMM,${serial.toUpperCase()},1.0`);
      assert.equal(msg.topic, 'Bench DMM/*IDN?');
      assert.deepEqual(
        msg.instrument,
        { model: 'SIM-DMM', serial: serial.toUpperCase() },
        'from the *IDN? answer',
      );
    });

    describe('with a socket instrument whose block header lies', () => {
      const liar = new LyingInstrument();
      before(() => liar.start());
      after(() => liar.stop());

      for (const [query, what] of [
        ['TRAC:DATA?', 'fewer bytes than it sends'],
        ['TRAC:HUGE?', 'more than the block cap'],
      ]) {
        it(`E_PROTOCOL for a header announcing ${what}; nothing more is sent`, async () => {
          const resource = `TCPIP0::127.0.0.1::${liar.port}::SOCKET`;
          await deploy(
            ctx.h(),
            catchFlow(visaConfig(resource, 1000), scpiNode({ command: query, reply: 'block' }), sink()),
          );
          liar.received.length = 0;
          await expectOneCatch(ctx.h(), 'sc', {}, 'E_PROTOCOL');
          await settle(100);
          assert.deepEqual(liar.received, [query]);
        });
      }
    });

    it('reads a real32 trace from a DMM over HiSLIP (loopback server)', async () => {
      const dmm = createSimDmm('HISLIP1');
      const server = await serveScpiOverHislip(dmm, { host: '127.0.0.1', port: 0 });
      try {
        await deploy(
          ctx.h(),
          catchFlow(
            visaConfig(server.resource, 2000, { name: 'LAN DMM' }),
            scpiNode({
              command: 'FORM:DATA REAL,32\nTRAC:POIN {n}\nTRAC:DATA?',
              placeholders: [{ name: 'n', type: 'integer', min: 1, max: 100000 }],
              reply: 'real32',
            }),
            sink(),
          ),
        );
        const msg = await one('sc', { payload: 5000 });
        const expected = Array.from({ length: 5000 }, (_, i) => Math.fround(SimulatedDmm.sample(i)));
        assert.deepEqual(msg.payload, expected);
        assert.equal(msg.topic, 'LAN DMM/FORM:DATA');
        assert.deepEqual(dmm.log.slice(0, 3), ['FORM:DATA REAL,32', 'TRAC:POIN 5000', 'TRAC:DATA?']);
      } finally {
        await ctx.h().helper.unload();
        await server.close();
      }
    });

    describe('beside keithley-supply on one simulated 2281S', () => {
      const SWITCHES = /^:ENTR:FUNC\s+\S/i;
      const FUNCTION_QUERY = /^:ENTR:FUNC\?$/i;

      /** Supply `ks` on `visa`, scpi `sc` on `visa2`: the same instrument spelled two ways. */
      async function shared(supply: Partial<FlowNode> = {}): Promise<string> {
        const serial = ctx.unique('SH');
        await deploy(
          ctx.h(),
          catchFlow(
            sim2281SConfig(serial, { name: 'K1' }),
            visaConfig(`sim::2281s::${serial.toLowerCase()}::instr`, 2000, { id: 'visa2', name: 'K1 raw' }),
            keithleySupply(supply),
            scpiNode({ instrument: 'visa2', allowRaw: true, command: '*IDN?' }),
            sink(),
          ),
        );
        return serial;
      }

      it('one session, one open, one FIFO for both config nodes', async () => {
        const serial = await shared();
        const key = visaKey(sim2281S(serial));
        const sim = keithleySim(serial);
        const out = collect(ctx.h(), 'out');
        send(ctx.h(), 'ks', { payload: { voltage: 2 } });
        send(ctx.h(), 'sc', { command: '*IDN?' });
        await until(() => out.length === 2, 'both answers');
        assert.equal(openCount(key).opened, 1, 'one open');
        assert.equal(openCount(key).maxOpen, 1);
        const log = sim.commandLog.map((c) => c.text);
        const idn = log.lastIndexOf('*IDN?');
        // The scpi transaction (*IDN?, then the error queue) is contiguous: nothing of the
        // supply's interleaves with it.
        assert.match(log[idn + 1] ?? '', /SYST(?:EM)?:ERR(?:OR)?\?/i);
      });

      it(':ENTR:FUNC SIM through scpi makes the next supply command send :ENTR:FUNC POW again', async () => {
        const serial = await shared();
        const sim = keithleySim(serial);
        await one('ks', { payload: { voltage: 2 } });
        await one('sc', { command: ':ENTR:FUNC SIM' });
        assert.equal(sim.entryFunction, 'simulator');
        await one('ks', { payload: { voltage: 3 } });
        assert.deepEqual(sim.commandsMatching(SWITCHES), [':ENTR:FUNC SIM', ':ENTR:FUNC POW']);
        assert.equal(sim.entryFunction, 'power');
        // With no scpi message in between: no extra function query.
        const reads = sim.commandsMatching(FUNCTION_QUERY).length;
        await one('ks', { payload: { voltage: 4 } });
        await one('ks', { topic: 'state' });
        assert.equal(sim.commandsMatching(FUNCTION_QUERY).length, reads);
      });

      it('is not refused while the supply monitors (it holds no role)', async () => {
        await shared({ monitor: 60_000, wires: [[]] });
        const ks = statuses(ctx.h(), 'ks');
        const caught = collect(ctx.h(), 'caught');
        send(ctx.h(), 'ks', { payload: { monitor: true } });
        await until(() => ks.some((s) => s.fill === 'blue'), 'supply monitoring');
        const msg = await one('sc', { command: '*IDN?' });
        assert.match(String(msg.payload), /2281S/);
        const again = await one('sc', { command: ':SOUR:VOLT?' });
        assert.equal(typeof again.payload, 'number');
        await settle();
        assert.equal(caught.length, 0, 'nothing refused');
      });
    });
  });
}
