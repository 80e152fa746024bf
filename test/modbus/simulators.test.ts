/**
 * The generic Modbus simulators: the power meter beside Watlow controllers on one simulated bus
 * (`sim:<bus>?addresses=…&modbus=…`), the `labbench-sim watlow` flags, and the CLI serving the bus
 * as a device server and a gateway (child process, loopback TCP) and on a paced PTY.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock';
import { MbapLink } from '../../src/modbus/mbap-link';
import { decodeValues, planReads, planWrites, validateValueSpec } from '../../src/modbus/values';
import { SimulatedPowerMeter, POWER_METER_MODEL } from '../../src/sim/modbus/power-meter';
import { parseWatlowSimulatorArgs } from '../../src/sim/watlow/cli';
import { openStream } from '../../src/transport/openers';
import { openModbusTcpGateway, openTcpSerialPort } from '../../src/transport/tcp-stream';
import { DEFAULT_SERIAL_SETTINGS } from '../../src/transport/types';
import type { ByteStream } from '../../src/transport/types';
import { crcMatches, withCrc } from '../../src/modbus/rtu';
import { testOpeners, testSimulators } from '../support/backends';
import { makeTempDir, PtyPair, socatAvailable, startSimulatorCli } from '../support/pty';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** One RTU exchange on a stream; resolves with the reply's PDU once a CRC-valid frame is in. */
function rtu(stream: ByteStream, unit: number, pdu: number[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const off = stream.onData((chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 5 && crcMatches(got)) {
        off();
        resolve(got.subarray(1, got.length - 2));
      }
    });
    stream.write(withCrc(Buffer.from([unit, ...pdu]))).catch(reject);
  });
}

