/** The simulator on its own: thermal plant under PID, determinism, autotune, alarms, framing, provider. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock';
import { openStream } from '../../src/transport/openers';
import { testOpeners, testSimulators } from '../support/backends';
import { DEFAULT_SERIAL_SETTINGS } from '../../src/transport/types';
import { SimulatedController, SimulatedWatlowBus, parseWatlowSimulatorArgs } from '../../src/sim/watlow';
import { DeviceFramer } from '../../src/sim/watlow/framer';
import { encodeRtuRequest, encodeRtuResponse } from '../../src/modbus/rtu';
import { STDBUS_EXCHANGES, MODBUS, bytes } from './vectors';
import { withBench, uniqueBus } from './helpers';

test('plant: the process value follows the set point under PID, in simulated time only', async () => {
  const clock = new FakeClock();
  const sim = new SimulatedController({ address: 1, clock });
  assert.equal(sim.get('processValue'), Math.fround(72.5));
  sim.set('setPoint', 200);
  await clock.advance(20_000);
  const rising = sim.get('processValue') as number;
  assert.ok(rising > 90 && rising < 200, `rising: ${rising}`);
  assert.ok((sim.get('heatPower') as number) > 0);
  assert.equal(sim.get('digitalOutputState'), 63);
  await clock.advance(20 * 60_000);
  assert.ok(
    Math.abs((sim.get('processValue') as number) - 200) < 0.5,
    `settled at ${sim.get('processValue')}`,
  );
  // Heat needed to hold 200 °F: (200 − 72.5) / (2 °F/s × 300 s) ≈ 21 %.
  assert.ok(Math.abs((sim.get('outputPower') as number) - 21.25) < 1);
  sim.set('controlMode', 'off');
  await clock.advance(10 * 60_000);
  assert.ok((sim.get('processValue') as number) < 100, 'cools toward ambient when off');
  assert.equal(sim.get('heatPower'), 0);
});

test('plant: two simulators fed the same clock and commands agree exactly', async () => {
  const run = async (pollEveryMs: number): Promise<number[]> => {
    const clock = new FakeClock();
    const sim = new SimulatedController({ address: 1, clock });
    sim.set('setPoint', 300);
    const trace: number[] = [];
    while (clock.now() < 120_000) {
      await clock.advance(pollEveryMs);
      if (clock.now() % 10_000 === 0) trace.push(sim.get('processValue') as number);
    }
    return trace;
  };
  // Polling cadence does not change the trajectory: the plant steps in fixed increments.
  assert.deepEqual(await run(1000), await run(500));
});

test('plant: manual mode, cooling and open sensor', async () => {
  const clock = new FakeClock();
  const sim = new SimulatedController({ address: 1, clock, initial: { coolAlgorithm: 'pid' } });
  sim.set('controlMode', 'manual');
  sim.set('manualPower', -50);
  await clock.advance(60_000);
  assert.ok((sim.get('processValue') as number) < 72.5);
  assert.equal(sim.get('coolPower'), 50);
  assert.equal(sim.get('outputPower'), -50);
  sim.setSensorOpen(1, true);
  assert.equal(sim.get('processValue'), Math.fround(2531.8018));
  assert.equal(sim.get('inputError'), 65);
});

test('autotune: request yes runs through the phases to complete and resets the request', async () => {
  const clock = new FakeClock();
  const sim = new SimulatedController({ address: 1, clock });
  assert.equal(sim.get('autotuneStatus'), 62);
  assert.ok(sim.write(8026, 1, 106).ok);
  const seen: number[] = [];
  for (let i = 0; i < 25; i++) {
    await clock.advance(1000);
    const status = sim.get('autotuneStatus') as number;
    if (seen[seen.length - 1] !== status) seen.push(status);
  }
  assert.deepEqual(seen, [119, 151, 152, 153, 18]);
  assert.equal(sim.get('autotuneRequest'), 59);
});

test('alarms: process alarm goes high and low with the process value', async () => {
  const clock = new FakeClock();
  const sim = new SimulatedController({
    address: 1,
    clock,
    initial: { alarmType: 'process', alarmHighSetPoint: 150, alarmLowSetPoint: 60 },
  });
  assert.equal(sim.get('alarmState'), 61);
  sim.set('setPoint', 200);
  await clock.advance(5 * 60_000);
  assert.equal(sim.get('alarmState'), 7);
  sim.set('alarmHighSetPoint', 1000);
  sim.set('alarmLowSetPoint', 300);
  assert.equal(sim.get('alarmState'), 8);
});

test('refusals: unknown class 0x81, unknown member 0x83, instance 0x84, read-only 0x80, bad value 0x85', () => {
  const sim = new SimulatedController({ address: 1, loops: 1, absent: ['tickCounter'] });
  const code = (r: ReturnType<SimulatedController['read']>): number | undefined =>
    r.ok ? undefined : r.stdBusError;
  assert.equal(code(sim.read(99001, 1)), 0x81);
  assert.equal(code(sim.read(4099, 1)), 0x83);
  assert.equal(code(sim.read(16006, 1)), 0x83);
  assert.equal(code(sim.read(4001, 2)), 0x84);
  assert.equal(code(sim.read(9009, 5)), 0x84);
  assert.equal(code(sim.write(4001, 1, 1)), 0x80);
  assert.equal(code(sim.write(8001, 1, 11)), 0x85);
  assert.equal(code(sim.write(7002, 1, 101)), 0x85);
  const two = new SimulatedController({ address: 1, loops: 2 });
  assert.ok(two.read(4001, 2).ok);
});

test('device framer: Std Bus and Modbus frames in one stream, through noise and corrupt frames', () => {
  const framer = new DeviceFramer();
  const corrupt = bytes(MODBUS.readPv);
  corrupt[7] ^= 1;
  const stream = Buffer.concat([
    bytes('00 13'),
    bytes(STDBUS_EXCHANGES[0].request),
    corrupt,
    bytes('01 07'), // an unknown function announcing nothing valid
    bytes(MODBUS.readPv),
    bytes(MODBUS.writeSpLowHigh),
    encodeRtuRequest(9, { fc: 0x06, address: 1880, value: 54 }),
  ]);
  const frames = [];
  for (let i = 0; i < stream.length; i += 3) frames.push(...framer.push(stream.subarray(i, i + 3)));
  assert.deepEqual(
    frames.map((f) => [f.protocol, f.bytes.toString('hex')]),
    [
      ['stdbus', bytes(STDBUS_EXCHANGES[0].request).toString('hex')],
      ['modbus', bytes(MODBUS.readPv).toString('hex')],
      ['modbus', bytes(MODBUS.writeSpLowHigh).toString('hex')],
      ['modbus', encodeRtuRequest(9, { fc: 0x06, address: 1880, value: 54 }).toString('hex')],
    ],
  );
  assert.equal(framer.pending, 0);
});

test('bus: answers the captured vectors byte for byte and ignores other addresses and reply frames', async () => {
  const bus = new SimulatedWatlowBus('vectors', { addresses: [1] });
  bus.controller(1).set('setPoint', 392);
  const written: Buffer[] = [];
  let listener: ((chunk: Buffer) => void) | undefined;
  bus.attach({
    onData: (l) => {
      listener = l;
      return () => undefined;
    },
    write: (b) => written.push(Buffer.from(b)),
  });
  listener!(bytes(STDBUS_EXCHANGES[1].request)); // read 7001
  listener!(bytes(STDBUS_EXCHANGES[3].request)); // read 1001
  listener!(bytes(STDBUS_EXCHANGES[1].response)); // a reply frame: not for a device
  listener!(Buffer.from('55FF051100000661010301040101E399', 'hex')); // address 2: absent
  const readHardwareId = { fc: 0x03, address: 0, quantity: 2 } as const;
  listener!(encodeRtuRequest(1, readHardwareId));
  listener!(encodeRtuRequest(9, readHardwareId)); // nobody at 9
  listener!(bytes(MODBUS.exceptionIllegalAddress)); // function 0x83 to slave 1: illegal function
  assert.deepEqual(
    written.map((b) => b.toString('hex')),
    [
      bytes(STDBUS_EXCHANGES[1].response).toString('hex'),
      bytes(STDBUS_EXCHANGES[3].response).toString('hex'),
      // Hardware ID 28 in the default Low_High word order: low word first.
      encodeRtuResponse(1, readHardwareId, { kind: 'registers', values: [28, 0] }).toString('hex'),
      encodeRtuResponse(1, readHardwareId, { kind: 'exception', fc: 0x03, code: 0x01 }).toString('hex'),
    ],
  );
  assert.equal(bus.transactionCount, 4);
  assert.equal(bus.events.filter((e) => e.kind === 'ignored').length, 3);
});

test('provider: sim: paths open links to named buses; query adds controllers and options', async () => {
  const name = uniqueBus('prov');
  assert.equal(testSimulators.watlow.has(name), false);
  const stream = await openStream(
    testOpeners,
    `sim:${name}?addresses=1,5&pace=1&map=2&wordOrder=highLow`,
    DEFAULT_SERIAL_SETTINGS,
  );
  try {
    const bus = testSimulators.watlow.bus(name.toUpperCase());
    assert.deepEqual([...bus.controllers.keys()], [1, 5]);
    assert.equal(bus.pace, true);
    assert.equal(bus.turnaroundMs, 3);
    assert.equal(bus.controller(5).modbusMap, 2);
    assert.equal(bus.controller(5).wordOrder, 'highLow');
    await openStream(testOpeners, `sim:${name}?addresses=7`, DEFAULT_SERIAL_SETTINGS).then((s) => s.close());
    assert.deepEqual([...bus.controllers.keys()], [1, 5, 7]);
    await assert.rejects(
      openStream(testOpeners, `sim:${name}?addresses=0`, DEFAULT_SERIAL_SETTINGS),
      /addresses must be integers/,
    );
    bus.unplug();
    await assert.rejects(
      openStream(testOpeners, `sim:${name}`, DEFAULT_SERIAL_SETTINGS),
      (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
    );
  } finally {
    await stream.close();
    testSimulators.watlow.reset(name);
  }
});

test('state survives a port reopen (the controller keeps its set point)', async () => {
  await withBench(undefined, async (b) => {
    await b.add('oven').write('setPoint', 222);
    await b.manager.remove('oven');
    assert.equal((await b.add('oven').read('setPoint')).value, 222);
  });
});

test('CLI arguments: defaults, the leading "watlow" word, and refusals', () => {
  assert.deepEqual(parseWatlowSimulatorArgs(['watlow', '--serial', '/tmp/B']), {
    serial: '/tmp/B',
    addresses: [1],
    modbus: [],
    baudRate: 38400,
    pace: false,
    map: 1,
    wordOrder: 'lowHigh',
    strictHoles: false,
  });
  const full = parseWatlowSimulatorArgs([
    '--serial',
    'B',
    '--addresses',
    '1,2,5',
    '--baud',
    '9600',
    '--pace',
    '--map',
    '2',
    '--word-order',
    'highLow',
  ]);
  assert.deepEqual(
    [full.addresses, full.baudRate, full.pace, full.map, full.wordOrder],
    [[1, 2, 5], 9600, true, 2, 'highLow'],
  );
  assert.throws(() => parseWatlowSimulatorArgs([]), /--serial <path> is required/);
  assert.throws(() => parseWatlowSimulatorArgs(['--serial', 'B', '--addresses', '0']), /1\.\.247/);
  assert.throws(() => parseWatlowSimulatorArgs(['--serial', 'B', '--bogus']), /Unknown option --bogus/);
  assert.throws(() => parseWatlowSimulatorArgs(['--serial']), /needs a value/);
});
