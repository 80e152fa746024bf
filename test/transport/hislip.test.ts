import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { isDeviceGone } from '../../src/core/errors';
import { formatVisaResource, parseVisaResource, visaKey } from '../../src/core/identity';
import { ResourceRegistry } from '../../src/core/registry';
import { parseKeithleySimulatorArgs } from '../../src/sim/keithley/cli';
import { serveScpiOverHislip } from '../../src/sim/visa/hislip-server';
import type { HislipServerOptions, ScpiHislipServer } from '../../src/sim/visa/hislip-server';
import {
  HISLIP_INITIAL_MESSAGE_ID,
  HislipFrameReader,
  MessageType,
  encodeHeader,
  encodeMessage,
} from '../../src/transport/hislip-codec';
import { createOpeners } from '../../src/transport/default-openers';
import { openHislipTransport } from '../../src/transport/hislip';
import type { HislipOpenOptions, HislipTransport } from '../../src/transport/hislip';
import { acquireVisaSession } from '../../src/visa/acquire';
import { openVisaTransport } from '../../src/visa/open';
import { ScpiSession } from '../../src/visa/session';
import { EchoModel, IDN } from '../visa/echo-model';

/** The real backends: HiSLIP is the table's `messages.hislip` entry. */
const openers = createOpeners();

type Coded = Error & { code?: string; deviceCode?: number | string };
const coded =
  (code: string, text?: RegExp) =>
  (err: unknown): boolean => {
    const e = err as Coded;
    assert.equal(e.code, code, String(err));
    if (text) assert.match(e.message, text);
    return true;
  };

/** EchoModel plus a query whose answer the test releases by hand (no timers order events). */
class GatedModel extends EchoModel {
  private gates: ((reply: string) => void)[] = [];
  busy = false;
  override execute(message: string): string | null | Promise<string | null> {
    if (message === 'GATED?') return new Promise((resolve) => this.gates.push(resolve));
    return super.execute(message);
  }
  release(reply: string): void {
    this.gates.shift()?.(reply);
  }
  openSession(): void {
    if (this.busy) throw Object.assign(new Error('EBUSY: instrument in use'), { code: 'EBUSY' });
  }
}

async function withServer(
  options: HislipServerOptions,
  fn: (server: ScpiHislipServer, model: GatedModel) => Promise<void>,
): Promise<void> {
  const model = new GatedModel();
  const server = await serveScpiOverHislip(model, { host: '127.0.0.1', port: 0, ...options });
  try {
    await fn(server, model);
  } finally {
    await server.close();
  }
}

function open(server: ScpiHislipServer, extra: Partial<HislipOpenOptions> = {}): Promise<HislipTransport> {
  return openHislipTransport({
    host: '127.0.0.1',
    port: server.port,
    label: server.resource,
    timeoutMs: 1000,
    ...extra,
  });
}

async function query(t: HislipTransport, text: string): Promise<string> {
  await t.write(Buffer.from(`${text}\n`));
  return (await t.read(1000)).toString('latin1');
}

describe('HiSLIP resource strings', () => {
  it('parses hislip<n>[,port], default port 4880, host lower-cased', () => {
    assert.deepEqual(parseVisaResource('TCPIP::Bench-DMM.local::HISLIP0::INSTR'), {
      kind: 'hislip',
      board: 0,
      host: 'bench-dmm.local',
      subAddress: 'hislip0',
      port: 4880,
    });
    assert.deepEqual(parseVisaResource('tcpip2::10.0.0.5::hislip1,5000::instr'), {
      kind: 'hislip',
      board: 2,
      host: '10.0.0.5',
      subAddress: 'hislip1',
      port: 5000,
    });
    assert.equal(
      formatVisaResource(parseVisaResource('TCPIP::10.0.0.5::hislip0')),
      'TCPIP0::10.0.0.5::hislip0,4880::INSTR',
    );
  });

  it('one key for hislip0 and hislip0,4880; distinct from the VXI-11 and SOCKET spellings of the host', () => {
    const k = visaKey('TCPIP0::10.0.0.5::hislip0::INSTR');
    assert.equal(visaKey('TCPIP::10.0.0.5::HiSLIP0,4880::INSTR'), k);
    for (const other of [
      'TCPIP0::10.0.0.5::hislip0,4881::INSTR',
      'TCPIP0::10.0.0.5::hislip1::INSTR',
      'TCPIP0::10.0.0.5::inst0::INSTR',
      'TCPIP0::10.0.0.5::5025::SOCKET',
    ])
      assert.notEqual(visaKey(other), k, other);
  });

  it('refuses malformed HiSLIP device names with E_INVALID_INPUT', () => {
    for (const text of [
      'TCPIP::h::hislip::INSTR',
      'TCPIP::h::hislipX::INSTR',
      'TCPIP::h::hislip0,::INSTR',
      'TCPIP::h::hislip0,70000::INSTR',
      'TCPIP::h::hislip0,0::INSTR',
      'TCPIP::h::hislip0,80,90::INSTR',
    ]) {
      assert.throws(() => parseVisaResource(text), coded('E_INVALID_INPUT'), text);
    }
  });
});

