/**
 * Defects 1 and 2 (super-linear regular expressions on user input and instrument replies): the
 * number pattern is unambiguous, long text is refused before any pattern sees it, and the lint
 * rule that guards the whole tree really detects the class of pattern that was there before.
 * No timing here: linearity is proved by the linter's analysis; the measured times are in
 * docs/reliability.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Linter } from 'eslint';
import regexp from 'eslint-plugin-regexp';
import { DECIMAL_NUMBER, MAX_NUMBER_TEXT, requireFiniteNumber } from '../../src/core/validate';
import { parseField, parseNumberReply, parseScpiError } from '../../src/keithley/replies';
import { parseScpiError as parseVisaScpiError } from '../../src/visa/scpi-format';
import { validateSupplySettings } from '../../src/keithley/settings';
import { coerceWriteValue, resolveParameter } from '../../src/watlow/parameters';

const RULES = {
  'regexp/no-super-linear-backtracking': 'error',
  'regexp/no-super-linear-move': 'error',
} as const;

function superLinearFindings(source: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(source, [{ plugins: { regexp }, rules: RULES }]);
  return messages.map((m) => `${m.ruleId}: ${m.message}`);
}

test('the lint rule detects the number pattern the validator used to have (the guard can fail)', () => {
  const before = String.raw`const n = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;`;
  const findings = superLinearFindings(before);
  assert.ok(findings.length > 0, 'the old pattern must be flagged');
  assert.match(findings.join('\n'), /no-super-linear-backtracking/);
});

test('the shared number pattern is linear by the same analysis', () => {
  assert.deepEqual(superLinearFindings(`const n = ${String(DECIMAL_NUMBER)};`), []);
});

test('the lint configuration of the repository enables both rules for every file', async () => {
  const { ESLint } = await import('eslint');
  const eslint = new ESLint({ cwd: path.resolve(__dirname, '..', '..', '..') });
  for (const file of [
    'src/core/validate.ts',
    'nodes/watlow-poll.ts',
    'bench/index.ts',
    'scripts/run-tests.js',
  ]) {
    const config = (await eslint.calculateConfigForFile(file)) as { rules: Record<string, unknown> };
    for (const rule of Object.keys(RULES)) {
      const setting = config.rules[rule] as unknown[] | string | number | undefined;
      const level = Array.isArray(setting) ? setting[0] : setting;
      assert.ok(
        level === 'error' || level === 2,
        `${rule} must be an error for ${file}, got ${String(level)}`,
      );
    }
  }
});

test('defect 1: a 100,000-character numeric string is refused as too long with E_INVALID_INPUT', () => {
  const attack = `${'1'.repeat(100_000)}x`;
  assert.throws(
    () => requireFiniteNumber(attack, 'msg.payload.voltage'),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_INVALID_INPUT');
      assert.match(err.message, /msg\.payload\.voltage must be a number, got 100001 characters/);
      assert.match(err.message, new RegExp(`at most ${MAX_NUMBER_TEXT}`));
      return true;
    },
  );
  // The same through the keithley-supply and watlow-write validators.
  assert.throws(() => validateSupplySettings({ voltage: attack }), { code: 'E_INVALID_INPUT' });
  assert.throws(() => coerceWriteValue(resolveParameter('setPoint'), 'float', attack), {
    code: 'E_INVALID_INPUT',
  });
  // Numbers of ordinary length still pass, in every spelling the old pattern accepted.
  for (const [text, value] of [
    ['12.5', 12.5],
    [' -3 ', -3],
    ['1e3', 1000],
    ['.5', 0.5],
    ['5.', 5],
    ['+1.25E-2', 0.0125],
  ] as const) {
    assert.equal(requireFiniteNumber(text, 'x'), value);
  }
});

test('defect 2: a 100,000-digit SCPI reply is not a number (E_PROTOCOL), not a silent NaN', () => {
  const reply = '9'.repeat(100_000);
  assert.equal(parseField(reply), undefined);
  assert.throws(() => parseNumberReply(reply, ':MEAS:VOLT?'), { code: 'E_PROTOCOL' });
  assert.throws(() => parseNumberReply(`${reply}x`, ':MEAS:VOLT?'), { code: 'E_PROTOCOL' });
  // Ordinary fields keep parsing.
  assert.deepEqual(parseField('+5.000000E+00V'), { value: 5, unit: 'V' });
  assert.deepEqual(parseField('12.5mA'), { value: 0.0125, unit: 'A' });
  assert.deepEqual(parseField('1e5'), { value: 1e5, unit: '' });
});

test('defect 2: error-queue replies with long white space runs parse without a backtracking pattern', () => {
  const spaces = ' '.repeat(50_000);
  assert.deepEqual(parseScpiError(`-222${spaces},${spaces}"Data out of range"${spaces}`), {
    code: -222,
    message: 'Data out of range',
  });
  assert.deepEqual(parseVisaScpiError(`-222${spaces},${spaces}"Data out of range"${spaces}`), {
    code: -222,
    message: 'Data out of range',
  });
  assert.equal(parseVisaScpiError(`${spaces}x`), undefined);
  assert.throws(() => parseScpiError(`1${'2'.repeat(50_000)}`), { code: 'E_PROTOCOL' });
});
