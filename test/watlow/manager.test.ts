/**
 * The manager: samples, error policies, port sharing and claims, LIFO close, Modbus coalescing,
 * and the concurrency rule shown by the order of events in paced simulators (not by timing).
 */
import { until } from '../support/until';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceRegistry } from '../../src/core/registry';
import { PollFailedError } from '../../src/core/errors';
import { WatlowManager } from '../../src/watlow/manager';
import { WatlowPollError } from '../../src/watlow/poll';
import type { SimBusEvent } from '../../src/sim/watlow';
import { testOpeners, testSimulators } from '../support/backends';
import { bench, withBench, codeOf, uniqueBus } from './helpers';

test('poll returns watlow-poll samples: enums as names with raw codes, units, protocol, timestamps', async () => {
  await withBench({ addresses: [1, 2] }, async (b) => {
    b.add('oven', { address: 1 });
    b.add('kiln', { address: 2, temperatureUnits: 'C' });
    b.bus.controller(2).set('setPoint', 150);
    const before = Date.now();
    const samples = await b.manager.poll([
      'setPoint',
      { parameter: 'controlMode' },
      { parameter: 4001, instance: 1 },
    ]);
    assert.deepEqual(
      samples.map((s) => [s.controller, s.parameter, s.instance]),
      [
        ['oven', 'setPoint', 1],
        ['oven', 'controlMode', 1],
        ['oven', 'processValue', 1],
        ['kiln', 'setPoint', 1],
        ['kiln', 'controlMode', 1],
        ['kiln', 'processValue', 1],
      ],
    );
    const [ovenSp, ovenMode, , kilnSp] = samples;
    assert.deepEqual(
      { ...ovenSp, timestamp: 0 },
      {
        controller: 'oven',
        parameter: 'setPoint',
        parameterId: 7001,
        instance: 1,
        value: 75,
        raw: 75,
        units: '°F',
        timestamp: 0,
        protocol: 'stdbus',
      },
    );
    assert.deepEqual([ovenMode!.value, ovenMode!.raw, ovenMode!.units], ['auto', 10, '']);
    assert.deepEqual([kilnSp!.value, kilnSp!.units], [150, '°C']);
    for (const s of samples) assert.ok(s.timestamp >= before && s.timestamp <= Date.now());
  });
});

test("error policy 'raise': every read is attempted, then one E_POLL_FAILED lists each failure", async () => {
  await withBench({ addresses: [1, 2], controller: { absent: ['currentRms'] } }, async (b) => {
    b.add('oven', { address: 1 });
    b.add('kiln', { address: 2 });
    b.bus.injectFault({ kind: 'dropReply', address: 2, count: 3 });
    const err = await b.manager.poll(['setPoint', 'currentRms', 'controlMode']).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e as WatlowPollError,
    );
    assert.ok(err instanceof PollFailedError);
    assert.ok(err instanceof WatlowPollError);
    assert.equal(err.code, 'E_POLL_FAILED');
    assert.equal(err.name, 'PollFailedError');
    // oven: currentRms (0x83); kiln: setPoint timed out (3 attempts), then currentRms (0x83).
    assert.deepEqual(
      err.failures.map((f) => f.code),
      ['E_DEVICE_ERROR', 'E_TIMEOUT', 'E_DEVICE_ERROR'],
    );
    assert.match(err.message, /3 of 6 reads failed/);
    assert.match(err.message, /oven\/currentRms: E_DEVICE_ERROR/);
    assert.match(err.message, /kiln\/setPoint: E_TIMEOUT/);
    assert.deepEqual(
      err.samples.map((s) => `${s.controller}/${s.parameter}=${s.value}`),
      ['oven/setPoint=75', 'oven/controlMode=auto', 'kiln/controlMode=auto'],
    );
  });
});

test("error policy 'return': failures are samples with error { code, message, deviceCode }", async () => {
  await withBench({ controller: { absent: ['currentRms'] } }, async (b) => {
    b.add('oven');
    const samples = await b.manager.poll(
      ['currentRms', { parameter: 'setPoint', instance: 2 }, 'setPoint'],
      undefined,
      { errorPolicy: 'return' },
    );
    assert.equal(samples.length, 3);
    assert.deepEqual(samples[0]!.error && [samples[0]!.error.code, samples[0]!.error.deviceCode], [
      'E_DEVICE_ERROR',
      0x83,
    ]);
    assert.deepEqual([samples[0]!.value, samples[0]!.raw], [null, null]);
    assert.deepEqual(
      samples[1]!.error && [samples[1]!.error.code, samples[1]!.error.deviceCode, samples[1]!.instance],
      ['E_DEVICE_ERROR', 0x84, 2],
    );
    assert.equal(samples[2]!.error, undefined);
    assert.equal(samples[2]!.value, 75);
  });
});

