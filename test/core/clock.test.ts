/** FakeClock is the basis of every timing test here, so it is tested too. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, sleep } from '../../src/core/clock';
import { outcome } from '../support/fake-handle';

test('timers fire in due order only when time is advanced past them', async () => {
  const clock = new FakeClock();
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b@20'), 20);
  clock.setTimeout(() => fired.push('a@10'), 10);
  const cancelled = clock.setTimeout(() => fired.push('never'), 15);
  clock.clearTimeout(cancelled);
  await clock.advance(9);
  assert.deepEqual(fired, []);
  await clock.advance(11);
  assert.deepEqual(fired, ['a@10', 'b@20']);
  assert.equal(clock.now(), 20);
  assert.deepEqual(clock.requestedDelays, [20, 10, 15]);
});

test('promise chains settle between timers; runAll drains', async () => {
  const clock = new FakeClock();
  const trace: number[] = [];
  const chain = (async () => {
    await sleep(clock, 100);
    trace.push(clock.now());
    await sleep(clock, 50);
    trace.push(clock.now());
  })();
  await clock.runAll();
  await chain;
  assert.deepEqual(trace, [100, 150]);
});

test('sleep rejects with the abort reason and clears its timer', async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const slept = outcome(sleep(clock, 1000, controller.signal));
  controller.abort(new Error('stop'));
  await slept.done;
  assert.equal((slept.error as Error).message, 'stop');
  assert.equal(clock.pendingTimers, 0);
  const pre = new AbortController();
  pre.abort(new Error('already'));
  await assert.rejects(sleep(clock, 10, pre.signal), /already/);
});