describe('HiSLIP client against the simulated server on loopback', () => {
  it('Initialize / AsyncInitialize / AsyncMaxMsgSize, then a query round trip', async () => {
    await withServer({ maxMessageSize: 4096 }, async (server) => {
      const t = await open(server);
      assert.ok(t.sessionId >= 1);
      assert.equal(t.serverVersion, 0x0100);
      assert.equal(t.overlapped, false, 'the simulator starts synchronized');
      assert.equal(t.serverMaxMessageSize, 4096);
      assert.equal(server.sessionCount, 1);
      assert.equal(await query(t, '*IDN?'), `${IDN}\n`);
      await t.close();
    });
  });

  it('MessageIDs start at 0xffffff00 and grow by 2; RMT-delivered is set after a whole reply', async () => {
    await withServer({}, async (server) => {
      const t = await open(server);
      await t.write(Buffer.from(':VOLT 1\n'));
      assert.equal(await query(t, ':VOLT?'), '1\n');
      assert.equal(await query(t, '*IDN?'), `${IDN}\n`);
      assert.deepEqual(server.stats.messageIds, [0xffffff00, 0xffffff02, 0xffffff04]);
      assert.deepEqual(server.stats.rmtDelivered, [0, 0, 1]);
      await t.close();
    });
  });

  it('splits a write into Data messages the server accepts, DataEnd on the last', async () => {
    await withServer({ maxMessageSize: 64 }, async (server) => {
      const t = await open(server);
      const text = 'y'.repeat(500);
      assert.equal(await query(t, `ECHO? ${text}`), `${text}\n`);
      assert.ok(server.stats.dataMessagesIn >= 11, `${server.stats.dataMessagesIn} messages`);
      assert.ok(server.stats.largestPayloadIn <= 64 - 16);
      assert.equal(server.stats.messageIds.length, 1, 'one DataEnd');
      await t.close();
    });
  });

  it('collects a reply spread over many Data messages up to DataEnd (client max message size)', async () => {
    await withServer({}, async (server) => {
      const t = await open(server, { maxMessageSize: 300 });
      const reply = await query(t, 'LONG? 5000');
      assert.equal(reply, `${'x'.repeat(5000)}\n`);
      assert.ok(server.stats.dataMessagesOut >= 18, `${server.stats.dataMessagesOut} messages`);
      await t.close();
    });
  });

  it('reads a 16 MiB reply', async () => {
    await withServer({}, async (server) => {
      const t = await open(server);
      await t.write(Buffer.from(`LONG? ${16 * 1024 * 1024}\n`));
      const reply = await t.read(20_000);
      assert.equal(reply.length, 16 * 1024 * 1024 + 1);
      assert.equal(reply[reply.length - 1], 0x0a);
      await t.close();
    });
  });

  it('skips a reply tagged with an older MessageID', async () => {
    await withServer({}, async (server) => {
      const t = await open(server);
      server.injectFault('staleMessageId');
      assert.equal(await query(t, '*IDN?'), `${IDN}\n`);
      await t.close();
    });
  });

  it('device clear mid-query: the pending reply never arrives, MessageIDs restart', async () => {
    await withServer({}, async (server, model) => {
      const t = await open(server);
      await t.write(Buffer.from('GATED?\n'));
      const clears = model.clears;
      await t.clear();
      assert.equal(model.clears, clears + 1);
      assert.equal(server.stats.deviceClears, 1);
      model.release('too late');
      assert.equal(await query(t, '*IDN?'), `${IDN}\n`);
      assert.equal(server.stats.messageIds.at(-1), HISLIP_INITIAL_MESSAGE_ID);
      await t.close();
    });
  });

  it('device clear discards a reply already on the wire', async () => {
    await withServer({}, async (server) => {
      const t = await open(server);
      await t.write(Buffer.from('ECHO? unread\n'));
      await t.clear();
      assert.equal(await query(t, 'ECHO? fresh'), 'fresh\n');
      await t.close();
    });
  });

  it('an unanswered query is E_TIMEOUT; clear recovers', async () => {
    await withServer({}, async (server) => {
      const t = await open(server);
      await t.write(Buffer.from('SILENT?\n'));
      await assert.rejects(t.read(100), coded('E_TIMEOUT'));
      await t.clear();
      assert.equal(await query(t, '*IDN?'), `${IDN}\n`);
      await t.close();
    });
  });

  it('overlapped and synchronized modes: the server offers one, a device clear switches', async () => {
    await withServer({ overlapped: true }, async (server) => {
      const t = await open(server);
      assert.equal(t.overlapped, true);
      await t.setMode('synchronized');
      assert.equal(t.overlapped, false);
      assert.equal(await query(t, '*IDN?'), `${IDN}\n`);
      const u = await open(server, { mode: 'synchronized' });
      assert.equal(u.overlapped, false, 'asked for at open');
      assert.equal(server.stats.deviceClears, 2);
      await Promise.all([t.close(), u.close()]);
    });
  });

  it('remote/local control reaches the instrument', async () => {
    await withServer({}, async (server, model) => {
      const t = await open(server);
      await t.remoteLocal('enableAndGoToRemote');
      assert.equal(model.remote, true);
      await t.remoteLocal('goToLocal');
      assert.equal(model.remote, false);
      assert.deepEqual(server.stats.remoteLocal, [3, 6]);
      await t.close();
    });
  });

  it('locks: exclusive refuses a second client (E_BUSY), a waiting request gets it on release, shared locks share', async () => {
    await withServer({}, async (server) => {
      const a = await open(server);
      const b = await open(server);
      assert.equal(await a.lock(0), 'exclusive');
      await assert.rejects(b.lock(0), coded('E_BUSY', /locked by another client/));
      assert.deepEqual(await b.lockInfo(), { exclusive: true, holders: 1 });
      const waiting = b.lock(5000);
      assert.equal(await a.unlock(), true);
      assert.equal(await waiting, 'exclusive');
      assert.equal(await b.unlock(), true);
      assert.equal(await b.unlock(), false, 'nothing held any more');
      assert.equal(await a.lock(0, 'bench'), 'shared');
      assert.equal(await b.lock(0, 'bench'), 'shared');
      assert.deepEqual(await a.lockInfo(), { exclusive: false, holders: 2 });
      await Promise.all([a.close(), b.close()]);
    });
  });

  it('refusals at open: too many sessions and a busy instrument are E_BUSY, an unknown sub-address E_PROTOCOL', async () => {
    await withServer({ maxSessions: 1 }, async (server, model) => {
      const t = await open(server);
      await assert.rejects(open(server), coded('E_BUSY', /maximum number of clients/));
      await t.close();
      model.busy = true;
      await assert.rejects(open(server), coded('E_BUSY'));
      model.busy = false;
      await assert.rejects(open(server, { subAddress: 'hislip7' }), coded('E_PROTOCOL', /hislip7/));
    });
  });
});

