/**
 * Defect 6: a port the OS refuses to open (EACCES) is E_PERMISSION with the udev / dialout hint,
 * tried once — not E_BUSY after the busy-retry schedule. Real: a socat PTY whose device node is
 * made unreadable, opened by a process of an unprivileged user (root ignores file modes, so as root
 * the opener runs as "nobody").
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { toLabbenchError, isBusy, PermissionError } from '../../src/core/errors';
import { makeTempDir, PtyPair, requireSocat } from '../support/pty';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('EACCES / EPERM on open map to E_PERMISSION (not busy, not retried), with the dialout and udev hint', () => {
  for (const code of ['EACCES', 'EPERM']) {
    const os = Object.assign(new Error(`${code}: permission denied, open '/dev/ttyUSB0'`), { code });
    const err = toLabbenchError(os, { resource: '/dev/ttyUSB0', action: 'Opening' });
    assert.ok(err instanceof PermissionError);
    assert.equal(err.code, 'E_PERMISSION');
    assert.equal(err.name, 'PermissionError');
    assert.match(err.message, /dialout/);
    assert.match(err.message, /udev/);
    assert.equal(isBusy(err), false);
  }
  // serialport's text without a code, and libusb's access error.
  assert.equal(
    toLabbenchError(new Error('Error: Permission denied, cannot open /dev/ttyS0')).code,
    'E_PERMISSION',
  );
  assert.equal(
    toLabbenchError(Object.assign(new Error('LIBUSB_ERROR_ACCESS'), { code: 'LIBUSB_ERROR_ACCESS' })).code,
    'E_PERMISSION',
  );
});

test('a real PTY the user may not open: E_PERMISSION after exactly one attempt', async (t) => {
  if (!requireSocat(t)) return;
  const dir = makeTempDir();
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pair = await PtyPair.start(dir);
  cleanups.push(() => pair.stop());
  const [device] = pair.targets();
  fs.chmodSync(device, 0o600); // owner only; the opener below is never the owner
  const child = path.join(__dirname, 'permission-child.js');
  const asOther = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  if (process.getuid?.() !== 0) fs.chmodSync(device, 0o000); // even the owner may not
  const output = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [child, device], { ...asOther, timeout: 20_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
  const result = JSON.parse(output.trim()) as {
    code?: string;
    name?: string;
    message?: string;
    attempts: number;
  };
  assert.equal(result.code, 'E_PERMISSION', JSON.stringify(result));
  assert.equal(result.name, 'PermissionError');
  assert.equal(result.attempts, 1, 'a permission refusal is not retried');
  assert.ok(result.message?.includes(device), result.message);
  assert.match(result.message ?? '', /dialout/);
});
