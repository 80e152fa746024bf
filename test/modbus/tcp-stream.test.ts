/**
 * `tcp://` serial device servers and `modbus-tcp://` gateways as port paths: identity, claims,
 * the TCP ByteStream against the simulated device server on loopback (IPv4 and IPv6), and the
 * registry's stale-handle rule when the server drops the connection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { parseNetworkBusPath, resourceKey, serialKey } from '../../src/core/identity';
import { ResourceRegistry } from '../../src/core/registry';
import { SimulatedWatlowBus } from '../../src/sim/watlow/bus';
import { serveBusAsDeviceServer } from '../../src/sim/modbus/device-server';
import type { SimDeviceServer } from '../../src/sim/modbus/device-server';
import { portClaimSettings } from '../../src/transport/claim-settings';
import { openModbusTcpGateway, openTcpSerialPort } from '../../src/transport/tcp-stream';
import { DEFAULT_SERIAL_SETTINGS } from '../../src/transport/types';
import type { ByteStream } from '../../src/transport/types';
import { loggedStreamLease } from './logged-lease';
import { withCrc } from '../../src/modbus/rtu';

describe('tcp:// and modbus-tcp:// paths: canonical keys', () => {
  test('key = scheme + lower-cased host + port; modbus-tcp defaults to 502; IPv6 literals in brackets', () => {
    const same: [string, string[]][] = [
      ['tcp://10.0.0.5:4001', ['tcp://10.0.0.5:4001', 'TCP://10.0.0.5:4001', '  tcp://10.0.0.5:4001 ']],
      ['tcp://moxa-1.lab:4001', ['tcp://MOXA-1.lab:4001', 'tcp://moxa-1.LAB:04001']],
      ['modbus-tcp://gw.lab:502', ['modbus-tcp://gw.lab', 'Modbus-TCP://GW.lab:502']],
      [
        'tcp://[fe80::1]:4001',
        ['tcp://[FE80::1]:4001', 'tcp://[fe80::1]:4001', 'tcp://[fe80:0:0::0:1]:4001'],
      ],
      ['modbus-tcp://[::1]:502', ['modbus-tcp://[::1]', 'modbus-tcp://[::1]:502']],
    ];
    for (const [key, spellings] of same) {
      for (const s of spellings) {
        assert.equal(serialKey(s), key, s);
        assert.equal(resourceKey(s), key, s);
      }
    }
    assert.notEqual(
      serialKey('tcp://gw.lab:502'),
      serialKey('modbus-tcp://gw.lab:502'),
      'the scheme is identity',
    );
    assert.notEqual(serialKey('tcp://gw.lab:4001'), serialKey('tcp://gw.lab:4002'));
    assert.deepEqual(parseNetworkBusPath('tcp://[::1]:4001'), { scheme: 'tcp', host: '::1', port: 4001 });
    assert.equal(parseNetworkBusPath('/dev/ttyUSB0'), undefined);
  });

  const refused: [string, RegExp][] = [
    ['tcp://', /no host/],
    ['tcp://:4001', /no host/],
    ['modbus-tcp://', /no host/],
    ['tcp://10.0.0.5', /needs its TCP port/],
    ['tcp://10.0.0.5:', /":" after the host is not ":port"/],
    ['tcp://10.0.0.5:0', /out of range/],
    ['tcp://10.0.0.5:65536', /out of range/],
    ['tcp://10.0.0.5:123456', /not ":port"/],
    ['tcp://10.0.0.5:40x1', /not ":port"/],
    ['modbus-tcp://gw:502/x', /not ":port"/],
    ['tcp://user@host:4001', /not a host name/],
    ['tcp://fe80::1:4001', /not ":port"/],
    ['tcp://[fe80::1:4001', /no closing/],
    ['tcp://[hello]:4001', /not an IPv6 address/],
    ['tcp://[1:2:3:4:5:6:7:8:9]:4001', /not an IPv6 address/],
    ['tcp://a b:4001', /not a host name/],
  ];
  for (const [path, message] of refused) {
    test(`refused with E_INVALID_INPUT: ${JSON.stringify(path)}`, () => {
      assert.throws(
        () => serialKey(path),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'E_INVALID_INPUT');
          assert.match(err.message, message);
          assert.match(err.message, /tcp:\/\/host:port/, 'says how to write it');
          return true;
        },
      );
    });
  }

  test('claims on a device server or gateway carry no serial settings (protocol only)', () => {
    assert.equal(portClaimSettings('tcp://10.0.0.5:4001', DEFAULT_SERIAL_SETTINGS), undefined);
    assert.equal(
      portClaimSettings('modbus-tcp://gw', { ...DEFAULT_SERIAL_SETTINGS, baudRate: 9600 }),
      undefined,
    );
    assert.deepEqual(portClaimSettings('/dev/ttyUSB0', DEFAULT_SERIAL_SETTINGS), {
      baudRate: 38400,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
    });
    const registry = new ResourceRegistry({ log: () => undefined });
    const spec = (holder: string, protocol: string, baudRate: number) => ({
      key: serialKey('tcp://10.0.0.5:4001'),
      label: 'tcp://10.0.0.5:4001',
      holder,
      claim: {
        protocol,
        settings: portClaimSettings('tcp://10.0.0.5:4001', { ...DEFAULT_SERIAL_SETTINGS, baudRate }),
      },
      open: () => Promise.reject(new Error('not opened in this test')),
    });
    const a = registry.acquire(spec('a', 'modbus', 38400));
    const b = registry.acquire(spec('b', 'modbus', 9600));
    assert.throws(() => registry.acquire(spec('c', 'stdbus', 38400)), {
      code: 'E_PROTOCOL_CONFLICT',
      message: /c wants .* for stdbus, but a already uses it for modbus/,
    });
    a.release({ immediate: true });
    b.release({ immediate: true });
  });
});

/** One RTU exchange on a raw stream: resolves with the reply bytes, rejects when the stream dies. */
function rtu(stream: ByteStream, request: number[], replyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const offData = stream.onData((chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= replyLength) finish(() => resolve(got));
    });
    const offClose = stream.onClose((err) => finish(() => reject(err ?? new Error('closed'))));
    const finish = (settle: () => void): void => {
      offData();
      offClose();
      settle();
    };
    stream.write(withCrc(Buffer.from(request))).catch((err: unknown) => finish(() => reject(err)));
  });
}