describe('HiSLIP faults: each a coded error, the link reported dead once', () => {
  for (const [fault, code, text] of [
    ['badPrologue', 'E_PROTOCOL', /"HS"/],
    ['oversizeLength', 'E_PROTOCOL', /1099511627776-byte payload/],
    ['fatalError', 'E_PROTOCOL', /fatal error/],
  ] as const) {
    it(`${fault} → ${code}`, async () => {
      await withServer({}, async (server) => {
        const t = await open(server);
        const closed: (Error | undefined)[] = [];
        t.onClose((err) => closed.push(err));
        server.injectFault(fault);
        await t.write(Buffer.from('*IDN?\n'));
        await assert.rejects(t.read(1000), coded(code, text));
        assert.equal(closed.length, 1);
        assert.equal((closed[0] as Coded).code, code);
        await assert.rejects(t.write(Buffer.from('*IDN?\n')), coded(code));
        await t.close();
      });
    });
  }

  it('an Error message is E_PROTOCOL with its code; the link stays up', async () => {
    await withServer({}, async (server) => {
      const t = await open(server);
      const closed: unknown[] = [];
      t.onClose((err) => closed.push(err));
      server.injectFault('errorMessage');
      await t.write(Buffer.from('*IDN?\n'));
      await assert.rejects(t.read(1000), (err: unknown) => {
        coded('E_PROTOCOL', /message too large \(simulated error\)/)(err);
        assert.equal((err as Coded).deviceCode, 4);
        return true;
      });
      assert.equal(await query(t, 'ECHO? still here'), 'still here\n');
      assert.deepEqual(closed, []);
      await t.close();
    });
  });

  it('a dropped connection is E_DISCONNECTED (device gone) on the pending read and through onClose', async () => {
    await withServer({}, async (server, model) => {
      const t = await open(server);
      const closed = new Promise<Error | undefined>((resolve) => t.onClose(resolve));
      await t.write(Buffer.from('GATED?\n'));
      const pending = t.read(5000);
      server.dropConnections();
      await assert.rejects(pending, coded('E_DISCONNECTED'));
      const err = await closed;
      assert.ok(err && isDeviceGone(err), String(err));
      model.release('never sent');
      await t.close();
    });
  });
});

