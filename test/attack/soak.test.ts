/**
 * The short (CI) soak and unplug runs; `npm run soak` runs them long (scripts/soak.js). Counts are
 * asserted, times only reported (printed as JSON, collected in docs/reliability.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireSocat } from '../support/pty';
import { runSoak, runUnplug } from './soak';

test('soak: polls through a faulty PTY proxy and a 2281S over dropping TCP — each request settles once, no crash', async (t) => {
  if (!requireSocat(t)) return;
  const s = await runSoak({ polls: 150, faultRate: 0.08, seed: 1 });
  t.diagnostic(JSON.stringify(s));
  assert.equal(s.watlow.settledTwice, 0);
  assert.equal(s.keithley.settledTwice, 0);
  assert.equal(s.unhandledRejections, 0);
  assert.ok(s.watlow.faultShare >= 0.05, `faults on ${(s.watlow.faultShare * 100).toFixed(1)} % of chunks`);
  assert.ok(s.watlow.values > s.watlow.polls / 2, 'most polls still deliver values');
  assert.ok(s.keithley.values > s.keithley.queries / 2, 'most queries still deliver values');
  for (const code of [...Object.keys(s.watlow.errors), ...Object.keys(s.keithley.errors)]) {
    assert.ok(!code.startsWith('foreign'), `only coded errors, got ${code}`);
  }
  assert.ok(
    s.heapMB.atEnd < s.heapMB.afterWarmup + 16,
    `heap ${s.heapMB.afterWarmup.toFixed(1)} → ${s.heapMB.atEnd.toFixed(1)} MB`,
  );
});

test('unplug: socat and the TCP instrument killed and restarted during polling — values return without reopening by hand', async (t) => {
  if (!requireSocat(t)) return;
  const u = await runUnplug({ cycles: 2, seed: 7 });
  t.diagnostic(JSON.stringify(u));
  assert.equal(u.ptyReplugToFirstValueMs.length, 2);
  assert.equal(u.tcpReplugToFirstValueMs.length, 2);
  assert.equal(u.settledTwice, 0, 'each failed request ends in exactly one error');
  assert.equal(u.unhandledRejections, 0);
  assert.ok(u.failedRequests.watlow >= 6 && u.failedRequests.keithley >= 6, 'the unplugged requests failed');
  for (const code of [
    ...Object.keys(u.errorsWhileUnplugged.watlow),
    ...Object.keys(u.errorsWhileUnplugged.keithley),
  ]) {
    assert.ok(!code.startsWith('foreign'), `only coded errors, got ${code}`);
  }
});
