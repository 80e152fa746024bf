/**
 * Sharing rule 8 (docs/design.md) on a real port: the PTY's other end dies mid-use (socat killed) → the next use
 * fails with E_DISCONNECTED; once the PTY is back (same link names), the next use succeeds.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { LabbenchError } from '../../src/core/errors';
import { ResourceRegistry } from '../../src/core/registry';
import { openPtyFds, ptyWithEcho, requireSocat, roundTrip, startEcho } from '../support/pty';
import { serialLease } from './serial-lease';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`socat killed (${signal}) mid-use → E_DISCONNECTED; PTY back → the next use succeeds`, async (t) => {
    if (!requireSocat(t)) return;
    const fixture = await ptyWithEcho(cleanups);
    const { pair } = fixture;
    let echo = fixture.echo;
    cleanups.push(() => echo.close()); // the echo restarted below
    const registry = new ResourceRegistry({ log: () => undefined });
    cleanups.push(async () => void (await registry.closeAll()));

    const opens: string[] = [];
    const states: string[] = [];
    const lease = serialLease(registry, pair.a, () =>
      opens.push(fs.existsSync(pair.a) ? fs.realpathSync(pair.a) : 'missing'),
    );
    lease.onState((s, err) => states.push(err ? `${s}:${err.code}` : s));
    const ask = (text: string): Promise<string> =>
      lease.transact((s, sig) => roundTrip(s, Buffer.from(text), sig).then(String), { timeoutMs: 2000 });

    assert.equal(await ask('before unplug'), 'before unplug');
    const [firstDevice] = pair.targets();

    await pair.stop(signal); // the cable is pulled
    await echo.close();

    const err = await ask('while unplugged').then(
      (v) => assert.fail(`must fail while unplugged, got ${v}`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof LabbenchError, String(err));
    assert.equal(err.code, 'E_DISCONNECTED', String(err));
    assert.equal(err.name, 'DisconnectedError');
    assert.ok(err.message.includes(pair.a), err.message);
    assert.deepEqual(
      openPtyFds().filter((p) => p === firstDevice),
      [],
      'the dead handle was closed, not leaked',
    );
    t.diagnostic(`states: ${states.join(' → ')}`);
    assert.ok(
      states.some((s) => s === 'closed:E_DISCONNECTED'),
      'status showed the loss',
    );

    // Still unplugged: still E_DISCONNECTED (not "not found"), and no crash.
    await assert.rejects(ask('still unplugged'), { code: 'E_DISCONNECTED' });

    await pair.restart(); // plugged back in (same link names, maybe another /dev/pts/N)
    echo = await startEcho(pair.b);
    assert.equal(await ask('after replug'), 'after replug');
    assert.equal(await ask('and again'), 'and again');
    assert.equal(lease.state, 'open');
    t.diagnostic(`opened: ${opens.join(', ')}`);
    assert.equal(opens[0], firstDevice);
    assert.equal(opens[opens.length - 1], pair.targets()[0]);
  });
}