describe('the simulated server refuses broken clients', () => {
  /** Sends raw bytes and collects what comes back until the server closes the connection. */
  async function rawExchange(port: number, bytes: Buffer): Promise<Buffer> {
    const socket = net.connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    socket.on('data', (c: Buffer) => parts.push(c));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(bytes);
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    return Buffer.concat(parts);
  }

  it('a header without "HS" gets FatalError 1 (poorly formed header) and the connection closes', async () => {
    await withServer({}, async (server) => {
      const bad = encodeMessage(MessageType.Initialize, 0, 0, Buffer.from('hislip0'));
      bad.write('XX', 0, 'latin1');
      const [reply] = new HislipFrameReader(4096).push(await rawExchange(server.port, bad));
      assert.deepEqual([reply.type, reply.control], [MessageType.FatalError, 1]);
      assert.equal(server.sessionCount, 0);
    });
  });

  it('a client announcing a payload over the server maximum gets FatalError 1', async () => {
    await withServer({ maxMessageSize: 1024 }, async (server) => {
      const [reply] = new HislipFrameReader(4096).push(
        await rawExchange(server.port, encodeHeader(MessageType.Initialize, 0, 0, 2 ** 40)),
      );
      assert.deepEqual([reply.type, reply.control], [MessageType.FatalError, 1]);
    });
  });

  it('Data before the asynchronous channel exists gets FatalError 2', async () => {
    await withServer({}, async (server, model) => {
      const init = encodeMessage(MessageType.Initialize, 0, 0x01004c42, Buffer.from('hislip0'));
      const data = encodeMessage(MessageType.DataEnd, 0, 0xffffff00, Buffer.from(':VOLT 7\n'));
      const messages = new HislipFrameReader(4096).push(
        await rawExchange(server.port, Buffer.concat([init, data])),
      );
      assert.deepEqual(
        messages.map((m) => [m.type, m.control]),
        [
          [MessageType.InitializeResponse, 0],
          [MessageType.FatalError, 2],
        ],
      );
      assert.equal(model.voltage, 0, 'nothing executed');
    });
  });
});

describe('HiSLIP through the VISA layer', () => {
  let server: ScpiHislipServer;
  let registry: ResourceRegistry | undefined;
  const model = new EchoModel();

  before(async () => {
    server = await serveScpiOverHislip(model, { host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    assert.deepEqual((await registry?.closeAll()) ?? [], []);
    registry = undefined;
  });
  after(async () => {
    await server.close();
  });

  it('a ScpiSession over openVisaTransport(resource): queries, checked writes, device errors', async () => {
    const session = new ScpiSession(await openVisaTransport(openers, parseVisaResource(server.resource)), {
      timeoutMs: 500,
    });
    try {
      assert.equal(await session.query('*IDN?'), IDN);
      await session.write(':VOLT 5');
      assert.equal(await session.query(':VOLT?'), '5');
      await assert.rejects(session.write(':VOLT 99'), coded('E_DEVICE_ERROR'));
    } finally {
      await session.close();
    }
  });

  it('a ScpiSession recovers from an unanswered query with a HiSLIP device clear', async () => {
    const session = new ScpiSession(await openVisaTransport(openers, parseVisaResource(server.resource)), {
      timeoutMs: 150,
    });
    try {
      const clears = model.clears;
      await assert.rejects(session.query('SILENT?'), coded('E_TIMEOUT'));
      assert.ok(model.clears > clears, 'the session cleared the device');
      assert.equal(await session.query('*IDN?'), IDN);
    } finally {
      await session.close();
    }
  });

  it('acquireVisaSession: a dropped connection is replaced by a fresh HiSLIP session', async () => {
    registry = new ResourceRegistry({ graceMs: 0 });
    const lease = acquireVisaSession(registry, openers, server.resource, 'test', { timeoutMs: 1000 });
    assert.equal(await lease.transact((s) => s.query('*IDN?')), IDN);
    const first = await lease.transact(async (s) => s);
    server.dropConnections();
    assert.equal(await lease.transact((s) => s.query('*IDN?')), IDN);
    const second = await lease.transact(async (s) => s);
    assert.notEqual(first, second, 'a new session object');
    assert.equal(server.sessionCount, 1);
    lease.release({ immediate: true });
  });
});

describe('labbench-sim keithley and HiSLIP', () => {
  it('refuses --hislip: the real 2281S has no HiSLIP server', () => {
    assert.throws(
      () => parseKeithleySimulatorArgs(['--tcp', '127.0.0.1:5025', '--hislip', '127.0.0.1:4880']),
      coded('E_INVALID_INPUT', /no HiSLIP server/),
    );
  });
});
