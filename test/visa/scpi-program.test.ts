/**
 * Free-form SCPI programs (runScpiProgram) on the shared session, against the simulated DMM over
 * every transport: typed replies, binary blocks up to 16 MiB, the error queue, *OPC?, timeouts,
 * lying and oversize block headers, and bad input that never reaches the wire.
 */
import { strict as assert } from 'node:assert';
import { after, afterEach, before, describe, it } from 'node:test';
import { ResourceRegistry } from '../../src/core/registry';
import type { Lease } from '../../src/core/registry';
import { createSimulatedOpeners, createSimulators } from '../../src/sim';
import { SimulatedDmm, createSimDmm } from '../../src/sim/dmm';
import { serveScpiOverTcp } from '../../src/sim/visa/tcp-server';
import type { ScpiTcpServer } from '../../src/sim/visa/tcp-server';
import { acquireVisaSession } from '../../src/visa/acquire';
import { compileScpiTemplate, runScpiProgram, scpiProgramLines } from '../../src/visa/scpi-program';
import type { ScpiProgram } from '../../src/visa/scpi-program';
import type { ScpiSession } from '../../src/visa/session';
import type { ScpiDeviceModel } from '../../src/visa/types';
import { EchoModel, IDN } from './echo-model';
import { serveOnEveryWire, type EveryWire } from './every-wire';

type Coded = Error & { code?: string; deviceCode?: number; scpiErrors?: { code: number; message: string }[] };

function lines(text: string): ScpiProgram['lines'] {
  return scpiProgramLines(compileScpiTemplate(text), undefined);
}

function expectedTrace(n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(SimulatedDmm.sample(i)));
}

