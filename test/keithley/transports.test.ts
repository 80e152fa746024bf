/**
 * The 2281S driver over the real OS transports: a raw TCP socket on 127.0.0.1 to the simulator
 * served by the VISA layer's TCP server, and USBTMC through the simulated USB device (busy on
 * open, with a fake clock for the retry schedule). Loopback only.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock';
import { ResourceRegistry } from '../../src/core/registry';
import { Keithley2281SClient } from '../../src/keithley';
import { createSimulatedOpeners } from '../../src/sim';
import { createOpeners } from '../../src/transport/default-openers';
import { testOpeners, testSimulators } from '../support/backends';
import { parseKeithleySimulatorArgs, runKeithleySimulator } from '../../src/sim/keithley/cli';
import { SimUsbtmcDevice, createSimUsbBackend, serveScpiOverTcp } from '../../src/sim/visa';
import { acquireVisaSession } from '../../src/visa/acquire';
import { freshSerial, withBench, type Bench } from './support';

describe('raw TCP socket', () => {
  /** A bench on a fresh 2281S served over TCP on loopback, closed (bench and server) after `run`. */
  async function onTcpBench(
    prefix: string,
    run: (b: Bench, server: Awaited<ReturnType<typeof serveScpiOverTcp>>) => Promise<void>,
  ): Promise<void> {
    const serial = freshSerial(prefix);
    const server = await serveScpiOverTcp(testSimulators.keithley(serial), { host: '127.0.0.1', port: 0 });
    try {
      await withBench({ serial, resource: `TCPIP0::127.0.0.1::${server.port}::SOCKET` }, (b) =>
        run(b, server),
      );
    } finally {
      await server.close();
    }
  }

  test('two spellings of one TCPIP SOCKET resource share one session and one connection', async () => {
    await onTcpBench('tcp', async (b, server) => {
      const other = b.acquire(`tcpip::127.0.0.1::${server.port}::socket`);
      assert.ok(other.sharesResourceWith(b.lease));
      await b.client('supply').applySupply({ voltage: 2 });
      await b.client('battery', other).applyBattery({ soc: 60 });
      await b.client('supply', other).readSupplyState();
      assert.equal(b.opens(), 1);
      assert.equal(server.connectionCount, 1);
      assert.deepEqual(b.sim.commandsMatching(/^:ENTR:FUNC\s+\S/), [':ENTR:FUNC SIM', ':ENTR:FUNC POW']);
    });
  });

  test('a dropped connection is replaced (old closed first) and the operation retried once', async () => {
    await onTcpBench('drop', async (b, server) => {
      const supply = b.client('supply');
      await supply.applySupply({ voltage: 1 });
      const before = b.states.length;
      b.sim.dropConnection(); // the instrument resets the socket on the next message
      b.sim.clearCommandLog();
      const state = await supply.applySupply({ voltage: 2.5 });
      assert.equal(state.setpoint.voltage, 2.5);
      const after = b.states.slice(before);
      assert.ok(after.includes('closed'), after.join(','));
      assert.ok(
        after.lastIndexOf('closed') < after.lastIndexOf('opening'),
        `old closed before reopening: ${after}`,
      );
      assert.equal(b.opens(), 2);
      assert.equal(server.connectionCount, 1, 'the old connection is gone, one is open');
      assert.equal(
        b.sim.commandsMatching(/^:SOUR1:VOLT 2\.5$/).length,
        1,
        'applied once, on the new connection',
      );
      assert.equal(b.sim.commandsMatching(/^:ENTR:FUNC\?$/).length, 1, 'function re-read after reconnect');
    });
  });
});

