/**
 * The client against a misbehaving line: corrupt replies, lost replies, echoes, noise, delays,
 * unplugged adapters, device refusals — and the rule that invalid requests never reach the bus.
 * Where the order of a reply and a timeout matters, the line runs on a FakeClock and the
 * simulator's replies are held "on the wire" until the test lets them through: no wall-clock time
 * decides the outcome.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock';
import { ResourceRegistry } from '../../src/core/registry';
import type { SimBusOptions, SimulatedWatlowBus } from '../../src/sim/watlow';
import { withOpeners } from '../../src/transport/openers';
import type { ByteStream } from '../../src/transport/types';
import { WatlowManager } from '../../src/watlow/manager';
import type { AddControllerOptions } from '../../src/watlow/manager';
import { testOpeners, testSimulators } from '../support/backends';
import type { Bench } from './helpers';
import { codeOf, uniqueBus, withBench } from './helpers';

/** A test on a fresh simulated bus, closed afterwards whatever happens. */
function onBench(name: string, body: (b: Bench) => Promise<void>, busOptions: SimBusOptions = {}): void {
  test(name, () => withBench(busOptions, body));
}

/**
 * The host end of the simulated line with a tap: counts the requests sent and the replies that
 * came, and holds the replies back from the client (still "on the wire") until `release`, after
 * which they pass straight through.
 */
class TappedLine {
  private requests = 0;
  private replies = 0;
  private readonly held: Buffer[] = [];
  private passing = false;
  private readonly listeners = new Set<(chunk: Buffer) => void>();
  private readonly waiters = new Set<() => void>();

  wrap(stream: ByteStream): ByteStream {
    stream.onData((chunk) => {
      this.replies++;
      if (this.passing) this.deliver(chunk);
      else this.held.push(chunk);
      this.wake();
    });
    return {
      get label() {
        return stream.label;
      },
      get isOpen() {
        return stream.isOpen;
      },
      write: async (bytes) => {
        await stream.write(bytes);
        this.requests++;
        this.wake();
      },
      onData: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      onClose: (listener) => stream.onClose(listener),
      flushInput: () => stream.flushInput(),
      close: () => stream.close(),
    };
  }

  /** Resolves once `n` requests have gone out. */
  sent(n: number): Promise<void> {
    return this.when(() => this.requests >= n);
  }

  /** Resolves once the device has answered `n` times (held or delivered). */
  answered(n: number): Promise<void> {
    return this.when(() => this.replies >= n);
  }

  /** Holds the replies from now on (the default until the first `release`). */
  hold(): void {
    this.passing = false;
  }

  /** Lets the held replies through, in order, and every later one at once. */
  release(): void {
    this.passing = true;
    for (const chunk of this.held.splice(0)) this.deliver(chunk);
  }

  private deliver(chunk: Buffer): void {
    for (const listener of [...this.listeners]) listener(chunk);
  }

  private when(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!done()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const check of [...this.waiters]) check();
  }
}

interface TimedBench {
  bus: SimulatedWatlowBus;
  clock: FakeClock;
  line: TappedLine;
  manager: WatlowManager;
  /** Adds controller 1 of the bus (Std Bus unless told otherwise). */
  add(name: string, options?: Partial<AddControllerOptions>): ReturnType<WatlowManager['add']>;
}

/** A test on a fresh bus behind a TappedLine, its registry on a FakeClock. */
function onTimedBench(name: string, body: (t: TimedBench) => Promise<void>): void {
  test(name, async () => {
    const busName = uniqueBus('timed');
    const bus = testSimulators.watlow.bus(busName);
    const clock = new FakeClock();
    const line = new TappedLine();
    const simulated = testSimulators.watlow.opener;
    const openers = withOpeners(testOpeners, {
      streams: { sim: async (address, settings) => line.wrap(await simulated(address, settings)) },
    });
    const registry = new ResourceRegistry({ graceMs: 0, clock, log: () => undefined });
    const manager = new WatlowManager({ registry, openers });
    const add: TimedBench['add'] = (controller, options = {}) =>
      manager.add(controller, { port: `sim:${busName}`, protocol: 'stdbus', address: 1, ...options });
    try {
      await body({ bus, clock, line, manager, add });
    } finally {
      await manager.close();
      await registry.closeAll();
      testSimulators.watlow.reset(busName);
    }
  });
}

