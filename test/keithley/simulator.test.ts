/** The simulated 2281S on its own: SCPI behaviour, error codes, quirks, physics. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Simulated2281S } from '../../src/sim/keithley';

/** A simulator on a frozen clock (time moves only with advanceTime). */
function sim(options: ConstructorParameters<typeof Simulated2281S>[1] = {}): Simulated2281S {
  return new Simulated2281S('T1', { clock: { now: () => 0 }, ...options });
}

function ask(s: Simulated2281S, message: string): string | null {
  const reply = s.execute(message);
  assert.ok(typeof reply === 'string' || reply === null, 'no delay configured: synchronous reply');
  return reply;
}

/**
 * A conversation with the simulator, in order: `[message]` is sent, `[message, reply]` must be
 * answered with exactly `reply` (null: no reply at all), `why` says what the step shows.
 */
function converse(s: Simulated2281S, steps: [message: string, reply?: string | null, why?: string][]): void {
  for (const [message, ...expected] of steps) {
    const reply = ask(s, message);
    if (expected.length > 0) assert.equal(reply, expected[0], expected[1] ?? message);
  }
}

function errors(s: Simulated2281S): string[] {
  const out: string[] = [];
  for (let i = 0; i < 20; i++) {
    const e = ask(s, ':SYST:ERR?')!;
    if (e.startsWith('0,')) break;
    out.push(e);
  }
  return out;
}

describe('common commands', () => {
  test('*IDN? in the documented 4-field form', () => {
    assert.equal(ask(sim(), '*IDN?'), 'KEITHLEY INSTRUMENTS,MODEL 2281S-20-6,T1,01.08b');
  });

  test('long and short forms, optional nodes, numeric suffix 1', () => {
    const s = sim();
    ask(s, ':SOURCE1:VOLTAGE:LEVEL:IMMEDIATE:AMPLITUDE 3.5');
    assert.equal(ask(s, ':VOLT?'), '3.5');
    ask(s, 'sour:volt 4');
    assert.equal(ask(s, ':SOUR1:VOLT?'), '4');
    ask(s, ':VOLTA 5');
    assert.deepEqual(
      errors(s),
      ['-113,"Undefined header"'],
      'only the short or the long form, nothing between',
    );
  });

  test('compound messages answer every query, joined with ";"', () => {
    const s = sim();
    assert.equal(ask(s, ':VOLT 2;:VOLT?;:CURR?'), '2;0.1');
  });

  test('*OPC?, *ESR? bits and *CLS', () => {
    const s = sim();
    converse(s, [
      ['*OPC?', '1'],
      [':BOGUS'],
      [':SYST:ERR?', '-113,"Undefined header"'],
      ['*ESR?', '32', 'command error bit'],
      [':VOLT 99'],
      ['*CLS'],
    ]);
    assert.deepEqual(errors(s), []);
    assert.equal(ask(s, '*ESR?'), '0');
  });

  test('the error queue holds the real codes, oldest first, and overflows to -350', () => {
    const s = sim();
    ask(s, ':VOLT 25');
    ask(s, ':ENTR:FUNC "POW"');
    ask(s, ':ENTR:FUNC BATT');
    assert.deepEqual(errors(s), [
      '-222,"Data out of range"',
      '-104,"Data type error"',
      '-224,"Illegal parameter value"',
    ]);
    for (let i = 0; i < 15; i++) ask(s, ':NOPE');
    const queued = s.pendingErrors();
    assert.equal(queued.length, 10);
    assert.equal(queued[9], -350);
  });

  test('quirk: after a rejected command the next query gets no reply, unless it is :SYST:ERR?', () => {
    converse(sim(), [
      [':VOLT 25'],
      [':VOLT?', null, 'swallowed'],
      [':VOLT?', '0', 'healthy again'],
      [':VOLT 25'],
      [':SYST:ERR?', '-222,"Data out of range"', ':SYST:ERR? is answered and cures it'],
      [':VOLT?', '0'],
    ]);
  });

  test('entry functions: commands of the other function fail with 700; its queries get no reply', () => {
    const s = sim();
    converse(s, [[':ENTR:FUNC?', 'POWER'], [':ENTR:FUNC SIM'], [':ENTR:FUNC?', 'SIMULATOR'], [':VOLT 5']]);
    assert.deepEqual(errors(s), ['700,"Command not permitted in this mode"']);
    assert.equal(ask(s, ':MEAS:CONC?'), null);
    assert.deepEqual(errors(s), ['700,"Command not permitted in this mode"']);
    ask(s, ':ENTR:FUNC POWER');
    ask(s, ':BATT:SIM:SOC 50');
    assert.deepEqual(errors(s), ['700,"Command not permitted in this mode"']);
  });

  test('switching the function turns the outputs off', () => {
    converse(sim(), [
      [':VOLT 1;:OUTP ON'],
      [':OUTP?', '1'],
      [':ENTR:FUNC SIM'],
      [':ENTR:FUNC POW'],
      [':OUTP?', '0'],
    ]);
  });
});

