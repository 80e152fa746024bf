/** Sharing rule 7 (docs/design.md) on a real port: held (locked) by another process → E_BUSY after 5 attempts. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { LabbenchError } from '../../src/core/errors';
import { ResourceRegistry } from '../../src/core/registry';
import { holdPortInChild, ptyWithEcho, requireSocat, roundTrip } from '../support/pty';
import { serialLease } from './serial-lease';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('a port locked by another process: E_BUSY after the retry schedule (5 attempts); free again → opens', async (t) => {
  if (!requireSocat(t)) return;
  const { pair } = await ptyWithEcho(cleanups);
  const holder = await holdPortInChild(pair.a);
  cleanups.push(() => holder.kill());
  const registry = new ResourceRegistry({ log: () => undefined }); // real clock: real schedule
  cleanups.push(async () => void (await registry.closeAll()));

  const attempts: string[] = [];
  const lease = serialLease(registry, pair.a, () => attempts.push('open'));
  const err = await lease.open().then(
    () => assert.fail('must not open a port another process holds'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof LabbenchError, String(err));
  assert.equal(err.code, 'E_BUSY');
  assert.equal(err.name, 'BusyError');
  assert.ok(err.message.includes(pair.a), err.message);
  assert.match(err.message, /Cannot lock port|temporarily unavailable/i, 'keeps the OS reason');
  assert.equal(attempts.length, 5, 'first try + 4 retries');

  // The other program lets go: the next use opens and works.
  await holder.kill();
  attempts.length = 0;
  const reply = await lease.transact((s, signal) => roundTrip(s, Buffer.from('after busy'), signal), {
    timeoutMs: 2000,
  });
  assert.equal(reply.toString(), 'after busy');
  assert.equal(attempts.length, 1);
});