for (const protocol of ['stdbus', 'modbus'] as const) {
  onBench(`${protocol}: a corrupt reply is retried and the next one accepted`, async (b) => {
    const oven = b.add('oven', { protocol });
    b.bus.injectFault({ kind: 'corruptCrc' });
    b.bus.controller(1).set('setPoint', 250);
    assert.equal((await oven.read('setPoint')).value, 250);
    assert.equal(b.bus.transactionCount, 2, 'one corrupt attempt, one good');
    assert.ok(b.bus.events.some((e) => e.kind === 'fault' && e.detail === 'reply CRC corrupted'));
  });

  onBench(
    `${protocol}: replies corrupt on every attempt end in E_PROTOCOL naming port and address`,
    async (b) => {
      const oven = b.add('oven', { protocol, line: { replyTimeoutMs: 150, retries: 2 } });
      b.bus.injectFault({ kind: 'corruptCrc', count: 3 });
      await assert.rejects(oven.read('processValue'), (err: Error) => {
        assert.equal(codeOf(err), 'E_PROTOCOL');
        assert.match(err.message, /Corrupt reply/);
        assert.match(err.message, new RegExp(`sim:${b.busName}`));
        assert.match(err.message, /address 1/);
        assert.match(err.message, /processValue \(4001\)/);
        return true;
      });
      assert.equal(b.bus.transactionCount, 3);
      // The bus is still in step: the next read works at once.
      assert.equal(typeof (await oven.read('processValue')).value, 'number');
      assert.equal(b.bus.transactionCount, 4);
    },
  );

  onBench(`${protocol}: a dropped reply is retried; silence on every attempt is E_TIMEOUT`, async (b) => {
    const oven = b.add('oven', { protocol, line: { replyTimeoutMs: 80, retries: 1 } });
    b.bus.injectFault({ kind: 'dropReply' });
    assert.equal((await oven.read('controlMode')).value, 'auto');
    assert.equal(b.bus.transactionCount, 2);
    b.bus.injectFault({ kind: 'dropReply', count: 2 });
    await assert.rejects(oven.read('controlMode'), (err: Error) => {
      assert.equal(codeOf(err), 'E_TIMEOUT');
      assert.match(err.message, /No reply from Watlow "oven"/);
      assert.match(err.message, /2 attempts/);
      return true;
    });
  });

  onBench(`${protocol}: an adapter that echoes every request works without retries`, async (b) => {
    const oven = b.add('oven', { protocol, line: { replyTimeoutMs: 150, retries: 0 } });
    b.bus.echo = true;
    assert.equal((await oven.read('heatAlgorithm')).value, 'pid');
    const written = await oven.write('setPoint', 123.5);
    assert.equal(written.value, 123.5);
    assert.equal((await oven.write('controlMode', 'manual')).value, 'manual');
    assert.equal(b.bus.transactionCount, 5, 'read, write + read back, write + read back: no retries');
  });

  onTimedBench(
    `${protocol}: noise before the reply and a delayed reply within the timeout are tolerated`,
    async (t) => {
      const line = { replyTimeoutMs: 200, retries: 0, interFrameGapMs: 1.75, clock: t.clock };
      const oven = t.add('oven', { protocol, line });
      t.line.release();
      t.bus.injectFault({ kind: 'garbage' });
      assert.equal((await oven.read('inputError')).value, 'none');
      // The reply is held on the wire until 199 of the 200 ms have passed.
      t.line.hold();
      const delayed = oven.read('inputError');
      await t.clock.advance(2);
      await t.line.answered(2);
      await t.clock.advance(199);
      t.line.release();
      assert.equal((await delayed).value, 'none');
    },
  );

  onTimedBench(`${protocol}: a reply later than the timeout is not taken for the next request`, async (t) => {
    // The line on the fake clock too, with the fractional silence Modbus asks for at 38400 baud.
    const line = { replyTimeoutMs: 120, retries: 0, interFrameGapMs: 1.75, clock: t.clock };
    const oven = t.add('oven', { protocol, line });
    t.bus.controller(1).set('setPoint', 111);
    // setPoint is answered, but its reply stays on the wire past its 120 ms timeout…
    const late = assert.rejects(oven.read('setPoint'), (err) => codeOf(err) === 'E_TIMEOUT');
    await t.line.answered(1);
    await t.clock.advance(120);
    await late;
    // …and arrives, just before controlMode's own reply, while controlMode is being waited for:
    // the late frame must be skipped.
    const mode = oven.read('controlMode');
    await t.clock.advance(2);
    await t.line.answered(2);
    t.line.release();
    assert.deepEqual(await mode.then((r) => [r.value, r.raw]), ['auto', 10]);
    const again = oven.read('setPoint');
    await t.clock.advance(2);
    assert.equal((await again).value, 111);
  });
}

