/**
 * The short (CI) storm: 40 alternating full / modified-nodes deploys on a real Node-RED runtime
 * while a watlow-poll polls a real PTY bus. `npm run soak` runs 320 (the issue asks ≥ 300).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireSocat } from '../support/pty';
import { runStorm } from './storm';

test('storm: deploys under polling — one OS handle on the port, fds flat, no unhandled rejection, outputs continue', async (t) => {
  if (!requireSocat(t)) return;
  const s = await runStorm({ deploys: 40, seed: 3 });
  t.diagnostic(JSON.stringify(s));
  assert.equal(s.deploys.full + s.deploys.nodes, 40);
  assert.ok(s.maxHandlesOnBusPort >= 1, 'the sampler saw the port open');
  assert.equal(s.maxHandlesOnBusPort, 1, 'never two OS handles on one port');
  assert.equal(s.unhandledRejections, 0);
  assert.ok(s.minOutputsPer10Deploys > 0, 'outputs in every window of 10 deploys');
  assert.ok(s.fds.after <= s.fds.before + 2, `fds ${s.fds.before} → ${s.fds.after}`);
});