describe('runScpiProgram on the simulated DMM, every transport', () => {
  const simulators = createSimulators();
  const models = {
    sim: simulators.dmm('PROG1'),
    tcp: createSimDmm('TCP1'),
    vxi: createSimDmm('VXI1'),
    usb: createSimDmm('USB1'),
    hislip: createSimDmm('HIS1'),
  };
  let wires: EveryWire;
  let registry: ResourceRegistry;

  before(async () => {
    wires = await serveOnEveryWire(
      {
        tcp: models.tcp,
        vxi: models.vxi,
        hislip: models.hislip,
        usb: {
          model: models.usb,
          device: { serial: 'USB1', vendorId: 0x05e6, productId: 0x6500, packetSize: 512 },
        },
      },
      simulators,
    );
    registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  });
  after(async () => {
    assert.deepEqual(await registry.closeAll(), []);
    await wires.close();
  });

  const leases = (): [keyof typeof models, Lease<ScpiSession>][] =>
    (
      [
        ['sim', 'SIM::DMM::PROG1::INSTR'],
        ['tcp', wires.resources.tcp],
        ['vxi', wires.resources.vxi],
        ['usb', 'USB0::0x05E6::0x6500::USB1::INSTR'],
        ['hislip', wires.resources.hislip!],
      ] as const
    ).map(([name, resource]) => [
      name,
      acquireVisaSession(registry, wires.openers, resource, `test ${name}`, { timeoutMs: 2000 }),
    ]);

  it('runs several lines as one transaction and parses each query; the last per `reply`', async () => {
    for (const [name, lease] of leases()) {
      const result = await runScpiProgram(lease, {
        lines: lines('*RST\n*IDN?\nCONF:VOLT:DC 10\nREAD?'),
        reply: 'number',
      });
      assert.equal(result.replies[0], models[name].identity, name);
      assert.equal(typeof result.last, 'number', name);
      assert.ok(Math.abs((result.last as number) - 1.25) <= 0.011, name);
      const none = await runScpiProgram(lease, { lines: lines('*CLS') });
      assert.deepEqual(none, { replies: [], last: null });
    }
  });

  it('reads TRAC:DATA? as a definite block in both byte orders and as ASCII', async () => {
    for (const [name, lease] of leases()) {
      const template = compileScpiTemplate(
        'FORM:DATA REAL,32\nFORM:BORD {order}\nTRAC:POIN {n}\nTRAC:DATA?',
        [
          { name: 'order', type: 'enum', values: ['NORM', 'SWAP'] },
          { name: 'n', type: 'integer', min: 1, max: 1_000_000 },
        ],
      );
      const big = await runScpiProgram(lease, {
        lines: scpiProgramLines(template, { order: 'NORM', n: 3000 }),
        reply: 'real32',
      });
      assert.deepEqual(big.last, expectedTrace(3000), name);
      const little = await runScpiProgram(lease, {
        lines: scpiProgramLines(template, { order: 'SWAP', n: 700 }),
        reply: 'real32',
        byteOrder: 'little',
      });
      assert.deepEqual(little.last, expectedTrace(700), name);
      const raw = await runScpiProgram(lease, { lines: scpiProgramLines(template, { order: 'NORM', n: 5 }) });
      assert.ok(Buffer.isBuffer(raw.last), name);
      assert.equal((raw.last as Buffer).length, 20, name);
      const ascii = await runScpiProgram(lease, { lines: lines('FORM:DATA ASC\nTRAC:POIN 4\nTRAC:DATA?') });
      assert.deepEqual(
        (ascii.last as number[]).map((x) => Number(x.toFixed(6))),
        expectedTrace(4).map((x) => Number(x.toFixed(6))),
        name,
      );
    }
  });

  it('reads a 16 MiB block over the in-process link, the TCP socket and HiSLIP', async () => {
    const points = 4 * 1024 * 1024;
    for (const [name, lease] of leases().filter(([n]) => n === 'sim' || n === 'tcp' || n === 'hislip')) {
      const result = await runScpiProgram(lease, {
        lines: lines(`FORM:DATA REAL,32\nFORM:BORD NORM\nTRAC:POIN ${points}\nTRAC:DATA?`),
        reply: 'block',
        timeoutMs: 20_000,
      });
      const block = result.last as Buffer;
      assert.equal(block.length, points * 4, name);
      for (const i of [0, 1, 4095, points / 2, points - 1]) {
        assert.equal(block.readFloatBE(i * 4), Math.fround(SimulatedDmm.sample(i)), `${name} sample ${i}`);
      }
      await runScpiProgram(lease, { lines: lines('TRAC:POIN 10') });
    }
  });

  it('a non-empty error queue fails with E_DEVICE_ERROR: first code, every entry listed', async () => {
    for (const [name, lease] of leases()) {
      await assert.rejects(
        runScpiProgram(lease, { lines: lines('FOO:BAR\nCONF:VOLT:DC 5000\nFORM:BORD SIDEWAYS') }),
        (err: Coded) => {
          assert.equal(err.code, 'E_DEVICE_ERROR', name);
          assert.equal(err.deviceCode, -113, name);
          assert.deepEqual(
            err.scpiErrors?.map((e) => e.code),
            [-113, -222, -224],
            name,
          );
          assert.match(
            err.message,
            /-113,"Undefined header".*-222,"Data out of range".*-224,"Illegal parameter value"/,
          );
          return true;
        },
      );
      // The queue was read empty: the next program is clean.
      assert.deepEqual((await runScpiProgram(lease, { lines: lines('*OPC?') })).last, 1);
    }
  });

  it('opc sends *OPC? after the commands; checkErrors false skips the error queue', async () => {
    const lease = leases()[0][1];
    const dmm = models.sim;
    const before = dmm.log.length;
    await runScpiProgram(lease, { lines: lines('CONF:VOLT:DC'), opc: true });
    assert.deepEqual(dmm.log.slice(before), ['CONF:VOLT:DC', '*OPC?', ':SYST:ERR?']);
    const mid = dmm.log.length;
    await runScpiProgram(lease, { lines: lines('CONF:VOLT:DC'), checkErrors: false });
    assert.deepEqual(dmm.log.slice(mid), ['CONF:VOLT:DC']);
  });

  it('a reply of the wrong shape fails with E_PROTOCOL', async () => {
    for (const [name, lease] of leases()) {
      await assert.rejects(
        runScpiProgram(lease, { lines: lines('*IDN?'), reply: 'number' }),
        { code: 'E_PROTOCOL' },
        name,
      );
      await assert.rejects(
        runScpiProgram(lease, { lines: lines('FORM:DATA ASC\nREAD?'), reply: 'block' }),
        { code: 'E_PROTOCOL' },
        name,
      );
    }
  });

  it('bad input and bad options send nothing', async () => {
    const lease = leases()[0][1];
    const dmm = models.sim;
    const before = dmm.messages;
    const template = compileScpiTemplate('TRAC:POIN {n}', [{ name: 'n', type: 'integer', min: 1, max: 100 }]);
    assert.throws(() => scpiProgramLines(template, 101), { code: 'E_INVALID_INPUT' });
    assert.throws(() => scpiProgramLines(template, '5'), { code: 'E_INVALID_INPUT' });
    await assert.rejects(runScpiProgram(lease, { lines: lines('*IDN?'), reply: 'float' as 'auto' }), {
      code: 'E_INVALID_INPUT',
    });
    await assert.rejects(runScpiProgram(lease, { lines: lines('*IDN?'), byteOrder: 'middle' as 'big' }), {
      code: 'E_INVALID_INPUT',
    });
    await assert.rejects(runScpiProgram(lease, { lines: lines('*IDN?'), timeoutMs: -1 }), {
      code: 'E_INVALID_INPUT',
    });
    await assert.rejects(runScpiProgram(lease, { lines: [] }), { code: 'E_INVALID_INPUT' });
    assert.equal(dmm.messages, before);
  });
});

