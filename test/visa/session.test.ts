import { strict as assert } from 'node:assert';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TimeoutError } from '../../src/core/errors';
import { serveScpiOverTcp } from '../../src/sim/visa/tcp-server';
import type { ScpiTcpServer } from '../../src/sim/visa/tcp-server';
import { openTcpSocketTransport } from '../../src/transport/tcp';
import { formatScpiCommand, isScpiQuery, parseScpiError } from '../../src/visa/scpi-format';
import { ScpiSession } from '../../src/visa/session';
import { SimLoopbackTransport } from '../../src/sim/visa/instruments';
import type { MessageTransport, ScpiErrorEntry } from '../../src/visa/types';
import { EchoModel, IDN } from './echo-model';

type Coded = Error & { code?: string; deviceCode?: number };

function loopback(model: EchoModel, orphans?: ScpiErrorEntry[][]): ScpiSession {
  return new ScpiSession(new SimLoopbackTransport('SIM::ECHO::1::INSTR', model), {
    timeoutMs: 150,
    onOrphanErrors: (e) => orphans?.push([...e]),
  });
}

/** Records what would go on the wire; reads time out. */
class RecordingTransport implements MessageTransport {
  readonly label = 'recording';
  readonly writes: string[] = [];
  async write(data: Buffer): Promise<void> {
    this.writes.push(data.toString());
  }
  async read(): Promise<Buffer> {
    throw new TimeoutError('no reply');
  }
  async close(): Promise<void> {}
}

describe('SCPI formatting', () => {
  it('builds parameterised commands', () => {
    assert.equal(formatScpiCommand(':VOLT', [5]), ':VOLT 5');
    assert.equal(formatScpiCommand(':SOUR1:CURR:PROT', [0.0000001]), ':SOUR1:CURR:PROT 1e-7');
    assert.equal(formatScpiCommand(':OUTP', [true]), ':OUTP ON');
    assert.equal(formatScpiCommand(':BATT:MOD:RCL', [{ token: 'LI_ION4_2' }]), ':BATT:MOD:RCL LI_ION4_2');
    assert.equal(
      formatScpiCommand(':DISP:USER:TEXT', [{ text: 'say "hi"' }]),
      ':DISP:USER:TEXT "say ""hi"""',
    );
    assert.equal(formatScpiCommand('*IDN?'), '*IDN?');
    assert.equal(formatScpiCommand(':BATT:MOD3:VOC?'), ':BATT:MOD3:VOC?');
  });

  it('tells queries from commands, ignoring "?" inside quoted strings', () => {
    assert.equal(isScpiQuery('*IDN?'), true);
    assert.equal(isScpiQuery(':VOLT 5;:VOLT?'), true);
    assert.equal(isScpiQuery(':DISP:USER:TEXT "Ready?"'), false);
    assert.equal(isScpiQuery(":DISP:USER:TEXT 'it''s ok?'"), false);
    assert.equal(isScpiQuery(':DISP:USER:TEXT "a"";b?"'), false);
  });

  it('parses error-queue replies', () => {
    assert.deepEqual(parseScpiError('-222,"Data out of range"'), {
      code: -222,
      message: 'Data out of range',
    });
    assert.deepEqual(parseScpiError('0,"No error"'), { code: 0, message: 'No error' });
    assert.deepEqual(parseScpiError('700,Command not permitted'), {
      code: 700,
      message: 'Command not permitted',
    });
    assert.equal(parseScpiError('+5.000000E+00V'), undefined);
  });
});