onBench(
  'Std Bus: refusals become E_DEVICE_ERROR with the Watlow code; absent parameters are remembered',
  async (b) => {
    const oven = b.add('oven');
    await assert.rejects(oven.read('processValue', 2), (err: Error & { deviceCode?: number }) => {
      assert.equal(codeOf(err), 'E_DEVICE_ERROR');
      assert.equal(err.deviceCode, 0x84);
      assert.match(err.message, /0x84/);
      assert.match(err.message, /no such instance/);
      return true;
    });
    await assert.rejects(
      oven.read('currentRms'),
      (err: Error & { deviceCode?: number }) => err.deviceCode === 0x83,
    );
    const before = b.bus.transactionCount;
    await assert.rejects(oven.read('currentRms'), (err: Error & { deviceCode?: number }) => {
      assert.equal(err.deviceCode, 0x83);
      assert.match(err.message, /remembered/);
      return true;
    });
    assert.equal(b.bus.transactionCount, before, 'the availability cache answered without I/O');
    // 0x84 is per instance and not cached: asked again.
    await assert.rejects(
      oven.read('processValue', 2),
      (err: Error & { deviceCode?: number }) => err.deviceCode === 0x84,
    );
    assert.equal(b.bus.transactionCount, before + 1);
    await assert.rejects(oven.read(99001), (err: Error & { deviceCode?: number }) => err.deviceCode === 0x81);
    // Clearing the port's driver cache forgets it.
    b.registry.clear();
    await assert.rejects(oven.read('currentRms'), (err: Error) => !/remembered/.test(err.message));
    assert.equal(b.bus.transactionCount, before + 3);
  },
  { controller: { absent: ['currentRms'] } },
);

onBench(
  'Modbus: exceptions become E_DEVICE_ERROR with the exception code; 02 is remembered',
  async (b) => {
    const oven = b.add('oven', { protocol: 'modbus' });
    await assert.rejects(oven.read('currentRms'), (err: Error & { deviceCode?: number }) => {
      assert.equal(codeOf(err), 'E_DEVICE_ERROR');
      assert.equal(err.deviceCode, 2);
      assert.match(err.message, /illegal data address/);
      return true;
    });
    const before = b.bus.transactionCount;
    await assert.rejects(oven.read('currentRms'), (err: Error) => /remembered/.test(err.message));
    assert.equal(b.bus.transactionCount, before);
    // Loop 2 is not fitted: its registers are absent.
    await assert.rejects(
      oven.read('setPoint', 2),
      (err: Error & { deviceCode?: number }) => err.deviceCode === 2,
    );
  },
  { controller: { absent: ['currentRms'] } },
);