const READ_VOLTAGE = [10, 0x04, 0, 0, 0, 2];
const VOLTAGE_FRAME = withCrc(Buffer.from([10, 0x04, 4, 0x43, 0x66, 0, 0])).toString('hex');

describe('tcp:// device server on loopback', () => {
  let bus: SimulatedWatlowBus;
  let server: SimDeviceServer;

  before(async () => {
    bus = new SimulatedWatlowBus('tcp-stream-test', { addresses: [1, 2], modbusDevices: [10] });
    server = await serveBusAsDeviceServer(bus);
  });

  after(async () => {
    await server.close();
  });

  test('RTU bytes pass unchanged: the meter and a Watlow controller answer on one connection', async () => {
    const stream = await openTcpSerialPort(server.url);
    try {
      assert.equal(stream.label, server.url);
      assert.equal((await rtu(stream, READ_VOLTAGE, 9)).toString('hex'), VOLTAGE_FRAME);
      const setPoint = await rtu(stream, [2, 0x03, 0x08, 0x70, 0, 2], 9);
      assert.equal(setPoint.subarray(0, 7).toString('hex'), '02030400004296');
    } finally {
      await stream.close();
    }
  });

  test('IPv6 loopback literal in brackets', async (t) => {
    const probe = net.createServer();
    const v6 = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(0, '::1', () => probe.close(() => resolve(true)));
    });
    if (!v6) {
      // Containers without IPv6 on lo: nothing to connect to (the parser is covered above).
      t.diagnostic('no IPv6 loopback on this machine');
      assert.equal(serialKey('tcp://[::1]:4001'), 'tcp://[::1]:4001');
      return;
    }
    const server6 = await serveBusAsDeviceServer(bus, { host: '::1' });
    try {
      assert.match(server6.url, /^tcp:\/\/\[::1\]:\d+$/);
      const stream = await openTcpSerialPort(server6.url);
      assert.equal((await rtu(stream, READ_VOLTAGE, 9)).toString('hex'), VOLTAGE_FRAME);
      await stream.close();
    } finally {
      await server6.close();
    }
  });

  test('nothing listening → E_NOT_FOUND naming the address; a wrong scheme for the opener → E_INVALID_INPUT', async () => {
    const closed = net.createServer();
    const port = await new Promise<number>((resolve) =>
      closed.listen(0, '127.0.0.1', () => {
        const p = (closed.address() as net.AddressInfo).port;
        closed.close(() => resolve(p));
      }),
    );
    await assert.rejects(openTcpSerialPort(`tcp://127.0.0.1:${port}`), {
      code: 'E_NOT_FOUND',
      message: new RegExp(`127\\.0\\.0\\.1:${port}`),
    });
    await assert.rejects(openModbusTcpGateway(`tcp://127.0.0.1:${port}`), { code: 'E_INVALID_INPUT' });
  });

  test('registry: a connection the server drops mid-transaction is closed before a new one opens; retried once', async () => {
    const registry = new ResourceRegistry({ log: () => undefined });
    const { lease, events } = loggedStreamLease(registry, server.url, openTcpSerialPort);
    let attempts = 0;
    const read = (): Promise<string> =>
      lease.transact(async (stream) => {
        attempts++;
        return (await rtu(stream, READ_VOLTAGE, 9)).toString('hex');
      });
    assert.equal(await read(), VOLTAGE_FRAME);
    server.dropOnNextRequest();
    assert.equal(await read(), VOLTAGE_FRAME);
    assert.equal(attempts, 3, 'the dropped transaction ran twice');
    assert.deepEqual(events, ['open#1', 'close#1', 'open#2']);

    // Dropped between transactions: the registry notices the close, the next use reopens.
    const states: string[] = [];
    lease.onState((s, err) => states.push(err ? `${s}:${err.code}` : s));
    server.dropConnections();
    while (lease.state === 'open') await new Promise((r) => setImmediate(r));
    assert.equal(await read(), VOLTAGE_FRAME);
    assert.deepEqual(events, ['open#1', 'close#1', 'open#2', 'close#2', 'open#3']);
    assert.ok(states.includes('closed:E_DISCONNECTED'), states.join(' '));
    lease.release({ immediate: true });
    await registry.closeAll();
    assert.deepEqual(events.at(-1), 'close#3');
  });
});