describe('power supply', () => {
  test('CV under a light load, CC when the load asks for more than the limit', () => {
    const s = sim({ load: { kind: 'resistance', ohms: 10 } });
    ask(s, ':VOLT 5;:CURR 1;:OUTP ON');
    assert.equal(ask(s, ':MEAS:CONC?'), '+5.000000E-01A,+5.000000E+00V,+0.000000E+00s');
    assert.equal(Number(ask(s, ':STAT:QUES:INST:ISUM:COND?')), 64 | 2, 'output on, CV');
    ask(s, ':CURR 0.2');
    assert.equal(ask(s, ':MEAS:CONC?'), '+2.000000E-01A,+2.000000E+00V,+0.000000E+00s');
    assert.equal(Number(ask(s, ':STAT:QUES:INST:ISUM:COND?')), 64 | 1, 'output on, CC');
  });

  test('reply style "bare" gives one bare number', () => {
    const s = sim({ replyStyle: 'bare', load: { kind: 'resistance', ohms: 10 } });
    ask(s, ':VOLT 5;:CURR 1;:OUTP ON');
    assert.equal(ask(s, ':MEAS:VOLT?'), '+5.000000E+00');
  });

  test('sink current reads ~0 on :MEAS:CURR? but signed on :MEAS:CONC?', () => {
    const s = sim({ load: { kind: 'current', amps: -0.4 } });
    ask(s, ':VOLT 5;:CURR 1;:OUTP ON');
    assert.match(ask(s, ':MEAS:CURR?')!, /^\+0\.000000E\+00A/);
    assert.match(ask(s, ':MEAS:CONC?')!, /^-4\.000000E-01A/);
  });

  test('OVP trip turns the output off, is reported, refuses ON until cleared', () => {
    const s = sim({ load: { kind: 'resistance', ohms: Infinity } });
    ask(s, ':SOUR1:VOLT:PROT 4;:VOLT 5;:OUTP ON');
    assert.equal(ask(s, ':OUTP?'), '0');
    assert.equal(ask(s, ':OUTP:PROT:TRIP?'), 'OVP');
    assert.equal(Number(ask(s, ':STAT:QUES:INST:ISUM:COND?')) & 8, 8);
    ask(s, ':OUTP ON');
    assert.deepEqual(errors(s), ['-221,"Settings conflict"']);
    ask(s, ':OUTP:PROT:CLE');
    assert.equal(ask(s, ':OUTP:PROT:TRIP?'), 'NONE');
  });

  test('OCP trip when the current limit lets more through than the OCP level', () => {
    const s = sim({ load: { kind: 'resistance', ohms: 1 } });
    ask(s, ':SOUR1:CURR:PROT 0.5;:CURR 2;:VOLT 3;:OUTP ON');
    assert.equal(ask(s, ':OUTP:PROT:TRIP?'), 'OCP');
    assert.equal(ask(s, ':OUTP?'), '0');
  });
});