describe('ScpiSession: refusing bad input before anything is written', () => {
  const bad: [string, (s: ScpiSession) => Promise<unknown>][] = [
    ['token with ;', (s) => s.writeCommand(':BATT:MOD:RCL', [{ token: 'LI_ION;*RST' }])],
    ['token with newline', (s) => s.writeCommand(':BATT:MOD:RCL', [{ token: 'A\n*RST' }])],
    ['text with ;', (s) => s.writeCommand(':DISP:USER:TEXT', [{ text: 'a;b' }])],
    ['text with newline', (s) => s.writeCommand(':DISP:USER:TEXT', [{ text: 'a\nb' }])],
    ['text with CR', (s) => s.writeCommand(':DISP:USER:TEXT', [{ text: 'a\rb' }])],
    ['NaN', (s) => s.writeCommand(':VOLT', [NaN])],
    ['Infinity', (s) => s.writeCommand(':VOLT', [Infinity])],
    ['header with space', (s) => s.writeCommand(':VOLT 5;*RST')],
    [
      'string where a param object is expected',
      (s) => s.writeCommand(':VOLT', ['5;*RST' as unknown as number]),
    ],
    ['raw command with newline', (s) => s.write(':VOLT 5\n*RST')],
    ['raw query with newline', (s) => s.query('*IDN?\n*RST')],
    ['query without ?', (s) => s.query('*RST')],
    ['query passed to write', (s) => s.write('*IDN?')],
    ['parameterised query with ; in text', (s) => s.queryCommand(':BATT:MOD1:VOC?', [{ text: 'x;y' }])],
  ];
  for (const [name, call] of bad) {
    it(`refuses ${name} with E_INVALID_INPUT and writes nothing`, async () => {
      const transport = new RecordingTransport();
      const session = new ScpiSession(transport);
      await assert.rejects(call(session), (err: Coded) => err.code === 'E_INVALID_INPUT');
      assert.deepEqual(transport.writes, []);
    });
  }
});

describe('ScpiSession on the in-process simulator link', () => {
  let model: EchoModel;
  beforeEach(() => {
    model = new EchoModel();
  });

  it('terminates with LF, strips the reply terminator', async () => {
    const s = loopback(model);
    await assert.rejects(
      s.writeCommand(':DISP:USER:TEXT', [{ text: 'Ready?' }]),
      (err: Coded) => err.deviceCode === -113,
    );
    assert.equal(await s.query('*IDN?'), IDN);
    await s.writeCommand(':VOLT', [12.5]);
    assert.equal(await s.queryCommand(':VOLT?'), '12.5');
    assert.deepEqual(model.messages.slice(0, 4), [
      ':DISP:USER:TEXT "Ready?"',
      ':SYST:ERR?',
      ':SYST:ERR?',
      '*IDN?',
    ]);
    assert.equal(model.messages[4], ':VOLT 12.5');
  });

  it('drains the error queue until 0,"No error"', async () => {
    model.errors = [
      { code: -113, message: 'Undefined header' },
      { code: -222, message: 'Data out of range' },
      { code: 700, message: 'Command not permitted in this mode' },
    ];
    const s = loopback(model);
    const errs = await s.readErrorQueue();
    assert.deepEqual(
      errs.map((e) => e.code),
      [-113, -222, 700],
    );
    assert.equal(model.messages.filter((m) => m === ':SYST:ERR?').length, 4);
    assert.deepEqual(await s.readErrorQueue(), []);
  });

  it('maps refused commands to DeviceError with the SCPI code and advice', async () => {
    const s = loopback(model);
    await assert.rejects(
      s.write(':VOLT 25'),
      (err: Coded) =>
        err.name === 'DeviceError' &&
        err.code === 'E_DEVICE_ERROR' &&
        err.deviceCode === -222 &&
        /-222,"Data out of range"/.test(err.message) &&
        /range/.test(err.message),
    );
    await assert.rejects(
      s.write(':BATT:SIM:CAP:LIM 1'),
      (err: Coded) => err.deviceCode === 700 && /entry function/.test(err.message),
    );
    await assert.rejects(s.write(':NOPE'), (err: Coded) => err.deviceCode === -113);
    await s.write(':VOLT 25', { allow: [-222] });
    assert.equal(await s.query(':VOLT?'), '0');
  });

  it('a query the instrument refuses without replying becomes the DeviceError, not a timeout', async () => {
    const s = loopback(model);
    await assert.rejects(
      s.query(':BATT:SIM:CAP:LIM?'),
      (err: Coded) => err.code === 'E_DEVICE_ERROR' && err.deviceCode === 700,
    );
    assert.equal(await s.query('*IDN?'), IDN);
  });

  it('recovers from the rejected-command quirk after an unchecked write: drains, reports, retries the query once', async () => {
    model.quirk = 'swallowNextQuery';
    const orphans: ScpiErrorEntry[][] = [];
    const s = loopback(model, orphans);
    await s.write(':BOGUS', { check: false });
    assert.equal(await s.query(':VOLT?'), '0');
    assert.deepEqual(
      orphans.map((o) => o.map((e) => e.code)),
      [[-113]],
    );
    assert.equal(
      model.messages.filter((m) => m === ':VOLT?').length,
      2,
      'the swallowed query was asked again',
    );
  });

  it('a checked write is immune to the quirk when :SYST:ERR? is not swallowed', async () => {
    model.quirk = 'swallowNextQuery';
    const s = loopback(model);
    await assert.rejects(s.write(':BOGUS'), (err: Coded) => err.deviceCode === -113);
    assert.equal(await s.query(':VOLT?'), '0');
    assert.equal(model.clears, 0, 'no device clear was needed');
  });

  it('still reports the rejected command when even :SYST:ERR? is swallowed (clear + second drain)', async () => {
    model.quirk = 'swallowNextQueryEvenErr';
    const s = loopback(model);
    await assert.rejects(s.write(':BOGUS'), (err: Coded) => err.deviceCode === -113);
    assert.equal(model.clears, 1);
    assert.equal(await s.query('*IDN?'), IDN);
  });

  it('an unanswered query is E_TIMEOUT, and the session is in step afterwards', async () => {
    const s = loopback(model);
    await assert.rejects(
      s.query('SILENT?'),
      (err: Coded) => err.code === 'E_TIMEOUT' && /did not answer within 150 ms/.test(err.message),
    );
    assert.equal(await s.query('*IDN?'), IDN);
  });

  it('one request in flight: concurrent queries each get their own reply', async () => {
    const s = loopback(model);
    const replies = await Promise.all(Array.from({ length: 25 }, (_, i) => s.query(`ECHO? n${i}`)));
    assert.deepEqual(
      replies,
      Array.from({ length: 25 }, (_, i) => `n${i}`),
    );
  });

  it('an aborted query rejects with the abort reason, and the next call resynchronises', async () => {
    const s = loopback(model);
    const ac = new AbortController();
    const reason = new TimeoutError('transaction timeout');
    setTimeout(() => ac.abort(reason), 20);
    await assert.rejects(
      s.query('SLOW? 80', { signal: ac.signal, timeoutMs: 1000 }),
      (err) => err === reason,
    );
    assert.equal(await s.query('*IDN?', { timeoutMs: 500 }), IDN);
  });

  it('fails with E_CLOSED after close, and close is idempotent', async () => {
    const s = loopback(model);
    await s.close();
    await s.close();
    await assert.rejects(s.query('*IDN?'), (err: Coded) => err.code === 'E_CLOSED');
  });
});