describe('the simulated power meter', () => {
  test('answers every function code, and refuses as a real device does', async () => {
    const clock = new FakeClock();
    const meter = new SimulatedPowerMeter({ clock, voltage: 230, current: 10 });
    const ask = (...pdu: number[]): string => hex(meter.answer(Buffer.from(pdu)));
    assert.equal(ask(0x04, 0, 0, 0, 2), '04044366' + '0000', 'voltage 230.0');
    assert.equal(ask(0x04, 0, 4, 0, 2), '040445' + '0fc000', 'power 2300 W');
    await clock.advance(3_600_000);
    assert.equal(
      hex(meter.answer(Buffer.from([0x04, 0, 6, 0, 2]))),
      '04044013' + '3333',
      'energy 2.3 kWh after one hour',
    );
    assert.equal(ask(0x03, 0, 0, 0, 3), '0306' + '0064' + '0001' + '000a', 'CT 100, PT 1, averaging 10 s');
    assert.equal(ask(0x06, 0, 0, 0x00, 0x32), '0600000032');
    assert.equal(ask(0x10, 0, 1, 0, 2, 4, 0, 2, 0, 5), '1000010002');
    assert.deepEqual([...meter.holding.subarray(0, 3)], [50, 2, 5]);
    assert.equal(ask(0x0f, 0, 0, 0, 3, 1, 0b101), '0f00000003');
    assert.equal(ask(0x05, 0, 1, 0xff, 0x00), '050001ff00');
    assert.equal(ask(0x01, 0, 0, 0, 8), '010107', 'coils 0..2 on');
    assert.equal(ask(0x02, 0, 0, 0, 2), '020101', 'voltage present, no over-current');
    const model = meter.answer(Buffer.from([0x03, 0, 100, 0, 8]));
    assert.equal(model.subarray(2).toString('latin1').split('\0')[0], POWER_METER_MODEL);
    assert.equal(ask(0x04, 0, 9, 0, 2), '8402', 'input registers end at 9');
    assert.equal(ask(0x03, 0, 15, 0, 2), '8302', 'a gap between config and model');
    assert.equal(ask(0x06, 0, 100, 0, 1), '8602', 'the model name is read-only');
    assert.equal(ask(0x06, 0, 0, 0, 0), '8603', 'CT ratio 0 is out of range');
    assert.equal(ask(0x03, 0, 0, 0, 126), '8303', 'quantity above 125');
    assert.equal(ask(0x05, 0, 0, 0x12, 0x34), '8503', 'coil value must be FF00 or 0000');
    assert.equal(ask(0x01, 0, 7, 0, 2), '8102');
    assert.equal(ask(0x2b, 0x0e, 1, 0), 'ab01', 'unknown function');
  });

  test('sim:<bus>?addresses=1,2&modbus=10: meter and controllers on one in-process bus, one link', async () => {
    testSimulators.watlow.reset('mixed-sim');
    const stream = await openStream(
      testOpeners,
      'sim:mixed-sim?addresses=1,2&modbus=10',
      DEFAULT_SERIAL_SETTINGS,
    );
    try {
      const bus = testSimulators.watlow.bus('mixed-sim');
      assert.deepEqual([...bus.controllers.keys()], [1, 2]);
      assert.deepEqual([...bus.modbusDevices.keys()], [10]);
      // The value codec's plan, answered by the meter over RTU.
      const spec = validateValueSpec({ table: 'input', register: 0, type: 'float32', count: 5 });
      const words: number[] = [];
      for (const read of planReads(spec)) {
        const reply = await rtu(stream, 10, [read.fc, 0, read.start, 0, read.quantity]);
        for (let i = 2; i < reply.length; i += 2) words.push(reply.readUInt16BE(i));
      }
      const [volts, amps, watts, , hz] = decodeValues(spec, words) as number[];
      assert.deepEqual([volts, Math.round(amps! * 10) / 10, Math.round(watts!), hz], [230, 4.2, 966, 50]);
      // A write planned by the codec, then the controller beside it still answers.
      const [write] = planWrites(validateValueSpec({ register: 0, type: 'uint16' }), 200);
      assert.equal(hex(await rtu(stream, 10, [write!.fc, 0, 0, 0, 200])), '06000000c8');
      assert.equal(bus.modbusDevice(10).holding[0], 200);
      assert.equal(hex(await rtu(stream, 1, [0x03, 0x08, 0x70, 0, 2])), '030400004296');
    } finally {
      await stream.close();
      testSimulators.watlow.reset('mixed-sim');
    }
  });

  test('a meter cannot share an address with a controller; bad modbus= lists are refused', async () => {
    await assert.rejects(
      Promise.resolve().then(() =>
        openStream(testOpeners, 'sim:clash-sim?addresses=1&modbus=1', DEFAULT_SERIAL_SETTINGS),
      ),
      /Watlow controller already/,
    );
    await assert.rejects(
      Promise.resolve().then(() => openStream(testOpeners, 'sim:bad-sim?modbus=0', DEFAULT_SERIAL_SETTINGS)),
      /modbus must be integers 1\.\.247/,
    );
    testSimulators.watlow.reset();
  });
});