describe('battery simulator', () => {
  function battery(options: ConstructorParameters<typeof Simulated2281S>[1] = {}): Simulated2281S {
    return sim({ entryFunction: 'simulator', ...options });
  }

  test('model recall verified by read-back; empty slot silently ignored; slot 0 and hyphens refused', () => {
    const s = battery();
    assert.equal(ask(s, ':BATT:MOD:RCL?'), 'DISCHARGE');
    ask(s, ':BATT:MOD:RCL 1');
    assert.equal(ask(s, ':BATT:MOD:RCL?'), '1');
    ask(s, ':BATT:MOD:RCL 7');
    assert.deepEqual(errors(s), [], 'no error for an empty slot');
    assert.equal(ask(s, ':BATT:MOD:RCL?'), '1', 'previous model stays');
    ask(s, ':BATT:MOD:RCL LI_ION4_2');
    assert.equal(ask(s, ':BATT:MOD:RCL?'), 'LI_ION4_2');
    ask(s, ':BATT:MOD:RCL 0');
    ask(s, ':BATT:MOD:RCL LI-ION4_2');
    ask(s, ':BATT:MOD:RCL DISCHARGE');
    assert.deepEqual(errors(s), ['-222,"Data out of range"', '-102,"Syntax error"', '-102,"Syntax error"']);
    assert.equal(ask(s, ':BATT:MOD7:VOC:STEP?'), '0');
    assert.equal(ask(s, ':BATT:MOD2:VOC:STEP?'), '101');
  });

  test('SOC and Voc move together through the model curve', () => {
    const s = battery();
    ask(s, ':BATT:MOD:RCL LEAD_ACID12');
    ask(s, ':BATT:SIM:SOC 50');
    assert.equal(Number(ask(s, ':BATT:SIM:VOC?')), 12.25);
    ask(s, ':BATT:SIM:VOC 12.64');
    assert.equal(Number(ask(s, ':BATT:SIM:SOC?')), 80);
    ask(s, ':BATT:SIM:VOC 15');
    assert.deepEqual(errors(s), ['-222,"Data out of range"'], 'outside the model range');
  });

  test('704 for settings changed while running; SOC and Voc are live; 703 when full < empty', () => {
    const s = battery();
    ask(s, ':BATT:OUTP ON');
    for (const cmd of [
      ':BATT:SIM:CAP:LIM 1',
      ':BATT:SIM:CURR:LIM 1',
      ':BATT:SIM:METH STAT',
      ':BATT:SIM:RES:OFFS 0.1',
      ':BATT:SIM:TVOL:PROT 10',
      ':BATT:SIM:CURR:PROT 1',
      ':BATT:SIM:VOC:FULL 4',
      ':BATT:MOD:RCL 1',
    ]) {
      ask(s, cmd);
      assert.deepEqual(errors(s), ['704,"Not permitted while battery model is running"'], cmd);
    }
    ask(s, ':BATT:SIM:SOC 40');
    assert.deepEqual(errors(s), []);
    ask(s, ':BATT:OUTP OFF;:BATT:SIM:VOC:FULL 2');
    assert.deepEqual(errors(s), ['703,"Full Voc is less than empty Voc"']);
  });

  test('dynamic method: SOC falls with discharge as simulated time advances; static: it does not', () => {
    const s = battery({ load: { kind: 'current', amps: 0.1 } });
    ask(s, ':BATT:MOD:RCL 1;:BATT:SIM:CAP:LIM 1;:BATT:SIM:CURR:LIM 1;:BATT:SIM:SOC 100;:BATT:OUTP ON');
    s.advanceTime(36_000); // 0.1 A for 10 h·1/1000 = 1 mAh of 1 Ah → 0.1 %
    assert.ok(Math.abs(Number(ask(s, ':BATT:SIM:SOC?')) - 99.9) < 1e-6);
    assert.ok(Math.abs(Number(ask(s, ':BATT:SIM:CAP?')) - 0.999) < 1e-6);
    assert.match(ask(s, ':BATT:SIM:CURR?')!, /^\+1\.000000E-01A,/);
    ask(s, ':BATT:OUTP OFF;:BATT:SIM:METH STAT;:BATT:OUTP ON');
    s.advanceTime(360_000);
    assert.ok(Math.abs(Number(ask(s, ':BATT:SIM:SOC?')) - 99.9) < 1e-6);
  });

  test('charging current (negative) raises SOC; the status says CHARGE', () => {
    const s = battery({ load: { kind: 'current', amps: -0.5 } });
    ask(s, ':BATT:SIM:CAP:LIM 1;:BATT:SIM:SOC 50;:BATT:OUTP ON');
    s.advanceTime(72_000);
    assert.ok(Number(ask(s, ':BATT:SIM:SOC?')) > 50);
    assert.equal(ask(s, ':BATT:STAT?'), 'CHARGE');
  });

  test('current limit caps the discharge; terminal voltage sags by I·ESR', () => {
    const s = battery({ load: { kind: 'resistance', ohms: 1 } });
    ask(s, ':BATT:MOD:RCL 1;:BATT:SIM:CURR:LIM 0.5;:BATT:OUTP ON');
    assert.match(ask(s, ':BATT:SIM:CURR?')!, /^\+5\.000000E-01A/);
    assert.match(ask(s, ':BATT:SIM:TVOL?')!, /^\+5\.000000E-01V/);
    assert.equal(Number(ask(s, ':STAT:QUES:INST:ISUM:COND?')) & 1, 1, 'CC bit while limited');
  });

  test('battery OVP trip and its clear', () => {
    const s = battery({ load: { kind: 'resistance', ohms: Infinity } });
    ask(s, ':BATT:SIM:TVOL:PROT 3;:BATT:OUTP ON');
    assert.equal(ask(s, ':BATT:OUTP:PROT:TRIP?'), 'OVP');
    assert.equal(ask(s, ':BATT:OUTP?'), '0');
    ask(s, ':BATT:OUTP:PROT:CLE');
    assert.equal(ask(s, ':BATT:OUTP:PROT:TRIP?'), 'NONE');
  });
});

