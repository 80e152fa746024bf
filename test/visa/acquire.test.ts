import { strict as assert } from 'node:assert';
import { until } from '../support/until';
import { after, afterEach, before, describe, it } from 'node:test';
import { serialKey } from '../../src/core/identity';
import { ResourceRegistry } from '../../src/core/registry';
import { serveScpiOverTcp } from '../../src/sim/visa/tcp-server';
import type { ScpiTcpServer } from '../../src/sim/visa/tcp-server';
import { SimUsbtmcDevice, createSimUsbBackend } from '../../src/sim/visa/usbtmc-device';
import { createSimulatedOpeners, createSimulators } from '../../src/sim';
import type { Simulators } from '../../src/sim';
import type { Openers } from '../../src/transport/openers';
import type { UsbBackend } from '../../src/transport/usbtmc-types';
import { acquireVisaSession } from '../../src/visa/acquire';
import { discoverVisaResources, listResources } from '../../src/visa/discovery';
import { EchoModel, IDN } from './echo-model';

type Coded = Error & { code?: string };

/** What `usb` 3.1.0 does in a container without /sys/bus/usb (measured here). */
const noSysfs: UsbBackend = {
  getDevices: () => Promise.reject(new Error('getDevices error: /sys/bus/usb/devices/ not found (errno 2)')),
};

/** Simulators with the ECHO model registered (listed as SIM::ECHO::E1::INSTR before first use). */
function echoSimulators(): Simulators {
  const simulators = createSimulators();
  simulators.instruments.register('ECHO', (serial) => new EchoModel(serial), { defaultSerial: 'E1' });
  return simulators;
}

/** The table of these tests: the real backends, the ECHO simulators, and `usb` when given. */
function tableWith(simulators: Simulators, usb?: UsbBackend): Openers {
  return createSimulatedOpeners({ simulators, ...(usb ? { usb } : {}) }).openers;
}

