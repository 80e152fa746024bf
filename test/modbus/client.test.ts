/**
 * The generic Modbus client: over a scripted link (every function, every refusal), over the RTU
 * link on a scripted byte stream (echo, corruption, silence), and over the simulated Watlow bus.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ModbusClient } from '../../src/modbus/client';
import type { ModbusLink, ModbusTransactOptions } from '../../src/modbus/link';
import { decodeRequestPdu, encodeResponsePdu, EXCEPTION_NAMES } from '../../src/modbus/pdu';
import type { ModbusResponse } from '../../src/modbus/pdu';
import { encodeRtuFrame } from '../../src/modbus/rtu';
import { RtuLink } from '../../src/modbus/rtu-link';
import { TimeoutError } from '../../src/core/errors';
import type { StreamPort } from '../../src/transport/framed-line';
import type { ByteStream } from '../../src/transport/types';
import { ResourceRegistry } from '../../src/core/registry';
import { acquireSerialBus } from '../../src/transport/acquire';
import { DEFAULT_SERIAL_SETTINGS } from '../../src/transport/types';
import { testOpeners, testSimulators } from '../support/backends';
import { decodeRegisters, encodeRegisters } from '../../src/watlow/modbus/registers';

/** A link answering like a server would, or as scripted. */
class FakeLink implements ModbusLink {
  readonly label = 'fake-link';
  readonly sent: { unit: number; pdu: string; options: ModbusTransactOptions | undefined }[] = [];
  constructor(private readonly answer: (unit: number, pdu: Uint8Array) => Uint8Array | undefined | Error) {}
  async transact(
    unit: number,
    pdu: Uint8Array,
    options?: ModbusTransactOptions,
  ): Promise<Uint8Array | undefined> {
    this.sent.push({ unit, pdu: Buffer.from(pdu).toString('hex'), options });
    const reply = this.answer(unit, pdu);
    if (reply instanceof Error) throw reply;
    return reply;
  }
}

/** A server holding 16 coils and 16 registers, answering every function as the specification says. */
function server(): FakeLink {
  const coils = new Array<boolean>(16).fill(false);
  const registers = Array.from({ length: 16 }, (_, i) => i * 100);
  return new FakeLink((unit, pdu) => {
    if (unit === 0 && pdu[0]! <= 4) throw new Error('a read was broadcast');
    const request = decodeRequestPdu(pdu);
    const inRange = (n: number): boolean => request.address + n <= 16;
    let response: ModbusResponse;
    switch (request.fc) {
      case 1:
      case 2:
        response = inRange(request.quantity)
          ? { kind: 'bits', values: coils.slice(request.address, request.address + request.quantity) }
          : { kind: 'exception', fc: request.fc, code: 2 };
        break;
      case 3:
      case 4:
        response = inRange(request.quantity)
          ? {
              kind: 'registers',
              values: registers.slice(request.address, request.address + request.quantity),
            }
          : { kind: 'exception', fc: request.fc, code: 2 };
        break;
      case 5:
        coils[request.address] = request.value;
        response = { kind: 'written', address: request.address, quantity: 1 };
        break;
      case 6:
        if (request.value > 1000) response = { kind: 'exception', fc: 6, code: 3 };
        else {
          registers[request.address] = request.value;
          response = { kind: 'written', address: request.address, quantity: 1 };
        }
        break;
      case 15:
        request.values.forEach((v, i) => (coils[request.address + i] = v));
        response = { kind: 'written', address: request.address, quantity: request.values.length };
        break;
      case 16:
        request.values.forEach((v, i) => (registers[request.address + i] = v));
        response = { kind: 'written', address: request.address, quantity: request.values.length };
        break;
    }
    return unit === 0 ? undefined : encodeResponsePdu(request, response);
  });
}