for (const protocol of ['stdbus', 'modbus'] as const) {
  onBench(`${protocol}: invalid requests fail before any byte is sent`, async (b) => {
    const oven = b.add('oven', { protocol });
    const cases: [() => Promise<unknown>, string, RegExp][] = [
      [() => oven.read('procesValue'), 'E_INVALID_INPUT', /Did you mean "processValue"/],
      [() => oven.read('noSuchThing'), 'E_INVALID_INPUT', /Unknown Watlow parameter/],
      [() => oven.read(4300), 'E_INVALID_INPUT', /not a Watlow parameter ID/],
      [() => oven.read('processValue', 3), 'E_OUT_OF_RANGE', /Instance of processValue/],
      [() => oven.read('processValue', 1.5), 'E_INVALID_INPUT', /whole number/],
      [() => oven.write('processValue', 70), 'E_READ_ONLY', /read-only; nothing was sent/],
      [() => oven.write('activeSetPoint', 70), 'E_READ_ONLY', /read-only/],
      [() => oven.write('setPoint', 'hot'), 'E_INVALID_INPUT', /must be a number/],
      [() => oven.write('setPoint', Number.NaN), 'E_INVALID_INPUT', /finite/],
      [() => oven.write('setPoint', 12000), 'E_OUT_OF_RANGE', /out of range/],
      [() => oven.write('manualPower', -101), 'E_OUT_OF_RANGE', /-100…100/],
      [() => oven.write('controlMode', 'automatic'), 'E_INVALID_INPUT', /"auto" \(10\)/],
      [() => oven.write('controlMode', 11), 'E_OUT_OF_RANGE', /not a valid code/],
      [() => oven.write('alarmClearRequest', 256), 'E_OUT_OF_RANGE', /out of range/],
    ];
    for (const [promise, code, message] of cases) {
      await assert.rejects(promise(), (err: Error) => {
        assert.equal(codeOf(err), code, err.message);
        assert.match(err.message, message);
        assert.match(err.message, /Watlow "oven"/, 'says where');
        return true;
      });
    }
    assert.equal(b.bus.transactionCount, 0, 'nothing reached the bus');
  });
}

for (const protocol of ['stdbus', 'modbus'] as const) {
  onBench(
    `${protocol}: enumerations accept names (any case) and codes; a clamped write is E_VERIFY`,
    async (b) => {
      const oven = b.add('oven', { protocol });
      assert.deepEqual(await oven.write('controlMode', 'Manual').then((r) => [r.value, r.raw]), [
        'manual',
        54,
      ]);
      assert.deepEqual(await oven.write('controlMode', '10').then((r) => [r.value, r.raw]), ['auto', 10]);
      assert.deepEqual(await oven.write('autotuneRequest', 'yes').then((r) => [r.value, r.raw]), [
        'yes',
        106,
      ]);
      b.bus.controller(1).set('maxSetPoint', 100);
      await assert.rejects(oven.write('setPoint', 150), (err: Error) => {
        assert.equal(codeOf(err), 'E_VERIFY');
        assert.match(err.message, /wrote 150 .* 100/);
        return true;
      });
      // Without verification the controller's answer is returned as it is.
      const unverified = await oven.write('setPoint', 150, { verify: false });
      assert.equal(unverified.protocol, protocol);
    },
  );
}

onBench(
  'unplugging the adapter gives E_DISCONNECTED; after replugging the next read reopens the port',
  async (b) => {
    const oven = b.add('oven');
    assert.equal((await oven.read('controlMode')).value, 'auto');
    b.bus.unplug();
    await assert.rejects(oven.read('controlMode'), (err: Error) => {
      assert.equal(codeOf(err), 'E_DISCONNECTED');
      assert.match(err.message, new RegExp(`sim:${b.busName}`));
      return true;
    });
    b.bus.replug();
    assert.equal((await oven.read('controlMode')).value, 'auto');
  },
);

onTimedBench('a registry transaction timeout aborts the attempt at once and frees the port', async (t) => {
  // A reply timeout far beyond the test's life (on the real clock): only the registry's abort,
  // on the fake one, can end the attempt.
  const oven = t.add('oven', { line: { replyTimeoutMs: 600_000, retries: 0 } });
  t.line.release();
  t.bus.injectFault({ kind: 'dropReply' });
  const pending = oven.read('processValue');
  pending.catch(() => undefined);
  // The request is on the wire: the transaction, and its deadline, have begun.
  await t.line.sent(1);
  await t.clock.advance(700_000);
  await assert.rejects(pending, (err) => codeOf(err) === 'E_TIMEOUT');
  assert.equal(typeof (await oven.read('processValue')).value, 'number', 'the port is usable again');
});