describe('USBTMC (simulated USB device)', () => {
  /**
   * A simulated USB 2281S that answers "busy" on open, and a session on it (not opened yet) in a
   * registry on a FakeClock: the retry schedule is the clock's requested delays.
   */
  function busyUsbSession(prefix: string, resource: (serial: string) => string, timeoutMs?: number) {
    const serial = freshSerial(prefix);
    const device = new SimUsbtmcDevice(testSimulators.keithley(serial), { serial, busy: true });
    const clock = new FakeClock();
    const registry = new ResourceRegistry({ clock, log: () => undefined });
    const openers = createSimulatedOpeners({
      simulators: testSimulators,
      usb: createSimUsbBackend([device]),
    }).openers;
    const options = timeoutMs === undefined ? undefined : { timeoutMs };
    const lease = acquireVisaSession(registry, openers, resource(serial), 'labbench-visa "usb"', options);
    return { serial, device, clock, registry, lease };
  }

  test('busy on open is retried on the schedule 0.2 / 0.5 / 1 s, then the session opens', async () => {
    const { serial, device, clock, registry, lease } = busyUsbSession(
      'usb',
      (serial) => `USB0::0x05E6::0x2281::${serial}::INSTR`,
      1000,
    );
    try {
      const retryDelays = (): number[] =>
        clock.requestedDelays.filter((d) => [200, 500, 1000, 2000].includes(d));
      const waitForRetry = async (count: number): Promise<void> => {
        for (let i = 0; i < 10_000 && retryDelays().length < count; i++)
          await new Promise((r) => setImmediate(r));
        assert.equal(retryDelays().length, count, 'the registry scheduled the next attempt');
      };
      const pending = new Keithley2281SClient(lease, 'keithley-supply "usb"').readSupplyState();
      pending.catch(() => undefined);
      await waitForRetry(1);
      await clock.advance(200);
      await waitForRetry(2);
      device.busy = false; // the other program lets go
      await clock.advance(500);
      const state = await pending;
      assert.equal(state.instrument.serial, serial.toUpperCase());
      assert.deepEqual(retryDelays(), [200, 500]);
      assert.equal(lease.state, 'open');
    } finally {
      await registry.closeAll();
    }
  });

  test('busy for longer than the schedule fails with E_BUSY', async () => {
    const { serial, clock, registry, lease } = busyUsbSession(
      'usbbusy',
      (serial) => `USB0::1510::8833::${serial}::INSTR`,
    );
    try {
      const pending = new Keithley2281SClient(lease, 'supply').readSupplyState();
      const outcome = pending.then(
        () => undefined,
        (err: { code?: string }) => err.code,
      );
      for (const delay of [200, 500, 1000, 2000]) {
        for (let i = 0; i < 10_000 && !clock.requestedDelays.includes(delay); i++) {
          await new Promise((r) => setImmediate(r));
        }
        await clock.advance(delay);
      }
      assert.equal(await outcome, 'E_BUSY');
      assert.deepEqual(testSimulators.keithley(serial).commandLog, []);
    } finally {
      await registry.closeAll();
    }
  });

  test('two spellings of one USB instrument (hex and decimal IDs, any case) share one claim', async () => {
    const serial = freshSerial('usbtwo');
    const device = new SimUsbtmcDevice(testSimulators.keithley(serial), { serial });
    const usb = createSimUsbBackend([device]);
    await withBench({ serial, resource: `USB0::0x05E6::0x2281::${serial}::INSTR`, usb }, async (b) => {
      const other = b.acquire(`usb::1510::8833::${serial.toLowerCase()}::instr`);
      assert.ok(other.sharesResourceWith(b.lease));
      await b.client('supply').applySupply({ voltage: 3 });
      await b.client('battery', other).applyBattery({ soc: 30 });
      assert.equal(b.opens(), 1);
    });
  });
});

describe('labbench-sim keithley', () => {
  test('parses its command line', () => {
    assert.deepEqual(
      parseKeithleySimulatorArgs(['--tcp', '127.0.0.1:5025', '--vxi11', '127.0.0.1:1111', '--serial', 'ab1']),
      {
        tcp: { host: '127.0.0.1', port: 5025 },
        vxi11: { host: '127.0.0.1', port: 1111 },
        serial: 'AB1',
      },
    );
    assert.throws(() => parseKeithleySimulatorArgs([]), { code: 'E_INVALID_INPUT' });
    assert.throws(() => parseKeithleySimulatorArgs(['--tcp', 'localhost']), { code: 'E_INVALID_INPUT' });
    assert.throws(() => parseKeithleySimulatorArgs(['--tcp', '127.0.0.1:1', '--serial', 'a;b']), {
      code: 'E_INVALID_INPUT',
    });
  });

  test('serves the simulator on TCP; the driver reaches it there', async () => {
    const serial = freshSerial('cli');
    const running = await runKeithleySimulator(['--tcp', '127.0.0.1:0', '--serial', serial]);
    const registry = new ResourceRegistry({ log: () => undefined });
    try {
      const resource = running.resources[0];
      assert.match(resource, /^TCPIP0::127\.0\.0\.1::\d+::SOCKET$/);
      const lease = acquireVisaSession(registry, testOpeners, resource, 'cli test', { timeoutMs: 1000 });
      const state = await new Keithley2281SClient(lease, 'supply').applySupply({ voltage: 1.25 });
      assert.equal(state.setpoint.voltage, 1.25);
      assert.equal(state.instrument.serial, serial.toUpperCase());
    } finally {
      await registry.closeAll();
      await running.close();
    }
  });

  test('serves the same instrument on VXI-11; the battery role works there', async () => {
    const serial = freshSerial('vxi');
    const running = await runKeithleySimulator(['--vxi11', '127.0.0.1:0', '--serial', serial]);
    const registry = new ResourceRegistry({ log: () => undefined });
    try {
      assert.deepEqual(running.resources, ['TCPIP0::127.0.0.1::inst0::INSTR']);
      assert.ok(running.vxi11PortmapperPort !== undefined && running.vxi11PortmapperPort > 0);
      const openers = createOpeners({ vxi11PortmapperPort: running.vxi11PortmapperPort });
      const lease = acquireVisaSession(registry, openers, running.resources[0], 'vxi test', {
        timeoutMs: 1000,
      });
      const { state } = await new Keithley2281SClient(lease, 'battery').applyBattery({
        model: 'nimh1_2',
        soc: 60,
      });
      assert.equal(state.model, 'NIMH1_2');
      assert.equal(running.instrument.battery.soc, 60);
    } finally {
      await registry.closeAll();
      await running.close();
    }
  });
});