describe('ModbusClient over a link', () => {
  test('all eight functions round-trip', async () => {
    const link = server();
    const client = new ModbusClient(link);
    assert.deepEqual(await client.readHoldingRegisters(1, 2, 3), [200, 300, 400]);
    assert.deepEqual(await client.readInputRegisters(1, 0, 2), [0, 100]);
    await client.writeSingleRegister(1, 2, 999);
    await client.writeMultipleRegisters(1, 4, [1, 2, 3]);
    assert.deepEqual(await client.readHoldingRegisters(1, 2, 5), [999, 300, 1, 2, 3]);
    await client.writeSingleCoil(1, 3, true);
    await client.writeMultipleCoils(1, 8, [true, false, true]);
    assert.deepEqual(await client.readCoils(1, 2, 8), [false, true, false, false, false, false, true, false]);
    assert.deepEqual(await client.readDiscreteInputs(1, 8, 3), [true, false, true]);
    assert.deepEqual(link.sent[0], {
      unit: 1,
      pdu: '0300020003',
      options: { what: 'read 3 holding register(s) at 2', where: 'Modbus unit 1 on fake-link' },
    });
  });

  test('exception responses are E_DEVICE_ERROR with the code and its standard name', async () => {
    const client = new ModbusClient(server());
    await assert.rejects(
      client.readHoldingRegisters(7, 10, 10),
      (err: Error & { code?: string; deviceCode?: number }) => {
        assert.equal(err.code, 'E_DEVICE_ERROR');
        assert.equal(err.deviceCode, 2);
        assert.match(
          err.message,
          /Modbus unit 7 on fake-link refused to read 10 holding register\(s\) at 10: Modbus exception 2 \(Illegal Data Address\)/,
        );
        return true;
      },
    );
    await assert.rejects(client.writeSingleRegister(1, 0, 5000), { code: 'E_DEVICE_ERROR', deviceCode: 3 });
    for (const [code, name] of Object.entries(EXCEPTION_NAMES)) {
      const refusing = new ModbusClient(
        new FakeLink((_u, pdu) => Uint8Array.from([pdu[0]! | 0x80, Number(code)])),
      );
      await assert.rejects(refusing.readCoils(1, 0, 1), (err: Error & { deviceCode?: number }) => {
        assert.equal(err.deviceCode, Number(code));
        assert.ok(err.message.includes(`(${name})`), err.message);
        return true;
      });
    }
  });

  test('invalid requests never reach the link', async () => {
    const link = server();
    const client = new ModbusClient(link);
    await assert.rejects(
      client.readHoldingRegisters(0, 0, 1),
      { code: 'E_OUT_OF_RANGE', message: /allowed 1…247 \(a read cannot be broadcast/ },
      'reads cannot be broadcast',
    );
    await assert.rejects(client.readHoldingRegisters(248, 0, 1), { code: 'E_OUT_OF_RANGE' });
    await assert.rejects(client.writeSingleRegister(1.5, 0, 1), { code: 'E_INVALID_INPUT' });
    await assert.rejects(client.readHoldingRegisters(1, 0, 126), { code: 'E_OUT_OF_RANGE' });
    await assert.rejects(client.writeSingleRegister(1, 0, -1), { code: 'E_OUT_OF_RANGE' });
    await assert.rejects(client.writeMultipleCoils(1, 0, []), { code: 'E_OUT_OF_RANGE' });
    assert.equal(link.sent.length, 0);
  });

  test('a broadcast write resolves without a response; a missing response otherwise is E_PROTOCOL', async () => {
    const link = server();
    await new ModbusClient(link).writeSingleRegister(0, 1, 5);
    assert.equal(link.sent[0]!.unit, 0);
    const mute = new ModbusClient(new FakeLink(() => undefined));
    await assert.rejects(mute.readCoils(1, 0, 1), { code: 'E_PROTOCOL' });
  });

  test('a wrong response is E_PROTOCOL; link failures pass through unchanged', async () => {
    const wrongEcho = new ModbusClient(new FakeLink(() => Uint8Array.from([6, 0, 1, 0, 9])));
    await assert.rejects(wrongEcho.writeSingleRegister(1, 1, 8), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_PROTOCOL');
      assert.match(err.message, /does not echo/);
      return true;
    });
    const timeout = new TimeoutError('no reply');
    const silent = new ModbusClient(new FakeLink(() => timeout));
    await assert.rejects(silent.readCoils(1, 0, 1), (err) => err === timeout);
  });
});