describe('labbench-sim watlow flags', () => {
  test('--modbus, --tcp, --modbus-tcp, --gateway-units, --gateway-timeout', () => {
    const args = parseWatlowSimulatorArgs([
      'watlow',
      '--tcp',
      '127.0.0.1:0',
      '--modbus-tcp',
      '[::1]:1502',
      '--addresses',
      '1,2',
      '--modbus',
      '10,11',
      '--gateway-units',
      '1,10',
      '--gateway-timeout',
      '150',
    ]);
    assert.deepEqual(
      {
        serial: args.serial,
        tcp: args.tcp,
        modbusTcp: args.modbusTcp,
        modbus: args.modbus,
        units: args.gatewayUnits,
        timeout: args.gatewayTimeoutMs,
      },
      {
        serial: '',
        tcp: { host: '127.0.0.1', port: 0 },
        modbusTcp: { host: '::1', port: 1502 },
        modbus: [10, 11],
        units: [1, 10],
        timeout: 150,
      },
    );
  });

  const refused: [string[], RegExp][] = [
    [[], /--serial <path> is required, unless the bus is served over TCP \(--tcp or --modbus-tcp\)/],
    [['--tcp', 'localhost'], /--tcp takes host:port/],
    [['--tcp', '127.0.0.1:99999'], /--tcp takes host:port/],
    [['--tcp', '127.0.0.1:0', '--modbus', '0'], /--modbus must be integers/],
    [['--tcp', '127.0.0.1:0', '--modbus', '1'], /Address 1 is in both --addresses and --modbus/],
    [['--modbus-tcp', '127.0.0.1:0', '--gateway-timeout', '-5'], /--gateway-timeout/],
  ];
  for (const [argv, message] of refused) {
    test(`refuses ${JSON.stringify(argv)}`, () => {
      assert.throws(
        () => parseWatlowSimulatorArgs(argv),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'E_INVALID_INPUT');
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});

describe('labbench-sim watlow out of process', () => {
  test('serves one bus as a tcp:// device server and a modbus-tcp:// gateway at once', async () => {
    const sim = await startSimulatorCli([
      'watlow',
      '--tcp',
      '127.0.0.1:0',
      '--modbus-tcp',
      '127.0.0.1:0',
      '--addresses',
      '1',
      '--modbus',
      '10',
      '--gateway-units',
      '1,10',
    ]);
    try {
      const tcpUrl = /device server (tcp:\/\/\S+?),?\s/.exec(sim.output())?.[1];
      const gatewayUrl = /gateway (modbus-tcp:\/\/\S+?);/.exec(sim.output())?.[1];
      assert.ok(tcpUrl && gatewayUrl, sim.output());
      const raw = await openTcpSerialPort(tcpUrl);
      try {
        // Written over the device server, read back through the gateway: one bus behind both.
        assert.equal(hex(await rtu(raw, 10, [0x06, 0, 2, 0, 30])), '060002001e');
      } finally {
        await raw.close();
      }
      const stream = await openModbusTcpGateway(gatewayUrl);
      const link = new MbapLink(stream);
      try {
        assert.equal(hex((await link.transact(10, Buffer.from([0x03, 0, 2, 0, 1])))!), '0302001e');
        assert.equal(hex((await link.transact(1, Buffer.from([0x03, 0x08, 0x70, 0, 2])))!), '030400004296');
        assert.equal(
          hex((await link.transact(5, Buffer.from([0x03, 0, 0, 0, 1])))!),
          '830a',
          'no route to unit 5',
        );
      } finally {
        link.dispose();
        await stream.close();
      }
    } finally {
      await sim.stop();
    }
  });

  test('--pace on a real PTY with --modbus: the meter answers over the OS serial stack', async (t) => {
    if (!socatAvailable()) {
      if (process.env.CI === 'true') assert.fail('socat is required in CI (apt-get install -y socat)');
      t.skip('socat not installed');
      return;
    }
    const pty = await PtyPair.start(makeTempDir('labbench-modbus-pty-'));
    const sim = await startSimulatorCli([
      'watlow',
      '--serial',
      pty.b,
      '--pace',
      '--baud',
      '38400',
      '--modbus',
      '10',
    ]);
    try {
      assert.match(sim.output(), /\(paced\)/);
      assert.match(sim.output(), /Modbus devices 10/);
      const stream = await openStream(testOpeners, pty.a, DEFAULT_SERIAL_SETTINGS);
      try {
        const reply = await rtu(stream, 10, [0x04, 0, 0, 0, 2]);
        assert.equal(hex(reply), '04044366' + '0000');
        const model = await rtu(stream, 10, [0x03, 0, 100, 0, 8]);
        assert.equal(model.subarray(2).toString('latin1').split('\0')[0], POWER_METER_MODEL);
      } finally {
        await stream.close();
      }
    } finally {
      await sim.stop();
      await pty.stop();
    }
  });
});
