/**
 * Soak and unplug suites (library level, real OS transports): see rig.ts for the wiring.
 *
 * Soak: `polls` Watlow polls over the faulty PTY proxy and as many 2281S queries over TCP while
 * the proxy drops every connection now and then. Each poll / query settles exactly once (one
 * value or one coded error — counted, never double), nothing escapes as an unhandled rejection,
 * the heap after a full GC ends where it settled after warm-up.
 *
 * Unplug: during polling, the client's PTY (socat) is killed and restarted, and the 2281S behind
 * its TCP address is stopped and started again. Reported: time from replug to the first good
 * value with no reopen by hand, and the errors counted meanwhile (one per failed request).
 */
import * as v8 from 'v8';
import * as vm from 'vm';
import { LabbenchError } from '../../src/core/errors';
import { ResourceRegistry } from '../../src/core/registry';
import { WatlowManager } from '../../src/watlow/manager';
import { acquireVisaSession } from '../../src/visa/acquire';
import { testOpeners } from '../support/backends';
import { KeithleyRig, WatlowRig, prng } from './rig';
import type { FaultCounts } from './rig';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export interface SoakSummary {
  watlow: {
    polls: number;
    values: number;
    errors: Record<string, number>;
    settledTwice: number;
    faults: FaultCounts;
    faultShare: number;
  };
  keithley: {
    queries: number;
    values: number;
    errors: Record<string, number>;
    settledTwice: number;
    drops: number;
  };
  unhandledRejections: number;
  heapMB: { afterWarmup: number; atEnd: number };
  seconds: number;
}

/** The outcomes of one kind of request: values, coded errors by code, double settlements. */
interface Tally {
  values: number;
  errors: Record<string, number>;
  settledTwice: number;
}

function newTally(): Tally {
  return { values: 0, errors: {}, settledTwice: 0 };
}

/** Settles `promise` into a counted outcome; a second settlement of one request is a failure. */
async function settleOnce<T>(promise: Promise<T>, tally: Tally): Promise<T | undefined> {
  let settled = 0;
  try {
    const value = await promise;
    settled++;
    tally.values++;
    return value;
  } catch (err) {
    settled++;
    const code = err instanceof LabbenchError ? err.code : `foreign:${String(err)}`;
    tally.errors[code] = (tally.errors[code] ?? 0) + 1;
    return undefined;
  } finally {
    if (settled !== 1) tally.settledTwice++;
  }
}

/** What both suites run on: the two rigs, a registry and a Watlow manager on it. */
interface Rigs {
  watlow: WatlowRig;
  keithley: KeithleyRig;
  registry: ResourceRegistry;
  manager: WatlowManager;
  /** Unhandled rejections so far. */
  unhandled(): number;
}

/** Starts the rigs, counts unhandled rejections while `run` runs, and closes everything after it. */
async function withRigs<T>(
  faults: { faultRate: number; seed: number },
  run: (rigs: Rigs) => Promise<T>,
): Promise<T> {
  let unhandled = 0;
  const onUnhandled = (): void => void unhandled++;
  process.on('unhandledRejection', onUnhandled);
  const watlow = await WatlowRig.start(faults);
  const keithley = await KeithleyRig.start();
  const registry = new ResourceRegistry({ log: () => undefined });
  const manager = new WatlowManager({ registry });
  try {
    return await run({ watlow, keithley, registry, manager, unhandled: () => unhandled });
  } finally {
    await manager.close();
    await registry.closeAll();
    await keithley.close();
    await watlow.close();
    process.off('unhandledRejection', onUnhandled);
  }
}

