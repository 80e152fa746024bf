/**
 * MbapLink against the simulated Modbus TCP gateway over real loopback TCP: raw PDUs to the power
 * meter and Watlow controllers behind it, gateway exceptions, malformed replies, late replies, and
 * a dropped connection replaced through the registry.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock';
import { ResourceRegistry } from '../../src/core/registry';
import { MbapLink, mbapLinkFor } from '../../src/modbus/mbap-link';
import { SimulatedWatlowBus } from '../../src/sim/watlow/bus';
import { serveBusAsModbusGateway } from '../../src/sim/modbus/gateway';
import type { SimModbusGateway } from '../../src/sim/modbus/gateway';
import { openModbusTcpGateway } from '../../src/transport/tcp-stream';
import type { ByteStream } from '../../src/transport/types';
import { loggedStreamLease } from './logged-lease';

const READ_VOLTAGE = Buffer.from([0x04, 0x00, 0x00, 0x00, 0x02]);
const VOLTAGE_REPLY = '04044366' + '0000';

let bus: SimulatedWatlowBus;
let gateway: SimModbusGateway;

before(async () => {
  bus = new SimulatedWatlowBus('mbap-link-test', { addresses: [1], modbusDevices: [10] });
  gateway = await serveBusAsModbusGateway(bus, { units: [1, 10, 11], targetTimeoutMs: 60 });
});

after(async () => {
  await gateway.close();
});

async function withLink<T>(
  fn: (link: MbapLink, stream: ByteStream) => Promise<T>,
  clock?: FakeClock,
): Promise<T> {
  const stream = await openModbusTcpGateway(gateway.url);
  const link = new MbapLink(stream, clock ? { clock } : {});
  try {
    return await fn(link, stream);
  } finally {
    link.dispose();
    await stream.close();
  }
}

describe('MbapLink through the simulated gateway', () => {
  test('reads the power meter and a Watlow controller on the same bus by unit id', async () => {
    await withLink(async (link) => {
      assert.equal((await link.transact(10, READ_VOLTAGE))!.toString('hex'), VOLTAGE_REPLY);
      // Watlow set point (Map 1 register 2160, float32 low word first): 75 °F = 0x4296 0000.
      const setPoint = await link.transact(1, Buffer.from([0x03, 0x08, 0x70, 0x00, 0x02]));
      assert.equal(setPoint!.toString('hex'), '030400004296');
      // Write then read back a holding register of the meter.
      assert.equal(
        (await link.transact(10, Buffer.from([0x06, 0, 0, 0, 50])))!.toString('hex'),
        '0600000032',
      );
      assert.equal(bus.modbusDevice(10).holding[0], 50);
    });
  });

  test('broadcast (unit 0) resolves once sent; the gateway forwards it and nothing answers', async () => {
    await withLink(async (link) => {
      const meter = bus.modbusDevice(10);
      assert.equal(await link.transact(0, Buffer.from([0x06, 0, 2, 0, 7])), undefined);
      for (let turns = 0; meter.holding[2] !== 7 && turns < 100_000; turns++)
        await new Promise((r) => setImmediate(r));
      assert.equal(meter.holding[2], 7, 'the meter acted on the broadcast');
      // The next request is answered with its own reply: no stray frame came back for the broadcast.
      assert.equal((await link.transact(10, READ_VOLTAGE))!.toString('hex'), VOLTAGE_REPLY);
      assert.equal(link.lateReplies, 0);
    });
  });

  test('device exceptions come back as exception PDUs (02 illegal address)', async () => {
    await withLink(async (link) => {
      assert.equal((await link.transact(10, Buffer.from([0x04, 0, 50, 0, 1])))!.toString('hex'), '8402');
    });
  });

  test('gateway exceptions: 0x0A for a unit without a route, 0x0B for a silent device, and injected ones', async () => {
    await withLink(async (link) => {
      assert.equal((await link.transact(12, READ_VOLTAGE))!.toString('hex'), '840a');
      assert.equal((await link.transact(11, READ_VOLTAGE))!.toString('hex'), '840b');
      gateway.injectFault({ kind: 'exception', code: 0x0b });
      assert.equal((await link.transact(10, READ_VOLTAGE))!.toString('hex'), '840b');
      gateway.injectFault({ kind: 'exception', code: 0x0a });
      assert.equal((await link.transact(10, READ_VOLTAGE))!.toString('hex'), '840a');
      assert.equal(
        (await link.transact(10, READ_VOLTAGE))!.toString('hex'),
        VOLTAGE_REPLY,
        'faults are one-shot',
      );
    });
  });

  test('a reply with a wrong transaction id is E_PROTOCOL; the connection stays usable', async () => {
    await withLink(async (link) => {
      gateway.injectFault({ kind: 'wrongTransactionId' });
      await assert.rejects(link.transact(10, READ_VOLTAGE), { code: 'E_PROTOCOL', message: /transaction/ });
      assert.equal((await link.transact(10, READ_VOLTAGE))!.toString('hex'), VOLTAGE_REPLY);
    });
  });

  for (const kind of ['wrongProtocolId', 'badLength'] as const) {
    test(`${kind}: E_PROTOCOL, the socket is closed, later calls say E_DISCONNECTED (so the registry reopens)`, async () => {
      const opened = gateway.events.filter((e) => e.startsWith('open')).length;
      await withLink(async (link, stream) => {
        gateway.injectFault({ kind });
        await assert.rejects(link.transact(10, READ_VOLTAGE), {
          code: 'E_PROTOCOL',
          message: kind === 'badLength' ? /length field 300/ : /protocol id 1/,
        });
        assert.equal(stream.isOpen, false);
        await assert.rejects(link.transact(10, READ_VOLTAGE), { code: 'E_DISCONNECTED' });
      });
      assert.equal(gateway.events.filter((e) => e.startsWith('open')).length, opened + 1);
    });
  }

  test('a late reply to a timed-out request is discarded, not taken for the next answer', async () => {
    const clock = new FakeClock();
    await withLink(async (link) => {
      gateway.injectFault({ kind: 'delay', ms: 40 });
      const first = link.transact(10, READ_VOLTAGE, { timeoutMs: 10 });
      const rejected = assert.rejects(first, { code: 'E_TIMEOUT' });
      await clock.advance(10);
      await rejected;
      // The meter's current changes meanwhile: the second answer must carry the new value.
      bus.modbusDevice(10).current = 2;
      const second = await link.transact(10, Buffer.from([0x04, 0x00, 0x02, 0x00, 0x02]), {
        timeoutMs: 10_000,
      });
      assert.equal(second!.toString('hex'), '040440000000', 'current 2.0 A, not the late voltage reply');
      assert.equal(link.lateReplies, 1);
    }, clock);
  });

  test('the registry replaces a connection the gateway drops mid-transaction: old closed first, retried once', async () => {
    const registry = new ResourceRegistry({ log: () => undefined });
    const { lease, events } = loggedStreamLease(registry, gateway.url, openModbusTcpGateway);
    const read = (): Promise<string> =>
      lease.transact(async (stream, signal) =>
        (await mbapLinkFor(stream).transact(10, READ_VOLTAGE, { signal }))!.toString('hex'),
      );
    bus.modbusDevice(10).current = 4.2;
    assert.equal(await read(), VOLTAGE_REPLY);
    gateway.injectFault({ kind: 'drop' });
    assert.equal(await read(), VOLTAGE_REPLY, 'the failed transaction is retried on a fresh connection');
    assert.deepEqual(events, ['open#1', 'close#1', 'open#2']);
    lease.release({ immediate: true });
    await registry.closeAll();
  });
});
