/**
 * Defect 8: IPv6 literals in VISA resource strings. `TCPIP0::[::1]::5025::SOCKET` parses, its
 * canonical form is lower-case and compressed (RFC 5952), two spellings of one address share one
 * key, and the raw TCP socket transport really connects to it (the simulator listening on ::1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'net';
import { formatVisaResource, parseVisaResource, visaKey } from '../../src/core/identity';
import { ResourceRegistry } from '../../src/core/registry';
import { Simulated2281S } from '../../src/sim/keithley/instrument';
import { serveScpiOverTcp } from '../../src/sim/visa/tcp-server';
import { acquireVisaSession } from '../../src/visa/acquire';
import { testOpeners } from '../support/backends';

test('IPv6 literals parse to the compressed lower-case address; spellings of one address share a key', () => {
  assert.deepEqual(parseVisaResource('TCPIP0::[::1]::5025::SOCKET'), {
    kind: 'socket',
    board: 0,
    host: '::1',
    port: 5025,
  });
  assert.equal(visaKey('TCPIP0::[::1]::5025::SOCKET'), 'TCPIP0::[::1]::5025::SOCKET');
  assert.equal(visaKey('tcpip::[0:0:0:0:0:0:0:1]::5025::socket'), 'TCPIP0::[::1]::5025::SOCKET');
  assert.equal(visaKey('TCPIP::[FE80:0:0::1]::5025::SOCKET'), 'TCPIP0::[fe80::1]::5025::SOCKET');
  assert.equal(
    visaKey('TCPIP0::[2001:DB8:0:0:1:0:0:1]::inst0::INSTR'),
    'TCPIP0::[2001:db8::1:0:0:1]::inst0::INSTR',
  );
  assert.equal(visaKey('TCPIP0::[fe80::1%eth0]'), 'TCPIP0::[fe80::1%eth0]::inst0::INSTR');
  assert.equal(
    formatVisaResource(parseVisaResource('TCPIP::[::FFFF:7F00:1]::5025::SOCKET')),
    'TCPIP0::[::ffff:7f00:1]::5025::SOCKET',
  );
  for (const bad of [
    'TCPIP0::[::1::5025::SOCKET',
    'TCPIP0::[zz::1]::5025::SOCKET',
    'TCPIP0::fe80::1::5025::SOCKET',
    'TCPIP0::[]::5025::SOCKET',
    'TCPIP0::[[::1]]::5025::SOCKET',
  ]) {
    assert.throws(() => parseVisaResource(bad), { code: 'E_INVALID_INPUT' }, bad);
  }
});

async function loopbackV6Available(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
}

test('the TCP socket transport connects to TCPIP0::[::1]::<port>::SOCKET', async () => {
  // This machine has ::1; a CI runner without IPv6 loopback must say so loudly, not pass silently.
  assert.ok(await loopbackV6Available(), 'IPv6 loopback (::1) is needed for this test');
  const model = new Simulated2281S('V6T01');
  const server = await serveScpiOverTcp(model, { host: '::1', port: 0 });
  const registry = new ResourceRegistry({ graceMs: 0 });
  try {
    const lease = acquireVisaSession(
      registry,
      testOpeners,
      `TCPIP0::[::1]::${server.port}::SOCKET`,
      'ipv6 test',
      {
        timeoutMs: 2000,
      },
    );
    assert.equal(lease.label, `TCPIP0::[::1]::${server.port}::SOCKET`);
    assert.equal(await lease.transact((s) => s.query('*IDN?')), model.identity);
    lease.release({ immediate: true });
  } finally {
    await registry.closeAll();
    await server.close();
  }
});
