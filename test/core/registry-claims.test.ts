/** Sharing rule 3 (docs/design.md): the first lease fixes the port's protocol and settings; others must match. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LabbenchError } from '../../src/core/errors';
import { resourceKey, serialKey } from '../../src/core/identity';
import { fixture } from '../support/registry-fixture';

const STD_38400 = {
  protocol: 'stdbus',
  settings: { baudRate: 38400, dataBits: 8, parity: 'none', stopBits: 1 },
};
const STD_9600 = {
  protocol: 'stdbus',
  settings: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
};
const MODBUS = {
  protocol: 'modbus',
  settings: { baudRate: 38400, dataBits: 8, parity: 'none', stopBits: 1 },
};

describe('protocol and settings lock', () => {
  /** A second claim on the port `labbench-watlow "Oven 1"` holds for Std Bus at 38400, and what it says. */
  const CONFLICTS: {
    title: string;
    asker: string;
    claim: typeof MODBUS;
    code: string;
    name: string;
    says: [RegExp, string?][];
    resource?: string;
  }[] = [
    {
      title: 'another protocol fails with E_PROTOCOL_CONFLICT naming the holder and its protocol',
      asker: 'labbench-watlow "Chamber"',
      claim: MODBUS,
      code: 'E_PROTOCOL_CONFLICT',
      name: 'ProtocolConflictError',
      says: [
        [/labbench-watlow "Oven 1"/, 'names who holds the port'],
        [/stdbus/, 'names the protocol in use'],
        [/labbench-watlow "Chamber"/, 'names who asked'],
        [/modbus/],
        [/\/dev\/ttyFAKE0/, 'names the port'],
      ],
      resource: '/dev/ttyFAKE0',
    },
    {
      title: 'other settings fail with E_SETTINGS_CONFLICT naming the holder, both settings and what differs',
      asker: 'labbench-watlow "Oven 2"',
      claim: STD_9600,
      code: 'E_SETTINGS_CONFLICT',
      name: 'SettingsConflictError',
      says: [[/labbench-watlow "Oven 1"/], [/baudRate=38400/], [/baudRate=9600/], [/\(baudRate differ\)/]],
    },
  ];

  for (const c of CONFLICTS) {
    test(c.title, () => {
      const f = fixture();
      f.registry.acquire(f.spec('labbench-watlow "Oven 1"', { claim: STD_38400 }));
      assert.throws(
        () => f.registry.acquire(f.spec(c.asker, { claim: c.claim })),
        (err: unknown) => {
          assert.ok(err instanceof LabbenchError);
          assert.equal(err.code, c.code);
          assert.equal(err.name, c.name);
          for (const [pattern, why] of c.says) assert.match(err.message, pattern, why);
          if (c.resource !== undefined) assert.equal(err.resource, c.resource);
          return true;
        },
      );
    });
  }

  test('same protocol and settings share; leases without a claim never conflict', async () => {
    const f = fixture();
    const a = f.registry.acquire(f.spec('a', { claim: STD_38400 }));
    const b = f.registry.acquire(
      f.spec('b', { claim: { ...STD_38400, settings: { ...STD_38400.settings } } }),
    );
    const c = f.registry.acquire(f.spec('c'));
    assert.ok(a.sharesResourceWith(b));
    assert.ok(a.sharesResourceWith(c));
    assert.equal(a.protocol, 'stdbus');
    await Promise.all([a.open(), b.open(), c.open()]);
    assert.equal(f.opener.opens, 1);
  });

  test('a refused lease is not counted: the holder’s release still closes the port', async () => {
    const f = fixture();
    const a = f.registry.acquire(f.spec('a', { claim: STD_38400 }));
    await a.open();
    assert.throws(() => f.registry.acquire(f.spec('b', { claim: MODBUS })), { code: 'E_PROTOCOL_CONFLICT' });
    assert.equal(a.leaseCount, 1);
    a.release();
    await f.clock.advance(0);
    assert.deepEqual(f.events, ['open#1', 'close#1']);
  });

  test('after the holder releases, another protocol may claim the port', async () => {
    const f = fixture();
    const a = f.registry.acquire(f.spec('a', { claim: STD_38400 }));
    await a.open();
    a.release();
    const b = f.registry.acquire(f.spec('b', { claim: MODBUS }));
    assert.equal(b.protocol, 'modbus');
    await b.open();
    assert.deepEqual(
      f.events,
      ['open#1', 'close#1', 'open#2'],
      'the old handle is closed before the new opens',
    );
  });

  test('during a grace period (no lease left) another protocol takes over; old handle closed first', async () => {
    const f = fixture({ graceMs: 2000 });
    const a = f.registry.acquire(f.spec('a', { claim: STD_38400 }));
    await a.open();
    a.release();
    await f.clock.advance(500);
    const b = f.registry.acquire(f.spec('b', { claim: MODBUS }));
    await b.open();
    assert.deepEqual(f.events, ['open#1', 'close#1', 'open#2']);
    assert.equal(b.protocol, 'modbus');
  });

  test('with a protocol fixed by the second lease after the first (claimless) leaves, its claim rules', () => {
    const f = fixture();
    const plain = f.registry.acquire(f.spec('plain'));
    f.registry.acquire(f.spec('b', { claim: MODBUS }));
    plain.release();
    assert.throws(() => f.registry.acquire(f.spec('c', { claim: STD_38400 })), {
      code: 'E_PROTOCOL_CONFLICT',
    });
  });

  test('the lock applies across spellings: an ASRL instrument and a serial port on one device', () => {
    const f = fixture();
    const realpath = (p: string): string => (p === '/dev/serial/by-id/usb-FTDI-X' ? '/dev/ttyUSB0' : p);
    const portKey = serialKey('/dev/serial/by-id/usb-FTDI-X', { realpath });
    const asrlKey = resourceKey('ASRL/dev/ttyUSB0::INSTR', { realpath });
    assert.equal(portKey, asrlKey);
    f.registry.acquire(f.spec('labbench-serial-port "Bus A"', { key: portKey, claim: STD_38400 }));
    assert.throws(
      () =>
        f.registry.acquire(f.spec('labbench-visa "2281S"', { key: asrlKey, claim: { protocol: 'scpi' } })),
      { code: 'E_PROTOCOL_CONFLICT', message: /labbench-serial-port "Bus A".*stdbus/ },
    );
  });
});
