/** clear (drop cached drivers, keep handles) and clearAll (close handles too; next use reopens). */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { serialKey, visaKey } from '../../src/core/identity';
import { deferred, settle } from '../support/fake-handle';
import { fixture } from '../support/registry-fixture';
import { cacheKey } from '../../src/core/driver-cache';

let dir: string;
let device: string;
let link: string;

before(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'labbench-clear-')));
  device = path.join(dir, 'ttyUSB0');
  fs.writeFileSync(device, '');
  link = path.join(dir, 'usb-FTDI-A1');
  fs.symlinkSync(device, link);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const USB = 'USB0::0x05E6::0x2281::4518305::INSTR';

function twoResources() {
  const f = fixture();
  const serial = f.registry.acquire(f.spec('watlow', { key: serialKey(device), label: device }));
  const visa = f.registry.acquire(f.spec('keithley', { key: visaKey(USB), label: USB }));
  let builds = 0;
  const build = (what: string) => () => ({ what, n: ++builds });
  serial.cache.get(cacheKey('controller:1'), build('c1'));
  serial.cache.get(cacheKey('controller:2'), build('c2'));
  visa.cache.get(cacheKey('identity'), build('idn'));
  return { f, serial, visa, build, builds: () => builds };
}

describe('clear', () => {
  test('drops every cached driver, keeps handles open, reports counts', async () => {
    const { f, serial, visa, build, builds } = twoResources();
    await serial.open();
    await visa.open();
    const report = f.registry.clear();
    assert.equal(report.drivers, 3);
    assert.deepEqual(report.closed, []);
    assert.deepEqual(report.kept.sort(), [serialKey(device), visaKey(USB)].sort());
    assert.equal(serial.cache.size, 0);
    assert.equal(visa.cache.size, 0);
    await f.clock.advance(0);
    assert.deepEqual(f.events, ['open#1', 'open#2'], 'no handle closed');
    assert.equal(serial.state, 'open');
    // The next use rebuilds the driver.
    const before = builds();
    serial.cache.get(cacheKey('controller:1'), build('c1'));
    assert.equal(builds(), before + 1);
  });

  test('a target is canonicalised before matching: a symlink or another VISA spelling hits its resource only', () => {
    const { f, serial, visa } = twoResources();
    const bySymlink = f.registry.clear(link);
    assert.equal(bySymlink.drivers, 2);
    assert.deepEqual(bySymlink.kept, [serialKey(device)]);
    assert.equal(visa.cache.size, 1, 'the other resource is untouched');
    const byOtherSpelling = f.registry.clear('usb::1510::8833::4518305::instr');
    assert.equal(byOtherSpelling.drivers, 1);
    assert.deepEqual(byOtherSpelling.kept, [visaKey(USB)]);
    assert.equal(serial.cache.size, 0);
  });

  test('a target nobody uses clears nothing', () => {
    const { f } = twoResources();
    assert.deepEqual(f.registry.clear('/dev/ttyNOPE'), { drivers: 0, closed: [], kept: [] });
  });
});

describe('clearAll', () => {
  test('closes handles and drops drivers; leases stay; the next use reopens', async () => {
    const { f, serial, visa } = twoResources();
    await serial.open();
    await visa.open();
    const report = await f.registry.clearAll();
    assert.equal(report.drivers, 3);
    assert.deepEqual(report.closed.sort(), [serialKey(device), visaKey(USB)].sort());
    assert.deepEqual(f.events.slice(2).sort(), ['close#1', 'close#2']);
    assert.equal(serial.state, 'closed');
    assert.equal(serial.released, false, 'the lease survives');
    assert.equal(await serial.transact(async (h) => h.id), 3, 'reopened on next use');
    assert.deepEqual(f.events.slice(-1), ['open#3']);
  });

  test('with a target (any spelling), only that resource is closed', async () => {
    const { f, serial, visa } = twoResources();
    await serial.open();
    await visa.open();
    const report = await f.registry.clearAll('usb::1510::8833::4518305::0::instr');
    assert.deepEqual(report.closed, [visaKey(USB)]);
    assert.equal(report.drivers, 1);
    assert.equal(visa.state, 'closed');
    assert.equal(serial.state, 'open');
    assert.equal(serial.cache.size, 2);
    const viaSymlink = await f.registry.clearAll(link);
    assert.deepEqual(viaSymlink.closed, [serialKey(device)]);
  });

  test('waits for the transaction in flight before closing', async () => {
    const { f, serial } = twoResources();
    const gate = deferred();
    const tx = serial.transact(async () => {
      f.events.push('tx-start');
      await gate.promise;
      f.events.push('tx-end');
    });
    await settle();
    const cleared = f.registry.clearAll(device);
    await settle();
    assert.deepEqual(f.events, ['open#1', 'tx-start'], 'not closed under the running transaction');
    gate.resolve();
    await tx;
    await cleared;
    assert.deepEqual(f.events, ['open#1', 'tx-start', 'tx-end', 'close#1']);
  });

  test('a close that fails is logged, not thrown', async () => {
    const f = fixture();
    const lease = f.registry.acquire(
      f.spec('a', {
        open: async () => {
          const h = await f.opener.open();
          h.close = async () => {
            throw new Error('close exploded');
          };
          return h;
        },
      }),
    );
    await lease.open();
    const report = await f.registry.clearAll();
    assert.equal(report.closed.length, 1);
    assert.ok(
      f.logged.some((m) => /close exploded/.test(m)),
      f.logged.join('\n'),
    );
  });
});
