/** Error codes: codes, class names (what Catch nodes print) and the one classification of foreign errors. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as errors from '../../src/core/errors';
import {
  ERROR_CODES,
  LabbenchError,
  PollFailedError,
  TimeoutError,
  DisconnectedError,
  BusyError,
  DeviceError,
  isBusy,
  isDeviceGone,
  toLabbenchError,
} from '../../src/core/errors';
import { osError } from '../support/fake-handle';

const classes: [string, string][] = [
  ['InvalidInputError', 'E_INVALID_INPUT'],
  ['OutOfRangeError', 'E_OUT_OF_RANGE'],
  ['ReadOnlyError', 'E_READ_ONLY'],
  ['VerifyError', 'E_VERIFY'],
  ['TimeoutError', 'E_TIMEOUT'],
  ['BusyError', 'E_BUSY'],
  ['NotFoundError', 'E_NOT_FOUND'],
  ['PermissionError', 'E_PERMISSION'],
  ['DisconnectedError', 'E_DISCONNECTED'],
  ['QueueFullError', 'E_QUEUE_FULL'],
  ['ProtocolConflictError', 'E_PROTOCOL_CONFLICT'],
  ['SettingsConflictError', 'E_SETTINGS_CONFLICT'],
  ['RoleConflictError', 'E_ROLE_CONFLICT'],
  ['DeviceError', 'E_DEVICE_ERROR'],
  ['ProtocolError', 'E_PROTOCOL'],
  ['UnsupportedError', 'E_UNSUPPORTED'],
  ['ClosedError', 'E_CLOSED'],
];

describe('error classes', () => {
  for (const [name, code] of classes) {
    test(`${name} has code ${code} and prints as "${name}: …"`, () => {
      const Ctor = (
        errors as unknown as Record<string, new (m: string, o?: errors.LabbenchErrorOptions) => LabbenchError>
      )[name];
      assert.equal(typeof Ctor, 'function', `${name} is exported`);
      const err = new Ctor('the message', { resource: '/dev/ttyUSB0' });
      assert.ok(err instanceof Error);
      assert.ok(err instanceof LabbenchError);
      assert.equal(err.code, code);
      assert.equal(err.name, name);
      assert.equal(String(err), `${name}: the message`);
      assert.equal(err.resource, '/dev/ttyUSB0');
      assert.match(err.stack ?? '', new RegExp(`^${name}: the message`));
    });
  }

  test('every error code has exactly one class', () => {
    const covered = new Set([...classes.map(([, c]) => c), 'E_POLL_FAILED']);
    assert.deepEqual([...covered].sort(), [...ERROR_CODES].sort());
    assert.equal(covered.size, classes.length + 1);
  });

  test('PollFailedError keeps its failures', () => {
    const inner = [new TimeoutError('a'), new DeviceError('b', { deviceCode: 0x84 })];
    const err = new PollFailedError('2 of 5 reads failed', inner);
    assert.equal(err.code, 'E_POLL_FAILED');
    assert.equal(String(err), 'PollFailedError: 2 of 5 reads failed');
    assert.equal(err.failures.length, 2);
    assert.equal(err.failures[1].deviceCode, 0x84);
  });

  test('deviceCode, cause and toJSON', () => {
    const cause = new Error('root');
    const err = new DeviceError('-222,"Data out of range"', { deviceCode: -222, cause });
    assert.equal(err.deviceCode, -222);
    assert.equal(err.cause, cause);
    assert.deepEqual(JSON.parse(JSON.stringify(err)), {
      code: 'E_DEVICE_ERROR',
      message: '-222,"Data out of range"',
      name: 'DeviceError',
      deviceCode: -222,
    });
    assert.deepEqual(new TimeoutError('x').toJSON(), {
      code: 'E_TIMEOUT',
      message: 'x',
      name: 'TimeoutError',
    });
  });
});

describe('classification of foreign errors', () => {
  test('device gone: OS codes and messages', () => {
    for (const code of ['ENODEV', 'EIO', 'ENXIO', 'ECONNRESET', 'EPIPE', 'LIBUSB_ERROR_NO_DEVICE']) {
      assert.equal(isDeviceGone(osError(code)), true, code);
    }
    assert.equal(isDeviceGone(new Error('Input/output error')), true);
    assert.equal(isDeviceGone(new Error('write EIO')), true);
    assert.equal(isDeviceGone(new DisconnectedError('x')), true);
    for (const notGone of [
      osError('ETIMEDOUT'),
      osError('ENOENT'),
      new Error('bad CRC'),
      new TimeoutError('x'),
    ]) {
      assert.equal(isDeviceGone(notGone), false, String(notGone));
    }
  });

  test('busy: EBUSY, lock held, libusb busy', () => {
    assert.equal(isBusy(osError('EBUSY')), true);
    assert.equal(isBusy(new Error('Error Resource temporarily unavailable Cannot lock port')), true);
    assert.equal(isBusy(osError('LIBUSB_ERROR_BUSY', 'claim failed')), true);
    assert.equal(isBusy(new Error('claimInterface error: interface is busy')), true);
    assert.equal(isBusy(new BusyError('x')), true);
    assert.equal(isBusy(osError('EIO')), false);
    assert.equal(isBusy(new Error('something else')), false);
    assert.equal(isBusy(new TimeoutError('Resource busy')), false, 'typed errors are not reclassified');
  });

  test('toLabbenchError maps once, keeps the original as cause, names the resource', () => {
    const table: [unknown, string][] = [
      [osError('EBUSY'), 'E_BUSY'],
      [new Error('Cannot lock port'), 'E_BUSY'],
      [osError('EIO'), 'E_DISCONNECTED'],
      [osError('ECONNRESET'), 'E_DISCONNECTED'],
      [osError('ENODEV'), 'E_DISCONNECTED'],
      [osError('ENOENT', 'ENOENT: no such file or directory'), 'E_NOT_FOUND'],
      [new Error('who knows'), 'E_PROTOCOL'],
      ['a string', 'E_PROTOCOL'],
    ];
    for (const [input, code] of table) {
      const err = toLabbenchError(input, { resource: '/dev/ttyUSB0', action: 'Opening' });
      assert.ok(err instanceof LabbenchError);
      assert.equal(err.code, code, String(input));
      assert.equal(err.resource, '/dev/ttyUSB0');
      assert.equal(err.cause, input);
      assert.match(err.message, /Opening failed on \/dev\/ttyUSB0/);
    }
    const typed = new TimeoutError('already typed');
    assert.equal(toLabbenchError(typed, { resource: 'x' }), typed, 'typed errors pass through unchanged');
    assert.match(String(toLabbenchError(osError('EIO'))), /^DisconnectedError: /);
  });
});