/** A byte stream whose peer answers each write with scripted chunks. */
class ScriptedStream implements ByteStream {
  readonly label = 'scripted';
  readonly isOpen = true;
  readonly writes: string[] = [];
  private listeners = new Set<(chunk: Buffer) => void>();
  constructor(private readonly respond: (request: Buffer, n: number) => Buffer[]) {}
  async write(bytes: Uint8Array): Promise<void> {
    const request = Buffer.from(bytes);
    this.writes.push(request.toString('hex'));
    const chunks = this.respond(request, this.writes.length);
    setImmediate(() => {
      for (const chunk of chunks) for (const l of [...this.listeners]) l(chunk);
    });
  }
  onData(listener: (chunk: Buffer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  onClose(): () => void {
    return () => undefined;
  }
  async flushInput(): Promise<void> {}
  async close(): Promise<void> {}
}

function portOf(stream: ByteStream): StreamPort {
  return {
    label: stream.label,
    transact: (fn) => fn(stream, new AbortController().signal),
  };
}

describe('RtuLink on a byte stream', () => {
  const reply = (unit: number, pdu: string): Buffer => encodeRtuFrame(unit, Buffer.from(pdu, 'hex'));

  test('skips the adapter echo and noise, returns the response PDU', async () => {
    const stream = new ScriptedStream((request) => [
      Buffer.from([0x00, 0xff]),
      request,
      reply(2, '0304000A000B'),
    ]);
    const client = new ModbusClient(new RtuLink(portOf(stream), { replyTimeoutMs: 200 }));
    assert.deepEqual(await client.readHoldingRegisters(2, 0, 2), [10, 11]);
    assert.deepEqual(stream.writes, [encodeRtuFrame(2, Buffer.from('0300000002', 'hex')).toString('hex')]);
  });

  test('a corrupt response is retried; silence on every attempt is E_TIMEOUT naming the unit', async () => {
    const corrupt = (b: Buffer): Buffer =>
      Buffer.concat([b.subarray(0, -1), Buffer.from([b[b.length - 1]! ^ 0xff])]);
    const stream = new ScriptedStream((_req, n) =>
      n === 1 ? [corrupt(reply(1, '0302002A'))] : [reply(1, '0302002A')],
    );
    const link = new RtuLink(portOf(stream), { replyTimeoutMs: 100, corruptSettleMs: 5 });
    assert.deepEqual(await new ModbusClient(link).readHoldingRegisters(1, 5, 1), [42]);
    assert.equal(stream.writes.length, 2);

    const silent = new ScriptedStream(() => []);
    const quiet = new ModbusClient(new RtuLink(portOf(silent), { replyTimeoutMs: 20, retries: 1 }));
    await assert.rejects(quiet.readCoils(3, 0, 1), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_TIMEOUT');
      assert.match(
        err.message,
        /No reply from Modbus unit 3 on scripted to read 1 coil\(s\) at 0 after 2 attempts/,
      );
      return true;
    });
    assert.equal(silent.writes.length, 2);
  });

  test('a single write takes the first copy (the response is a copy of the request)', async () => {
    const stream = new ScriptedStream((request) => [request]);
    await new ModbusClient(new RtuLink(portOf(stream))).writeSingleCoil(4, 9, true);
    assert.equal(stream.writes.length, 1);
  });

  test('a broadcast is sent once and waits out the turnaround', async () => {
    const stream = new ScriptedStream(() => []);
    const link = new RtuLink(portOf(stream), { broadcastTurnaroundMs: 5 });
    assert.equal(await link.transact(0, Uint8Array.from([6, 0, 1, 0, 2])), undefined);
    assert.equal(stream.writes.length, 1);
    await assert.rejects(link.transact(248, Uint8Array.from([3, 0, 0, 0, 1])), {
      code: 'E_OUT_OF_RANGE',
      message: 'Modbus unit 248 is out of range: allowed 0…247 (0 = broadcast).',
    });
    await assert.rejects(new ModbusClient(link).writeSingleRegister(248, 0, 1), {
      code: 'E_OUT_OF_RANGE',
      message: 'Modbus unit 248 is out of range: allowed 0…247 (0 = broadcast).',
    });
  });
});

test('ModbusClient over RtuLink reads and writes the simulated Watlow controller', async () => {
  const busName = `modbus-client-${process.pid}`;
  const bus = testSimulators.watlow.bus(busName);
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  const path = `sim:${busName}`;
  const lease = acquireSerialBus(registry, testOpeners, {
    path,
    settings: DEFAULT_SERIAL_SETTINGS,
    protocol: 'modbus',
    holder: 'modbus client test',
  });
  try {
    const client = new ModbusClient(new RtuLink(lease, { replyTimeoutMs: 300 }));
    // setPoint of loop 1: float in map 1 at register 2160, low word first (the factory order).
    await client.writeMultipleRegisters(1, 2160, encodeRegisters('float', 123.5, 'lowHigh'));
    assert.equal(bus.controller(1).get('setPoint'), 123.5);
    bus.controller(1).set('setPoint', 77.25);
    const words = await client.readHoldingRegisters(1, 2160, 2);
    assert.equal(decodeRegisters('float', words, 'lowHigh'), 77.25);
    await assert.rejects(client.readHoldingRegisters(1, 9000, 2), { code: 'E_DEVICE_ERROR', deviceCode: 2 });
  } finally {
    lease.release({ immediate: true });
    await registry.closeAll();
    testSimulators.watlow.reset(busName);
  }
});
