import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { isDeviceGone } from '../../src/core/errors';
import { parseVisaResource } from '../../src/core/identity';
import { serveScpiOverVxi11 } from '../../src/sim/visa/vxi11-server';
import type { ScpiVxi11Server } from '../../src/sim/visa/vxi11-server';
import { openVxi11Transport, vxi11PortmapperPortFromEnv } from '../../src/transport/vxi11';
import {
  decodeCreateLink,
  decodeRead,
  encodeCreateLink,
  encodeRead,
} from '../../src/transport/vxi11-messages';
import {
  RecordAssembler,
  XdrReader,
  XdrWriter,
  decodeCall,
  encodeCall,
  encodeRecord,
} from '../../src/transport/vxi11-xdr';
import { createOpeners } from '../../src/transport/default-openers';
import { openMessage } from '../../src/transport/openers';
import { ScpiSession } from '../../src/visa/session';
import { EchoModel, IDN } from '../visa/echo-model';

describe('XDR / ONC RPC codecs', () => {
  it('encodes opaque data with length and zero padding to 4', () => {
    const b = new XdrWriter().uint(7).string('inst0').int(-1).toBuffer();
    assert.equal(b.toString('hex'), '00000007' + '00000005' + '696e737430' + '000000' + 'ffffffff');
    const r = new XdrReader(b);
    assert.equal(r.uint(), 7);
    assert.equal(r.string(), 'inst0');
    assert.equal(r.int(), -1);
    assert.equal(r.remaining, 0);
    assert.throws(() => r.uint(), /ends early/);
  });

  it('reassembles records split into fragments and across TCP chunks', () => {
    const payload = Buffer.from('hello fragments');
    const first = Buffer.concat([Buffer.from([0, 0, 0, 5]), payload.subarray(0, 5)]);
    const last = Buffer.concat([Buffer.from([0x80, 0, 0, payload.length - 5]), payload.subarray(5)]);
    const wire = Buffer.concat([first, last, encodeRecord(Buffer.from('two'))]);
    const asm = new RecordAssembler();
    const got: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 3) got.push(...asm.push(wire.subarray(i, i + 3)));
    assert.deepEqual(
      got.map((b) => b.toString()),
      ['hello fragments', 'two'],
    );
  });

  it('round-trips a call header and VXI-11 parameters field by field', () => {
    const args = encodeCreateLink({ clientId: 42, lockDevice: false, lockTimeout: 0, device: 'inst0' });
    const call = decodeCall(encodeCall({ xid: 9, prog: 0x0607af, vers: 1, proc: 10, args }));
    assert.equal(call.rpcvers, 2);
    assert.deepEqual([call.xid, call.prog, call.vers, call.proc], [9, 0x0607af, 1, 10]);
    assert.deepEqual(decodeCreateLink(call.args), {
      clientId: 42,
      lockDevice: false,
      lockTimeout: 0,
      device: 'inst0',
    });
    const read = { lid: 3, requestSize: 1024, ioTimeout: 500, lockTimeout: 0, flags: 0x80, termChar: 10 };
    assert.deepEqual(decodeRead(encodeRead(read)), read);
    assert.equal(encodeRead(read).length, 24, 'termChar is a 4-byte XDR int');
  });

  it('reads the portmapper port from the environment, defaulting to 111', () => {
    assert.equal(vxi11PortmapperPortFromEnv({}), 111);
    assert.equal(vxi11PortmapperPortFromEnv({ LABBENCH_VXI11_PORTMAPPER_PORT: '5111' }), 5111);
    assert.equal(vxi11PortmapperPortFromEnv({ LABBENCH_VXI11_PORTMAPPER_PORT: 'x' }), 111);
  });
});

describe('VXI-11 client against the simulated server on loopback', () => {
  let server: ScpiVxi11Server;
  const model = new EchoModel();

  before(async () => {
    server = await serveScpiOverVxi11(model, { host: '127.0.0.1', maxRecvSize: 1024 });
  });
  after(async () => {
    await server.close();
  });

  function openClient(device = 'inst0') {
    return openVxi11Transport({
      host: '127.0.0.1',
      device,
      label: `TCPIP0::127.0.0.1::${device}::INSTR`,
      timeoutMs: 1000,
      portmapperPort: server.portmapperPort,
    });
  }

  it('queries *IDN? through portmapper GETPORT, create_link, device_write, device_read, destroy_link', async () => {
    const t = await openClient();
    assert.equal(server.linkCount, 1);
    await t.write(Buffer.from('*IDN?\n'));
    assert.equal((await t.read(1000)).toString(), `${IDN}\n`);
    await t.close();
    assert.equal(server.linkCount, 0, 'destroy_link freed the link');
  });

  it('writes commands longer than maxRecvSize in several device_write calls, END on the last', async () => {
    const t = await openClient();
    const text = 'z'.repeat(2500);
    await t.write(Buffer.from(`ECHO? ${text}\n`));
    assert.equal((await t.read(1000)).toString(), `${text}\n`);
    await t.close();
  });

  it('an unanswered query is a TimeoutError (device_read io_timeout), device_clear recovers', async () => {
    const t = await openClient();
    await t.write(Buffer.from('SILENT?\n'));
    await assert.rejects(t.read(120), (err: Error & { code?: string }) => err.code === 'E_TIMEOUT');
    const clearsBefore = model.clears;
    await t.clear();
    assert.equal(model.clears, clearsBefore + 1);
    await t.write(Buffer.from('*IDN?\n'));
    assert.equal((await t.read(1000)).toString(), `${IDN}\n`);
    await t.close();
  });

  it('refuses an unknown LAN device name with E_NOT_FOUND', async () => {
    await assert.rejects(
      openClient('gpib0,5'),
      (err: Error & { code?: string }) => err.code === 'E_NOT_FOUND',
    );
  });

  it("works as a SCPI session opened from the resource string with the table's portmapper port", async () => {
    const openers = createOpeners({ vxi11PortmapperPort: server.portmapperPort });
    const transport = await openMessage(openers, parseVisaResource(server.resource), { timeoutMs: 1000 });
    const session = new ScpiSession(transport, { timeoutMs: 500 });
    try {
      assert.equal(await session.query('*IDN?'), IDN);
      await session.write(':VOLT 5');
      assert.equal(await session.query(':VOLT?'), '5');
    } finally {
      await session.close();
    }
  });

  it('reports the server going away as device-gone, on the next call and through onClose', async () => {
    const lone = new EchoModel();
    const srv = await serveScpiOverVxi11(lone, { host: '127.0.0.1' });
    const t = await openVxi11Transport({
      host: '127.0.0.1',
      device: 'inst0',
      label: 'lone',
      timeoutMs: 1000,
      portmapperPort: srv.portmapperPort,
    });
    const closed = new Promise<Error | undefined>((resolve) => t.onClose(resolve));
    lone.plugged = false;
    await t.write(Buffer.from('*IDN?\n')).catch(() => undefined);
    const err = await closed;
    assert.ok(err && isDeviceGone(err), `device-gone error, got ${String(err)}`);
    await assert.rejects(t.read(200), (e: unknown) => isDeviceGone(e));
    await t.close();
    await srv.close();
  });
});