/** Answers fixed bytes to `BLOCK?`, delegating the rest to the echo model. */
class LyingBlockModel extends EchoModel {
  reply: Buffer = Buffer.alloc(0);
  identityText(): string {
    return IDN;
  }
  readonly lying: ScpiDeviceModel = {
    execute: (message) => (message.trim() === 'BLOCK?' ? this.reply : this.execute(message)),
    deviceClear: () => this.deviceClear(),
  };
}

describe('runScpiProgram: lying blocks and timeouts on a byte stream', () => {
  const model = new LyingBlockModel('LIE1');
  let server: ScpiTcpServer;
  let registry: ResourceRegistry;
  let lease: Lease<ScpiSession>;

  before(async () => {
    server = await serveScpiOverTcp(model.lying, { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server.close();
  });
  afterEach(async () => {
    assert.deepEqual(await registry.closeAll(), []);
  });
  const open = (): Lease<ScpiSession> => {
    registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
    lease = acquireVisaSession(registry, createSimulatedOpeners().openers, server.resource, 'test', {
      timeoutMs: 300,
    });
    return lease;
  };

  it('a header announcing fewer bytes than follow, or more than the cap, fails with E_PROTOCOL; the session stays usable', async () => {
    open();
    model.reply = Buffer.from('#12abcdef');
    await assert.rejects(runScpiProgram(lease, { lines: lines('BLOCK?'), reply: 'block' }), {
      code: 'E_PROTOCOL',
      message: /the length header is wrong/,
    });
    assert.equal((await runScpiProgram(lease, { lines: lines('*IDN?') })).last, model.identityText());
    model.reply = Buffer.from('#9100000000xyz');
    await assert.rejects(runScpiProgram(lease, { lines: lines('BLOCK?'), reply: 'block' }), {
      code: 'E_PROTOCOL',
      message: /announced a binary block of 100000000 bytes; this package reads at most 67108864/,
    });
    assert.equal((await runScpiProgram(lease, { lines: lines('*IDN?') })).last, model.identityText());
  });

  it('a query that times out fails with E_TIMEOUT; its late reply is drained before the next program', async () => {
    open();
    await assert.rejects(runScpiProgram(lease, { lines: lines('SLOW? 150'), timeoutMs: 50 }), {
      code: 'E_TIMEOUT',
    });
    assert.equal((await runScpiProgram(lease, { lines: lines('*IDN?') })).last, model.identityText());
  });
});
