/**
 * The scpi node's reply timeout and labbench-cache-clear's target: the dialog (the bundled rules,
 * resources/labbench-rules.js) refuses exactly what the runtime refuses, with its message. The
 * runtime's verdicts come from what the nodes call: the scpi node's property parser and the
 * cache-clear node's target check (with the real file system resolving serial paths).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseScpiNodeProperties } from '../../nodes/shared/scpi-properties';
import { parseCacheClearTarget } from '../../src/config';
import { assertSameVerdicts, loadEditorRules } from './editor-rules';

const rules = loadEditorRules();

describe("scpi's timeout in the dialog", () => {
  const typed = fc.oneof(
    fc.constantFrom('', ' ', '0', ' 0 ', '0.0', '99', '100', '100.5', '120000', '120001', '1e3', 'abc'),
    fc.constantFrom('NaN', 'Infinity', '-100', 0, 99, 100, 120_000, 120_001, null, undefined, true, {}),
    fc.integer({ min: -10, max: 200_000 }),
    fc.integer({ min: -10, max: 200_000 }).map((n) => ` ${n}`),
    fc.double(),
    fc.string({ maxLength: 8 }),
  );

  it('has the verdict and message of the runtime', () => {
    assertSameVerdicts(typed, rules.scpiTimeout, (timeout) =>
      parseScpiNodeProperties({ command: '*IDN?', timeout }),
    );
    assert.equal(rules.scpiTimeout('5000'), true);
    assert.equal(rules.scpiTimeout(''), true, "empty: the instrument's timeout");
    assert.match(String(rules.scpiTimeout('50')), /100…120000 ms, got "50"/);
  });
});

describe("labbench-cache-clear's target in the dialog", () => {
  const typed = fc.oneof(
    fc.constantFrom('', '  ', '/dev/ttyUSB0', '/dev/null', '/tmp', 'COM3', '\\\\.\\COM4', 'sim:bench'),
    fc.constantFrom('sim:', 'sim:?addresses=1', 'tcp://127.0.0.1:4001', 'tcp://127.0.0.1', 'tcp://:1'),
    fc.constantFrom('modbus-tcp://127.0.0.1', 'SIM::2281S::DEMO01::INSTR', 'USB0::0x05E6::0x2281::1::INSTR'),
    fc.constantFrom('TCPIP0::127.0.0.1::inst0::INSTR', 'TCPIP::', 'GPIB0::x::INSTR', 'ASRL/dev/ttyS0::INSTR'),
    fc.constantFrom('a;b', 'x\ny', '*RST', null, undefined, 5, {}),
    fc.string({ maxLength: 12 }),
  );

  it('has the verdict and message of the runtime', () => {
    assertSameVerdicts(typed, rules.cacheClearTarget, (target) => parseCacheClearTarget(target, 'Target'));
    assert.equal(rules.cacheClearTarget(''), true, 'empty: every resource');
    assert.equal(rules.cacheClearTarget('sim:bench'), true);
    assert.match(String(rules.cacheClearTarget('a;b')), /must not contain ';'/);
    assert.match(String(rules.cacheClearTarget('sim:')), /no bus name/);
  });
});