test('poll by controller names; unknown names and bad parameter lists are refused', async () => {
  await withBench({ addresses: [1, 2] }, async (b) => {
    b.add('oven', { address: 1 });
    b.add('kiln', { address: 2 });
    const samples = await b.manager.poll(['setPoint'], ['kiln']);
    assert.deepEqual(
      samples.map((s) => s.controller),
      ['kiln'],
    );
    await assert.rejects(b.manager.poll(['setPoint'], ['nope']), (err) => codeOf(err) === 'E_NOT_FOUND');
    await assert.rejects(b.manager.poll([{ foo: 1 } as never]), (err) => codeOf(err) === 'E_INVALID_INPUT');
    assert.throws(
      () => b.add('oven'),
      (err) => codeOf(err) === 'E_INVALID_INPUT',
    );
    assert.throws(
      () => b.add('bad', { address: 17 }),
      (err) => codeOf(err) === 'E_OUT_OF_RANGE',
    );
    assert.throws(
      () => b.add('bad2', { protocol: 'profibus' as never }),
      (err) => codeOf(err) === 'E_INVALID_INPUT',
    );
  });
});

test('two spellings of one port are one port; a second protocol on it is E_PROTOCOL_CONFLICT', async () => {
  await withBench({ addresses: [1, 2] }, async (b) => {
    b.add('oven', { port: `sim:${b.busName}`, address: 1 });
    b.add('kiln', { port: `sim:${b.busName.toUpperCase()}?addresses=1,2`, address: 2 });
    assert.equal(b.registry.keys().length, 1);
    await b.manager.poll(['setPoint']);
    const resource = b.registry.get(b.registry.keys()[0]!)!;
    assert.equal(resource.leaseCount, 2);
    assert.equal(resource.protocol, 'stdbus');
    assert.throws(
      () => b.add('modbusOven', { protocol: 'modbus', address: 3 }),
      (err: Error) =>
        codeOf(err) === 'E_PROTOCOL_CONFLICT' &&
        /Watlow controller "oven"/.test(err.message) &&
        /stdbus/.test(err.message),
    );
    assert.equal(b.manager.has('modbusOven'), false);
  });
});

test('the last remove on a port closes it; LIFO close releases everything', async () => {
  const b = bench({ addresses: [1, 2] });
  const other = uniqueBus('other');
  testSimulators.watlow.bus(other);
  try {
    b.add('oven', { address: 1 });
    b.add('kiln', { address: 2 });
    b.add('press', { port: `sim:${other}` });
    await b.manager.poll(['setPoint']);
    const [key] = b.registry.keys().filter((k) => k.includes(b.busName));
    const resource = b.registry.get(key!)!;
    const states: string[] = [];
    resource.onState((s) => states.push(s));
    assert.equal(resource.state, 'open');
    await b.manager.remove('oven');
    assert.equal(resource.state, 'open', 'kiln still uses the port');
    await b.manager.remove('kiln');
    await until(() => states.includes('closed'), 'the port closed');
    assert.deepEqual(states, ['closing', 'closed']);
    assert.equal(b.registry.get(key!), undefined);
    await b.manager.close();
    await until(() => b.registry.keys().length === 0, 'the registry empty');
    assert.deepEqual(b.registry.keys(), []);
    assert.deepEqual(b.manager.names(), []);
  } finally {
    await b.close();
    testSimulators.watlow.reset(other);
  }
});

test('Modbus coalescing: close registers are read with one FC 03; a refused span falls back and is remembered', async () => {
  await withBench(undefined, async (b) => {
    const oven = b.add('oven', { protocol: 'modbus' });
    const loop = ['heatPower', 'coolPower', 'outputPower', 'activeSetPoint'];
    b.bus.resetLog();
    const samples = await b.manager.poll([...loop, 'processValue']);
    assert.equal(samples.filter((s) => s.error).length, 0);
    // heat/cool/output power share 1904..1909; activeSetPoint (2172) and PV (360) are far away.
    assert.equal(b.bus.transactionCount, 3);
    const direct = await Promise.all(loop.map((p) => oven.read(p)));
    assert.deepEqual(
      samples.slice(0, 3).map((s) => s.parameter),
      direct.slice(0, 3).map((r) => r.parameter),
    );
    // A device that refuses reads across unassigned registers: 1880 + 1884 leave a hole at 1881..1883
    // (1882 is assigned; 1881 and 1883 are not).
    b.bus.strictRegisterHoles = true;
    b.bus.resetLog();
    const modes = await b.manager.poll(['controlMode', 'heatAlgorithm'], undefined, {
      errorPolicy: 'return',
    });
    assert.deepEqual(
      modes.map((s) => s.value),
      ['auto', 'pid'],
    );
    assert.equal(b.bus.transactionCount, 3, 'one refused span, then one read each');
    b.bus.resetLog();
    await b.manager.poll(['controlMode', 'heatAlgorithm']);
    assert.equal(b.bus.transactionCount, 2, 'the refused span is not tried again');
  });
});

