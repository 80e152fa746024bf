/**
 * The client against a misbehaving line: corrupt replies, lost replies, echoes, noise, delays,
 * unplugged adapters, device refusals — and the rule that invalid requests never reach the bus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock';
import { ResourceRegistry } from '../../src/core/registry';
import { WatlowManager } from '../../src/watlow/manager';
import { testOpeners, testSimulators } from '../support/backends';
import { bench, codeOf, uniqueBus } from './helpers';

for (const protocol of ['stdbus', 'modbus'] as const) {
  test(`${protocol}: a corrupt reply is retried and the next one accepted`, async () => {
    const b = bench();
    try {
      const oven = b.add('oven', { protocol });
      b.bus.injectFault({ kind: 'corruptCrc' });
      b.bus.controller(1).set('setPoint', 250);
      assert.equal((await oven.read('setPoint')).value, 250);
      assert.equal(b.bus.transactionCount, 2, 'one corrupt attempt, one good');
      assert.ok(b.bus.events.some((e) => e.kind === 'fault' && e.detail === 'reply CRC corrupted'));
    } finally {
      await b.close();
    }
  });

  test(`${protocol}: replies corrupt on every attempt end in E_PROTOCOL naming port and address`, async () => {
    const b = bench();
    try {
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
    } finally {
      await b.close();
    }
  });

  test(`${protocol}: a dropped reply is retried; silence on every attempt is E_TIMEOUT`, async () => {
    const b = bench();
    try {
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
    } finally {
      await b.close();
    }
  });

  test(`${protocol}: an adapter that echoes every request works without retries`, async () => {
    const b = bench();
    try {
      const oven = b.add('oven', { protocol, line: { replyTimeoutMs: 150, retries: 0 } });
      b.bus.echo = true;
      assert.equal((await oven.read('heatAlgorithm')).value, 'pid');
      const written = await oven.write('setPoint', 123.5);
      assert.equal(written.value, 123.5);
      assert.equal((await oven.write('controlMode', 'manual')).value, 'manual');
      assert.equal(b.bus.transactionCount, 5, 'read, write + read back, write + read back: no retries');
    } finally {
      await b.close();
    }
  });

  test(`${protocol}: noise before the reply and a delayed reply within the timeout are tolerated`, async () => {
    const b = bench();
    try {
      const oven = b.add('oven', { protocol, line: { replyTimeoutMs: 200, retries: 0 } });
      b.bus.injectFault({ kind: 'garbage' });
      assert.equal((await oven.read('inputError')).value, 'none');
      b.bus.injectFault({ kind: 'delay', ms: 60 });
      assert.equal((await oven.read('inputError')).value, 'none');
    } finally {
      await b.close();
    }
  });

  test(`${protocol}: a reply later than the timeout is not taken for the next request`, async () => {
    const b = bench();
    try {
      const oven = b.add('oven', { protocol, line: { replyTimeoutMs: 120, retries: 0 } });
      b.bus.controller(1).set('setPoint', 111);
      // setPoint answers at +200 ms, after its 120 ms timeout, while controlMode (answering at
      // +100 ms after its own request) is being waited for: the late frame must be skipped.
      b.bus.injectFault({ kind: 'delay', ms: 200 });
      await assert.rejects(oven.read('setPoint'), (err) => codeOf(err) === 'E_TIMEOUT');
      b.bus.injectFault({ kind: 'delay', ms: 100 });
      const mode = await oven.read('controlMode');
      assert.deepEqual([mode.value, mode.raw], ['auto', 10]);
      assert.equal((await oven.read('setPoint')).value, 111);
    } finally {
      await b.close();
    }
  });
}

test('Std Bus: refusals become E_DEVICE_ERROR with the Watlow code; absent parameters are remembered', async () => {
  const b = bench({ controller: { absent: ['currentRms'] } });
  try {
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
  } finally {
    await b.close();
  }
});

test('Modbus: exceptions become E_DEVICE_ERROR with the exception code; 02 is remembered', async () => {
  const b = bench({ controller: { absent: ['currentRms'] } });
  try {
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
  } finally {
    await b.close();
  }
});

for (const protocol of ['stdbus', 'modbus'] as const) {
  test(`${protocol}: invalid requests fail before any byte is sent`, async () => {
    const b = bench();
    try {
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
    } finally {
      await b.close();
    }
  });
}

for (const protocol of ['stdbus', 'modbus'] as const) {
  test(`${protocol}: enumerations accept names (any case) and codes; a clamped write is E_VERIFY`, async () => {
    const b = bench();
    try {
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
    } finally {
      await b.close();
    }
  });
}

test('unplugging the adapter gives E_DISCONNECTED; after replugging the next read reopens the port', async () => {
  const b = bench();
  try {
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
  } finally {
    await b.close();
  }
});

test('a registry transaction timeout aborts the attempt at once and frees the port', async () => {
  const busName = uniqueBus('abort');
  const bus = testSimulators.watlow.bus(busName);
  const clock = new FakeClock();
  const registry = new ResourceRegistry({ graceMs: 0, clock, log: () => undefined });
  const manager = new WatlowManager({ registry, openers: testOpeners });
  try {
    // A reply timeout far beyond the test's life: only the registry's abort can end the attempt.
    const oven = manager.add('oven', {
      port: `sim:${busName}`,
      protocol: 'stdbus',
      address: 1,
      line: { replyTimeoutMs: 600_000, retries: 0 },
    });
    bus.injectFault({ kind: 'dropReply' });
    const pending = oven.read('processValue');
    pending.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    await clock.advance(700_000);
    await assert.rejects(pending, (err) => codeOf(err) === 'E_TIMEOUT');
    assert.equal(typeof (await oven.read('processValue')).value, 'number', 'the port is usable again');
  } finally {
    await manager.close();
    await registry.closeAll();
  }
});
