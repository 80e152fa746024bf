/** openSerialStream: sim: paths go to the registered simulator; OS errors keep classifiable codes. */
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'os';
import * as path from 'path';
import { toLabbenchError } from '../../src/core/errors';
import { createSimLink } from '../../src/transport/sim-link';
import { DEFAULT_SERIAL_SETTINGS, ListenerSet } from '../../src/transport/types';
import { openSerialStream, registerSimBusProvider } from '../../src/transport/serial';

afterEach(() => registerSimBusProvider(undefined));

describe('openSerialStream', () => {
  test('sim:<bus>?query goes to the registered provider with the bus, the options and the settings', async () => {
    const calls: { bus: string; addresses: string | null; baud: number }[] = [];
    registerSimBusProvider((bus, query, settings) => {
      calls.push({ bus, addresses: query.get('addresses'), baud: settings.baudRate });
      return createSimLink({ label: `sim:${bus}` }).host;
    });
    const stream = await openSerialStream('SIM:Bench?addresses=1,2', {
      ...DEFAULT_SERIAL_SETTINGS,
      baudRate: 9600,
    });
    assert.deepEqual(calls, [{ bus: 'bench', addresses: '1,2', baud: 9600 }]);
    assert.equal(stream.label, 'sim:bench');
    await stream.close();
  });

  test('sim: with no simulator loaded → E_UNSUPPORTED', async () => {
    await assert.rejects(openSerialStream('sim:bench', DEFAULT_SERIAL_SETTINGS), { code: 'E_UNSUPPORTED' });
  });

  test('a missing OS port rejects with ENOENT and the path, which maps to E_NOT_FOUND', async () => {
    const missing = path.join(os.tmpdir(), `labbench-no-such-port-${process.pid}`);
    const err = await openSerialStream(missing, DEFAULT_SERIAL_SETTINGS).then(
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