/** True when, on each bus, every transaction ends before the next one starts. */
function serialPerBus(events: readonly SimBusEvent[]): boolean {
  const open = new Map<string, number>();
  for (const e of events) {
    if (e.kind === 'transactionStart') {
      if ((open.get(e.bus) ?? 0) > 0) return false;
      open.set(e.bus, 1);
    } else if (e.kind === 'transactionEnd') {
      open.set(e.bus, 0);
    }
  }
  return true;
}

/** Count of transactions that started on one bus while another bus had one open. */
function crossBusOverlaps(events: readonly SimBusEvent[]): number {
  const open = new Set<string>();
  let overlaps = 0;
  for (const e of events) {
    if (e.kind === 'transactionStart') {
      if ([...open].some((bus) => bus !== e.bus)) overlaps++;
      open.add(e.bus);
    } else if (e.kind === 'transactionEnd') {
      open.delete(e.bus);
    }
  }
  return overlaps;
}

test('concurrency: controllers on different ports overlap, those on one port never do (event order, paced sims)', async () => {
  const busA = uniqueBus('paceA');
  const busB = uniqueBus('paceB');
  const a = testSimulators.watlow.bus(busA, { addresses: [1, 2, 3], pace: true });
  const b = testSimulators.watlow.bus(busB, { addresses: [1, 2, 3], pace: true });
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  const manager = new WatlowManager({ registry, openers: testOpeners });
  try {
    for (const address of [1, 2, 3]) {
      manager.add(`a${address}`, { port: `sim:${busA}`, protocol: 'stdbus', address });
      manager.add(`b${address}`, { port: `sim:${busB}`, protocol: 'modbus', address });
    }
    const parameters = ['processValue', 'setPoint', 'controlMode', 'outputPower'];
    const samples = await manager.poll(parameters);
    assert.equal(samples.length, 24);
    assert.equal(samples.filter((s) => s.error).length, 0);
    const events = [...a.events, ...b.events].sort((x, y) => x.seq - y.seq);
    assert.equal(
      events.filter((e) => e.kind === 'transactionStart').length,
      24,
      '4 reads × 3 controllers × 2 ports',
    );
    assert.ok(serialPerBus(events), 'one transaction at a time on each port');
    assert.equal(a.maxConcurrentTransactions, 1);
    assert.equal(b.maxConcurrentTransactions, 1);
    assert.ok(crossBusOverlaps(events) > 0, 'the two ports worked at the same time');
    // A write from another user of port A is queued between transactions, never inside one.
    a.resetLog();
    await Promise.all([manager.poll(parameters, ['a1', 'a2']), manager.get('a3').write('setPoint', 90)]);
    assert.ok(serialPerBus(a.events));
  } finally {
    await manager.close();
    await registry.closeAll();
    testSimulators.watlow.reset(busA);
    testSimulators.watlow.reset(busB);
  }
});

test('the event-order checks detect a bus with overlapping transactions', () => {
  // The checks above must be able to fail: feed them a log where one bus overlaps itself.
  const ev = (seq: number, bus: string, kind: SimBusEvent['kind']): SimBusEvent => ({
    seq,
    at: seq,
    bus,
    kind,
  });
  const overlapping = [
    ev(1, 'a', 'transactionStart'),
    ev(2, 'a', 'transactionStart'),
    ev(3, 'a', 'transactionEnd'),
    ev(4, 'a', 'transactionEnd'),
  ];
  assert.equal(serialPerBus(overlapping), false);
  const sequential = [
    ev(1, 'a', 'transactionStart'),
    ev(2, 'a', 'transactionEnd'),
    ev(3, 'b', 'transactionStart'),
    ev(4, 'b', 'transactionEnd'),
  ];
  assert.equal(crossBusOverlaps(sequential), 0);
});

test('identify(): part number, hardware and firmware IDs, serial; cached; partial over Modbus', async () => {
  const b = bench({ addresses: [1, 2], controller: { partNumber: 'PM6C1CA-1AAAAAA' } });
  try {
    const oven = b.add('oven', { address: 1 });
    const id = await oven.identify();
    assert.deepEqual(id, {
      protocol: 'stdbus',
      address: 1,
      health: 'ok',
      partNumber: 'PM6C1CA-1AAAAAA',
      hardwareId: 28,
      firmwareId: 5678,
      serialNumber: 'SIM00001',
    });
    const count = b.bus.transactionCount;
    assert.deepEqual(await oven.identify(), id);
    assert.equal(b.bus.transactionCount, count, 'cached');
    await b.manager.remove('oven');
    const other = bench({ controller: { absent: ['firmwareId'] } });
    try {
      const m = other.add('m', { protocol: 'modbus' });
      assert.deepEqual(await m.identify(), {
        protocol: 'modbus',
        address: 1,
        health: 'partial',
        hardwareId: 28,
        serialNumber: '24000001',
      });
    } finally {
      await other.close();
    }
  } finally {
    await b.close();
  }
});