describe('fault injection and bookkeeping', () => {
  test('every command is logged, in order, including rejected ones', () => {
    const s = sim();
    ask(s, '*IDN?;:VOLT 1');
    ask(s, ':NOPE');
    assert.deepEqual(
      s.commandLog.map((c) => c.text),
      ['*IDN?', ':VOLT 1', ':NOPE'],
    );
    assert.deepEqual(s.commandsMatching(/^:VOLT/), [':VOLT 1']);
  });

  test('drop connection: the next message throws an ECONNRESET-coded error, once', () => {
    const s = sim();
    s.dropConnection();
    assert.throws(() => s.execute('*IDN?'), { code: 'ECONNRESET' });
    assert.ok(ask(s, '*IDN?')!.startsWith('KEITHLEY'));
  });

  test('unplug: every message fails with ENODEV until replugged; isConnected tells', () => {
    const s = sim();
    s.unplug();
    assert.equal(s.isConnected(), false);
    assert.throws(() => s.execute('*IDN?'), { code: 'ENODEV' });
    s.replug();
    assert.equal(s.isConnected(), true);
  });

  test('busy on open and session counting through the session hooks', () => {
    const s = sim();
    s.failOpensWithBusy(2);
    assert.throws(() => s.openSession(), { code: 'EBUSY' });
    assert.throws(() => s.openSession(), { code: 'EBUSY' });
    s.openSession();
    assert.equal(s.sessionsOpened, 1);
    assert.equal(s.openSessions, 1);
    s.closeSession();
    assert.equal(s.openSessions, 0);
  });

  test('reply delay makes the reply a promise', async () => {
    const s = sim();
    s.setReplyDelay(5);
    const reply = s.execute('*OPC?');
    assert.ok(reply instanceof Promise);
    assert.equal(await reply, '1');
  });
});