describe('acquireVisaSession', () => {
  let registry: ResourceRegistry;
  let server: ScpiTcpServer;
  const tcpModel = new EchoModel();
  const simulators = echoSimulators();
  const openers = tableWith(simulators);
  /** A session in the test's registry, 300 ms timeout, through `table` (the ECHO table by default). */
  const session = (resource: string, holder: string, table = openers) =>
    acquireVisaSession(registry, table, resource, holder, { timeoutMs: 300 });

  before(async () => {
    server = await serveScpiOverTcp(tcpModel, { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server.close();
  });
  afterEach(async () => {
    simulators.instruments.reset();
    const errors = await registry?.closeAll();
    assert.deepEqual(errors ?? [], []);
  });

  it('shares one session between two spellings of one simulated instrument', async () => {
    registry = new ResourceRegistry({ graceMs: 0 });
    const a = session('SIM::echo::e1::INSTR', 'node A');
    const b = session('sim::ECHO::E1', 'node B');
    assert.equal(a.key, b.key);
    assert.equal(await a.transact((s) => s.query('*IDN?')), IDN);
    await b.transact((s) => s.write(':VOLT 3'));
    assert.equal(await a.transact((s) => s.query(':VOLT?')), '3');
    const sa = await a.transact(async (s) => s);
    const sb = await b.transact(async (s) => s);
    assert.equal(sa, sb, 'one ScpiSession object');
    a.release({ immediate: true });
    b.release({ immediate: true });
  });

  it('keeps the simulated instrument state across close and reopen (cache-clear all)', async () => {
    registry = new ResourceRegistry({ graceMs: 0 });
    const lease = session('SIM::ECHO::E2::INSTR', 'node');
    await lease.transact((s) => s.write(':VOLT 9'));
    await registry.clearAll();
    assert.equal(await lease.transact((s) => s.query(':VOLT?')), '9');
    assert.equal((simulators.instruments.get('echo', 'e2') as EchoModel).voltage, 9);
    lease.release({ immediate: true });
  });

  it('claims protocol scpi: an ASRL instrument conflicts with a Watlow bus on the same port', () => {
    registry = new ResourceRegistry({ graceMs: 0 });
    const watlow = registry.acquire({
      key: serialKey('sim:bench'),
      label: 'sim:bench',
      holder: 'labbench-watlow "Oven"',
      claim: { protocol: 'stdbus', settings: { baudRate: 38400 } },
      open: async () => ({ close: async () => undefined }),
    });
    assert.throws(
      () => acquireVisaSession(registry, openers, 'ASRLsim:bench::INSTR', 'labbench-visa "DMM"'),
      (err: Coded) =>
        err.code === 'E_PROTOCOL_CONFLICT' && /Oven/.test(err.message) && /stdbus/.test(err.message),
    );
    watlow.release({ immediate: true });
  });

  it('a connection reset between calls is noticed and the next call reopens; an unplugged instrument is E_DISCONNECTED', async () => {
    registry = new ResourceRegistry({ graceMs: 0 });
    const lease = acquireVisaSession(registry, openers, `TCPIP0::127.0.0.1::${server.port}::SOCKET`, 'node', {
      timeoutMs: 500,
    });
    assert.equal(await lease.transact((s) => s.query('*IDN?')), IDN);
    const states: string[] = [];
    const off = lease.onState((state) => states.push(state));
    server.dropConnections();
    await until(() => states.includes('closed'), 'the registry to see the reset');
    assert.ok(states.includes('closed'), `the registry saw the reset (states: ${states.join(',')})`);
    assert.equal(await lease.transact((s) => s.query('*IDN?')), IDN);
    off();
    tcpModel.plugged = false;
    await assert.rejects(
      lease.transact((s) => s.query('*IDN?')),
      (err: Coded) => err.code === 'E_DISCONNECTED',
    );
    tcpModel.plugged = true;
    assert.equal(await lease.transact((s) => s.query('*IDN?')), IDN);
    lease.release({ immediate: true });
  });

  it('the real `usb` package here: USB resources fail cleanly (E_UNSUPPORTED without /sys/bus/usb, else E_NOT_FOUND)', async () => {
    registry = new ResourceRegistry({ graceMs: 0, openRetryDelaysMs: [] });
    const usb = session('USB0::0x05E6::0x2281::NO-SUCH-SERIAL::INSTR', 'node');
    await assert.rejects(
      usb.transact((s) => s.query('*IDN?')),
      (err: Coded) => err.code === 'E_UNSUPPORTED' || err.code === 'E_NOT_FOUND',
    );
    usb.release({ immediate: true });
  });

  it('USB unavailable: E_UNSUPPORTED for the USB resource while TCP keeps working', async () => {
    registry = new ResourceRegistry({ graceMs: 0, openRetryDelaysMs: [] });
    const usb = session('USB0::0x05E6::0x2281::4518305::INSTR', 'node U', tableWith(simulators, noSysfs));
    await assert.rejects(
      usb.transact((s) => s.query('*IDN?')),
      (err: Coded) =>
        err.code === 'E_UNSUPPORTED' && /no USB access/.test(err.message) && /TCPIP/.test(err.message),
    );
    const tcp = session(`TCPIP::127.0.0.1::${server.port}::SOCKET`, 'node T');
    assert.equal(await tcp.transact((s) => s.query('*IDN?')), IDN);
    usb.release({ immediate: true });
    tcp.release({ immediate: true });
  });

  it('USB with a bus but no such device: E_NOT_FOUND; with the device: a working session', async () => {
    registry = new ResourceRegistry({ graceMs: 0, openRetryDelaysMs: [] });
    const device = new SimUsbtmcDevice(new EchoModel(), { serial: '4518305' });
    // A USB bus whose devices the test changes: empty first, then with the instrument plugged in.
    let plugged: SimUsbtmcDevice[] = [];
    const usb: UsbBackend = { getDevices: () => createSimUsbBackend(plugged).getDevices() };
    const lease = session('USB::1510::8833::4518305', 'node', tableWith(simulators, usb));
    await assert.rejects(
      lease.transact((s) => s.query('*IDN?')),
      (err: Coded) => err.code === 'E_NOT_FOUND',
    );
    plugged = [device];
    assert.equal(await lease.transact((s) => s.query('*IDN?')), IDN);
    lease.release({ immediate: true });
  });
});

describe('discovery', () => {
  const simulators = echoSimulators();

  it('lists USBTMC devices as VISA strings plus simulated instruments', async () => {
    const devices = [new SimUsbtmcDevice(new EchoModel(), { serial: '4518305' })];
    const result = await discoverVisaResources({
      openers: tableWith(simulators, createSimUsbBackend(devices)),
    });
    assert.equal(result.usb.available, true);
    const names = result.resources.map((r) => r.resource);
    assert.ok(names.includes('USB0::0x05E6::0x2281::4518305::INSTR'), names.join(', '));
    assert.ok(names.includes('SIM::ECHO::E1::INSTR'), names.join(', '));
  });

  it('without USB access: no USB entries, the reason, and still the simulated ones', async () => {
    const result = await discoverVisaResources({ openers: tableWith(simulators, noSysfs) });
    assert.equal(result.usb.available, false);
    assert.match(result.usb.reason ?? '', /\/sys\/bus\/usb/);
    assert.ok(result.resources.every((r) => r.kind === 'sim'));
    assert.ok(
      (await listResources({ openers: tableWith(simulators, noSysfs) })).some(
        (r) => r.resource === 'SIM::ECHO::E1::INSTR',
      ),
    );
  });
});
