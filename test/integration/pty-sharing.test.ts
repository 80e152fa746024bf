/**
 * Sharing rule 1 (docs/design.md) on real serial ports: a symlink and its target, opened through two leases,
 * share ONE OS handle; bytes really round-trip through the PTY.
 */
import { until } from '../support/until';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { resourceKey, serialKey } from '../../src/core/identity';
import { ResourceRegistry } from '../../src/core/registry';
import type { ByteStream, SerialSettings } from '../../src/transport/types';
import { openSerialPort } from '../../src/transport/serial';
import { openPtyFds, ptyWithEcho, requireSocat, roundTrip } from '../support/pty';

const SETTINGS: SerialSettings = { baudRate: 38400, dataBits: 8, parity: 'none', stopBits: 1 };
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('a symlink and its target share one OS handle; bytes round-trip through the PTY', async (t) => {
  if (!requireSocat(t)) return;
  const { dir, pair } = await ptyWithEcho(cleanups);
  const registry = new ResourceRegistry({ log: () => undefined });
  cleanups.push(async () => void (await registry.closeAll()));

  // Three spellings of port A: the socat link, a by-id style symlink to it, the /dev/pts/N itself.
  const alias = path.join(dir, 'usb-FTDI_FT232R_ABC123-if00-port0');
  fs.symlinkSync(pair.a, alias);
  const device = fs.realpathSync(pair.a);
  assert.match(device, /^\/dev\/pts\/\d+$/);

  const opens: string[] = [];
  const opener = (spelling: string) => async (): Promise<ByteStream> => {
    opens.push(spelling);
    return openSerialPort(spelling, SETTINGS);
  };
  const claim = { protocol: 'stdbus', settings: { ...SETTINGS } };
  const viaAlias = registry.acquire({
    key: serialKey(alias),
    label: alias,
    holder: 'labbench-watlow "Oven 1"',
    claim,
    open: opener(alias),
  });
  const viaDevice = registry.acquire({
    key: serialKey(device),
    label: device,
    holder: 'labbench-watlow "Oven 2"',
    claim,
    open: opener(device),
  });
  assert.equal(viaAlias.key, viaDevice.key);
  assert.equal(viaAlias.key, `serial:${device}`);
  assert.equal(resourceKey(`ASRL${pair.a}::INSTR`), viaAlias.key, 'an ASRL spelling is the same resource');
  assert.ok(viaAlias.sharesResourceWith(viaDevice));

  // Both leases talk at the same time; the lock serialises them; one handle carries both.
  const streams = new Set<ByteStream>();
  const requests = Array.from({ length: 10 }, (_, i) => Buffer.from(`req-${i}-${'x'.repeat(12)}`));
  const replies = await Promise.all(
    requests.map((req, i) =>
      (i % 2 === 0 ? viaAlias : viaDevice).transact(
        async (stream, signal) => {
          streams.add(stream);
          return roundTrip(stream, req, signal);
        },
        { timeoutMs: 2000 },
      ),
    ),
  );
  replies.forEach((reply, i) =>
    assert.deepEqual(reply, requests[i], `reply ${i} is the echo of request ${i}`),
  );
  assert.deepEqual(opens, [alias], 'opened once, through the first spelling; the second open never happened');
  assert.equal(streams.size, 1, 'both leases used the same stream object');
  assert.deepEqual(
    openPtyFds().filter((p) => p === device),
    [device],
    'exactly one OS file descriptor on the device',
  );

  // Our handle holds the serial lock: another program opening the device now is refused.
  const { SerialPort } = await import('serialport');
  const intruder = new SerialPort({ path: device, baudRate: 38400, autoOpen: false, lock: true });
  const refused = await new Promise<Error | null>((resolve) => intruder.open((err) => resolve(err)));
  assert.ok(refused, 'a second lock on the device must fail while we hold it');
  assert.match(refused.message, /lock|temporarily unavailable/i);

  // Measured fact for the report: round trip of 20 bytes through the registry and the PTY.
  const times: number[] = [];
  const req = Buffer.alloc(20, 0x5a);
  for (let i = 0; i < 200; i++) {
    const t0 = process.hrtime.bigint();
    await viaAlias.transact((s, signal) => roundTrip(s, req, signal), { timeoutMs: 2000 });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  t.diagnostic(
    `20-byte round trip via registry + PTY: median ${times[100].toFixed(3)} ms, p95 ${times[190].toFixed(3)} ms`,
  );

  // The last release closes the one handle: the device is free again.
  viaAlias.release();
  viaDevice.release();
  await until(() => !openPtyFds().includes(device), 'the handle closed after the last release');
  assert.deepEqual(
    openPtyFds().filter((p) => p === device),
    [],
    'the handle is closed after the last release',
  );
  const again = new SerialPort({ path: device, baudRate: 38400, autoOpen: false, lock: true });
  const err = await new Promise<Error | null>((resolve) => again.open((e) => resolve(e)));
  assert.equal(err, null, 'lock released');
  await new Promise<void>((r) => again.close(() => r()));
});
