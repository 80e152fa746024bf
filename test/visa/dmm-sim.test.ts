/** The simulated DMM model on its own, and `labbench-sim dmm` serving it over TCP. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ResourceRegistry } from '../../src/core/registry';
import { MAX_TRACE_POINTS, createSimDmm } from '../../src/sim/dmm';
import { parseDmmSimulatorArgs, runDmmSimulator } from '../../src/sim/dmm/cli';
import { acquireVisaSession } from '../../src/visa/acquire';
import { createSimulatedOpeners, createSimulators } from '../../src/sim';

describe('simulated DMM', () => {
  it('answers the common commands, compound messages joined by ";", and real SCPI error codes', () => {
    const dmm = createSimDmm('M1');
    assert.equal(dmm.execute('*IDN?'), 'LABBENCH,SIM-DMM,M1,1.0');
    assert.equal(dmm.execute('*OPC?;FORM:DATA?;FORM:BORD?;TRAC:POIN?'), '1;ASC,7;NORM;10');
    assert.equal(dmm.execute('FORM REAL,32;FORM:BORD SWAP;TRAC:POIN 3;CONF:VOLT:DC?'), '"VOLT:DC"');
    const block = dmm.execute('TRAC:DATA?') as Buffer;
    assert.equal(block.subarray(0, 4).toString('latin1'), '#212');
    assert.equal(block.length, 16);
    for (const [command, code] of [
      ['9X', -102],
      ['FOO:BAR', -113],
      ['TRAC:POIN 0', -222],
      [`TRAC:POIN ${MAX_TRACE_POINTS + 1}`, -222],
      ['TRAC:POIN 2.5', -224],
      ['FORM:BORD SIDEWAYS', -224],
      ['FORM:DATA REAL,64', -224],
      ['FORM:DATA', -109],
      ['*IDN? 1', -108],
    ] as const) {
      assert.equal(dmm.execute(command), null, command);
      assert.deepEqual(dmm.errorCodes(), [code], command);
      assert.match(dmm.execute('SYST:ERR?') as string, new RegExp(`^${code},"`), command);
      assert.equal(dmm.execute(':SYST:ERR:NEXT?'), '0,"No error"');
    }
    dmm.execute('*RST');
    assert.equal(dmm.execute('FORM:DATA?;TRAC:POIN?'), 'ASC,7;10');
    assert.equal(dmm.execute('*ESR?'), '48', 'command and execution errors were seen');
    assert.equal(dmm.execute('*ESR?'), '0', 'reading *ESR? clears it');
  });

  it('is listed for discovery as SIM::DMM::DMM01::INSTR', () => {
    assert.ok(
      createSimulators()
        .instruments.list()
        .some((s) => s.model === 'DMM'),
    );
  });

  it('labbench-sim dmm parses its command line and serves the DMM on TCP', async () => {
    assert.deepEqual(parseDmmSimulatorArgs(['--tcp', '127.0.0.1:5025', '--serial', 'ab']), {
      tcp: { host: '127.0.0.1', port: 5025 },
      serial: 'AB',
    });
    assert.throws(() => parseDmmSimulatorArgs([]), { code: 'E_INVALID_INPUT', message: /labbench-sim dmm/ });
    const running = await runDmmSimulator([
      '--tcp',
      '127.0.0.1:0',
      '--hislip',
      '127.0.0.1:0',
      '--serial',
      'CLIDMM',
    ]);
    const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
    try {
      assert.equal(running.resources.length, 2);
      assert.match(running.resources[1], /^TCPIP0::127\.0\.0\.1::hislip0,\d+::INSTR$/);
      for (const resource of running.resources) {
        const lease = acquireVisaSession(registry, createSimulatedOpeners().openers, resource, 'test', {
          timeoutMs: 1000,
        });
        assert.equal(await lease.transact((s) => s.query('*IDN?')), 'LABBENCH,SIM-DMM,CLIDMM,1.0', resource);
      }
    } finally {
      await registry.closeAll();
      await running.close();
    }
  });
});
