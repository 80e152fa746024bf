/** The opener table: each scheme routes to its entry, a missing one says why; OS errors keep classifiable codes. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'os';
import * as path from 'path';
import { toLabbenchError } from '../../src/core/errors';
import { parseVisaResource } from '../../src/core/identity';
import { createSimulatedOpeners } from '../../src/sim';
import { createSimLink } from '../../src/transport/sim-link';
import { DEFAULT_SERIAL_SETTINGS, ListenerSet } from '../../src/transport/types';
import { openSerialPort } from '../../src/transport/serial';
import { createOpeners } from '../../src/transport/default-openers';
import { openMessage, openStream, streamSchemeOf, unavailable } from '../../src/transport/openers';
import type { StreamOpener } from '../../src/transport/openers';

describe('opener table', () => {
  test("sim:<bus>?query goes to the table's sim: entry with the address as written and the settings", async () => {
    const calls: { address: string; baud: number }[] = [];
    const sim: StreamOpener = async (address, settings) => {
      calls.push({ address, baud: settings.baudRate });
      return createSimLink({ label: 'sim:bench' }).host;
    };
    const openers = createOpeners({ overrides: { streams: { sim } } });
    const stream = await openStream(openers, 'SIM:Bench?addresses=1,2', {
      ...DEFAULT_SERIAL_SETTINGS,
      baudRate: 9600,
    });
    assert.deepEqual(calls, [{ address: 'SIM:Bench?addresses=1,2', baud: 9600 }]);
    assert.equal(stream.label, 'sim:bench');
    await stream.close();
  });

  test('sim: in a table without simulators → E_UNSUPPORTED saying why', async () => {
    await assert.rejects(
      openStream(createOpeners(), 'sim:bench', DEFAULT_SERIAL_SETTINGS),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'E_UNSUPPORTED');
        assert.match(err.message, /^sim:bench: Simulated buses \(sim:\) unavailable: .*simulators/);
        return true;
      },
    );
    await assert.rejects(
      openMessage(createOpeners(), parseVisaResource('SIM::2281S::DEMO01::INSTR')),
      (err: Error & { code?: string }) =>
        err.code === 'E_UNSUPPORTED' && /SIM::2281S::DEMO01::INSTR: Simulated instruments/.test(err.message),
    );
  });

  test('tcp:// and modbus-tcp:// route to their own entries; an entry made unavailable says why', async () => {
    assert.equal(streamSchemeOf('tcp://127.0.0.1:502'), 'tcp');
    assert.equal(streamSchemeOf('MODBUS-TCP://127.0.0.1:502'), 'modbus-tcp');
    assert.equal(streamSchemeOf('/dev/ttyUSB0'), 'serial');
    assert.equal(streamSchemeOf('COM3'), 'serial');
    const calls: string[] = [];
    const recording =
      (scheme: string): StreamOpener =>
      async (address) => {
        calls.push(`${scheme} ${address}`);
        return createSimLink({ label: address }).host;
      };
    const openers = createOpeners({
      overrides: { streams: { tcp: recording('tcp'), 'modbus-tcp': recording('modbus-tcp') } },
    });
    for (const address of ['tcp://127.0.0.1:5020', 'modbus-tcp://127.0.0.1:5020']) {
      await (await openStream(openers, address, DEFAULT_SERIAL_SETTINGS)).close();
    }
    assert.deepEqual(calls, ['tcp tcp://127.0.0.1:5020', 'modbus-tcp modbus-tcp://127.0.0.1:5020']);
    const without = createOpeners({
      overrides: { streams: { tcp: unavailable('no network in this process') } },
    });
    await assert.rejects(
      openStream(without, 'tcp://127.0.0.1:5020', DEFAULT_SERIAL_SETTINGS),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'E_UNSUPPORTED');
        assert.match(err.message, /TCP streams \(tcp:\/\/\) unavailable: no network in this process/);
        return true;
      },
    );
  });

  test('USB with a backend that cannot load says why (E_UNSUPPORTED), as pyvisa-py does', async () => {
    const openers = createOpeners({
      usb: {
        getDevices: () => Promise.reject(new Error('getDevices error: /sys/bus/usb/devices/ not found')),
      },
    });
    await assert.rejects(
      openMessage(openers, parseVisaResource('USB0::0x05E6::0x2281::4518305::INSTR')),
      (err: Error & { code?: string }) => err.code === 'E_UNSUPPORTED' && /no USB access/.test(err.message),
    );
  });

  test('two tables have two independent sets of simulators', async () => {
    const a = createSimulatedOpeners();
    const b = createSimulatedOpeners();
    a.simulators.keithley('T1').setReplyDelay(0);
    assert.notEqual(a.simulators.keithley('T1'), b.simulators.keithley('T1'));
    const stream = await openStream(a.openers, 'sim:shared?addresses=3', DEFAULT_SERIAL_SETTINGS);
    await stream.close();
    assert.equal(a.simulators.watlow.has('shared'), true);
    assert.equal(b.simulators.watlow.has('shared'), false);
  });

  test('a missing OS port rejects with ENOENT and the path, which maps to E_NOT_FOUND', async () => {
    const missing = path.join(os.tmpdir(), `labbench-no-such-port-${process.pid}`);
    const err = await openSerialPort(missing, DEFAULT_SERIAL_SETTINGS).then(
      () => assert.fail('must not open'),
      (e: NodeJS.ErrnoException) => e,
    );
    assert.equal(err.code, 'ENOENT');
    assert.match(err.message, new RegExp(missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.equal(toLabbenchError(err, { resource: missing }).code, 'E_NOT_FOUND');
  });
});

describe('ListenerSet', () => {
  test('a throwing listener does not stop the others', () => {
    const set = new ListenerSet<[number]>();
    const got: number[] = [];
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      set.add(() => {
        throw new Error('bad listener');
      });
      const off = set.add((n) => got.push(n));
      set.emit(1);
      off();
      set.emit(2);
    } finally {
      console.warn = warn;
    }
    assert.deepEqual(got, [1]);
  });
});
