/**
 * The real 2281S simulator model served over every VISA transport (in-process, raw TCP, VXI-11,
 * simulated USBTMC): the same session behaviour whatever the wire, and the model's session
 * bookkeeping and busy-on-open fault reach the registry's retry through each transport.
 */
import { until } from '../support/until';
import { strict as assert } from 'node:assert';
import { after, afterEach, before, describe, it } from 'node:test';
import { ResourceRegistry } from '../../src/core/registry';
import { Simulated2281S } from '../../src/sim/keithley/instrument';
import { acquireVisaSession } from '../../src/visa/acquire';
import { serveOnEveryWire, type EveryWire } from './every-wire';

type Coded = Error & { code?: string; deviceCode?: number };

describe('2281S simulator over every transport', () => {
  const models = {
    sim: new Simulated2281S('SIMT01'),
    tcp: new Simulated2281S('TCPT01'),
    vxi: new Simulated2281S('VXIT01'),
    usb: new Simulated2281S('USBT01'),
  };
  let wires: EveryWire;
  let registry: ResourceRegistry;

  before(async () => {
    wires = await serveOnEveryWire({
      tcp: models.tcp,
      vxi: models.vxi,
      usb: { model: models.usb, device: { serial: 'USBT01' } },
    });
    wires.simulators.instruments.register('K2281T', () => models.sim);
  });
  after(async () => {
    await wires.close();
  });
  afterEach(async () => {
    assert.deepEqual(await registry.closeAll(), []);
  });

  const resources = (): [keyof typeof models, string][] => [
    ['sim', 'SIM::K2281T::SIMT01::INSTR'],
    ['tcp', wires.resources.tcp],
    ['vxi', wires.resources.vxi],
    ['usb', 'USB0::0x05E6::0x2281::usbt01::INSTR'],
  ];

  it('identifies, sets and reads back, and maps refused commands to DeviceError on each transport', async () => {
    registry = new ResourceRegistry({ graceMs: 0 });
    for (const [name, resource] of resources()) {
      const lease = acquireVisaSession(registry, wires.openers, resource, `test ${name}`, { timeoutMs: 300 });
      const idn = await lease.transact((s) => s.query('*IDN?'));
      assert.equal(idn, models[name].identity, name);
      await lease.transact((s) => s.writeCommand(':VOLT', [3.3]));
      assert.equal(Number(await lease.transact((s) => s.query(':VOLT?'))), 3.3, name);
      await assert.rejects(
        lease.transact((s) => s.writeCommand(':VOLT', [99])),
        (err: Coded) => err.code === 'E_DEVICE_ERROR' && typeof err.deviceCode === 'number',
        name,
      );
      // The parser quirk after an unchecked rejected command, recovered on every wire.
      await lease.transact((s) => s.write(':NOSUCH:COMMAND 1', { check: false }));
      assert.equal(
        await lease.transact((s) => s.query('*IDN?')),
        models[name].identity,
        `${name} after quirk`,
      );
      lease.release({ immediate: true });
    }
  });

  it('busy on open is retried by the registry on each transport that can say busy; sessions are counted and closed', async () => {
    registry = new ResourceRegistry({ graceMs: 0, openRetryDelaysMs: [5, 5, 5, 5] });
    for (const [name, resource] of resources()) {
      if (name === 'tcp') continue; // a raw socket cannot answer "busy": the instrument drops it
      const model = models[name];
      model.failOpensWithBusy(2);
      const opened = model.sessionsOpened;
      const lease = acquireVisaSession(registry, wires.openers, resource, `test ${name}`, { timeoutMs: 300 });
      assert.equal(await lease.transact((s) => s.query('*IDN?')), model.identity, name);
      assert.equal(model.sessionsOpened, opened + 1, `${name}: one session after two busy refusals`);
      assert.equal(model.openSessions, 1, name);
      lease.release({ immediate: true });
      await registry.closeAll();
      await until(() => model.openSessions === 0, `${name}: session closed`);
    }
  });
});