it('a simulated raw-socket instrument on an IPv6 address names itself with the host in brackets', async (t) => {
  const model = new EchoModel();
  let server: ScpiTcpServer;
  try {
    server = await serveScpiOverTcp(model, { host: '::1', port: 0 });
  } catch {
    // Containers without IPv6 on lo: nothing to listen on.
    t.diagnostic('no IPv6 loopback on this machine');
    return;
  }
  try {
    assert.equal(server.resource, `TCPIP::[::1]::${server.port}::SOCKET`);
  } finally {
    await server.close();
  }
});

describe('ScpiSession over a raw TCP socket (no device clear on the wire)', () => {
  let server: ScpiTcpServer;
  let model: EchoModel;
  before(async () => {
    model = new EchoModel();
    server = await serveScpiOverTcp(model, { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server.close();
  });

  async function session(): Promise<ScpiSession> {
    const t = await openTcpSocketTransport({
      host: '127.0.0.1',
      port: server.port,
      label: server.resource,
      timeoutMs: 1000,
    });
    return new ScpiSession(t, { timeoutMs: 200 });
  }

  it('a late reply after a timeout is not taken for the next answer', async () => {
    const s = await session();
    try {
      await assert.rejects(s.query('SLOW? 300', { timeoutMs: 60 }), (err: Coded) => err.code === 'E_TIMEOUT');
      assert.equal(await s.query('*IDN?', { timeoutMs: 1000 }), IDN);
      assert.equal(await s.query('ECHO? after', { timeoutMs: 1000 }), 'after');
    } finally {
      await s.close();
    }
  });

  it('quirk with :SYST:ERR? swallowed: the timed-out drain is repeated and the error reported', async () => {
    model.quirk = 'swallowNextQueryEvenErr';
    const s = await session();
    try {
      await assert.rejects(
        s.write(':BOGUS'),
        (err: Coded) => err.code === 'E_DEVICE_ERROR' && err.deviceCode === -113,
      );
      assert.equal(await s.query('*IDN?'), IDN);
    } finally {
      model.quirk = 'none';
      await s.close();
    }
  });
});