export async function runSoak(options: {
  polls: number;
  faultRate: number;
  seed: number;
}): Promise<SoakSummary> {
  const started = Date.now();
  return withRigs(options, async ({ watlow, keithley, registry, manager, unhandled }) => {
    for (const address of [1, 2]) {
      manager.add(`oven${address}`, {
        port: watlow.clientPath,
        protocol: 'stdbus',
        address,
        line: { replyTimeoutMs: 150, retries: 2 },
      });
    }
    const session = acquireVisaSession(registry, testOpeners, keithley.resource, 'soak', { timeoutMs: 500 });
    const w = newTally();
    const k = newTally();
    const random = prng(options.seed ^ 0x5eed);
    let heapAfterWarmup = 0;
    for (let i = 0; i < options.polls; i++) {
      if (i === Math.min(50, Math.floor(options.polls / 4))) heapAfterWarmup = heapAfterGc();
      if (random() < 0.02) keithley.dropConnections();
      await Promise.all([
        settleOnce(manager.poll(['processValue', 'setPoint'], undefined, { errorPolicy: 'raise' }), w),
        settleOnce(
          session.transact((s) => s.query(random() < 0.5 ? '*IDN?' : ':VOLT?')),
          k,
        ),
      ]);
    }
    const faults = { ...watlow.proxy!.counts };
    const heapAtEnd = heapAfterGc();
    return {
      watlow: {
        polls: options.polls,
        values: w.values,
        errors: w.errors,
        settledTwice: w.settledTwice,
        faults,
        faultShare:
          (faults.corrupted + faults.dropped + faults.delayed + faults.split) / Math.max(1, faults.chunks),
      },
      keithley: {
        queries: options.polls,
        values: k.values,
        errors: k.errors,
        settledTwice: k.settledTwice,
        drops: keithley.dropped,
      },
      unhandledRejections: unhandled(),
      heapMB: { afterWarmup: heapAfterWarmup / 2 ** 20, atEnd: heapAtEnd / 2 ** 20 },
      seconds: (Date.now() - started) / 1000,
    };
  });
}

export interface UnplugSummary {
  cycles: number;
  ptyReplugToFirstValueMs: number[];
  tcpReplugToFirstValueMs: number[];
  errorsWhileUnplugged: { watlow: Record<string, number>; keithley: Record<string, number> };
  failedRequests: { watlow: number; keithley: number };
  settledTwice: number;
  unhandledRejections: number;
}

/** Polls until one value arrives; returns ms from `since` to that value. */
async function untilValue(poll: () => Promise<unknown>, since: number, limitMs: number): Promise<number> {
  for (;;) {
    if ((await poll()) !== undefined) return performance.now() - since;
    if (performance.now() - since > limitMs) throw new Error(`no value ${limitMs} ms after the replug`);
  }
}

export async function runUnplug(options: { cycles: number; seed: number }): Promise<UnplugSummary> {
  return withRigs(
    { faultRate: 0, seed: options.seed },
    async ({ watlow, keithley, registry, manager, unhandled }) => {
      const w = newTally();
      const k = newTally();
      const summary: UnplugSummary = {
        cycles: options.cycles,
        ptyReplugToFirstValueMs: [],
        tcpReplugToFirstValueMs: [],
        errorsWhileUnplugged: { watlow: w.errors, keithley: k.errors },
        failedRequests: { watlow: 0, keithley: 0 },
        settledTwice: 0,
        unhandledRejections: 0,
      };
      manager.add('oven1', {
        port: watlow.clientPath,
        protocol: 'stdbus',
        address: 1,
        line: { replyTimeoutMs: 100, retries: 1 },
      });
      const session = acquireVisaSession(registry, testOpeners, keithley.resource, 'unplug', {
        timeoutMs: 300,
      });
      const pollWatlow = (): Promise<unknown> =>
        settleOnce(manager.poll(['processValue'], undefined, { errorPolicy: 'raise' }), w);
      const queryKeithley = (): Promise<unknown> =>
        settleOnce(
          session.transact((s) => s.query('*IDN?')),
          k,
        );
      for (let cycle = 0; cycle < options.cycles; cycle++) {
        await untilValue(pollWatlow, performance.now(), 10_000);
        await untilValue(queryKeithley, performance.now(), 10_000);
        // Unplugged: every request fails, once, with a coded error.
        await watlow.unplug();
        await keithley.stopInstrument();
        for (let i = 0; i < 3; i++) {
          await pollWatlow();
          await queryKeithley();
        }
        await watlow.replug(options.seed + cycle);
        summary.ptyReplugToFirstValueMs.push(await untilValue(pollWatlow, performance.now(), 10_000));
        await keithley.startInstrument();
        summary.tcpReplugToFirstValueMs.push(await untilValue(queryKeithley, performance.now(), 10_000));
      }
      summary.failedRequests = {
        watlow: Object.values(w.errors).reduce((a, b) => a + b, 0),
        keithley: Object.values(k.errors).reduce((a, b) => a + b, 0),
      };
      summary.settledTwice = w.settledTwice + k.settledTwice;
      summary.unhandledRejections = unhandled();
      return summary;
    },
  );
}
