/** The `scpi` template engine: parsing, placeholder definitions, formatting, raw commands. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  templatePlaceholderNames,
  checkRawCommand,
  formatNR3,
  formatScpiTemplate,
  parseScpiTemplate,
} from '../../src/visa/scpi-template';
import type { ScpiTemplate } from '../../src/visa/scpi-template';
import { compileScpiTemplate, rawScpiProgramLine, scpiProgramLines } from '../../src/visa/scpi-program';
import { loadEditorRules } from '../config/editor-rules';

function compile(command: string, placeholders: unknown[] = []): ScpiTemplate {
  const result = parseScpiTemplate(command, placeholders);
  if (!result.ok) assert.fail(result.problems.join(' | '));
  return result.template;
}

function problems(command: unknown, placeholders: unknown = []): string[] {
  const result = parseScpiTemplate(command, placeholders);
  assert.equal(result.ok, false, 'expected problems');
  return result.ok ? [] : result.problems;
}

function format(template: ScpiTemplate, input: unknown): string[] {
  const result = formatScpiTemplate(template, input);
  if (!result.ok) assert.fail(result.problem);
  return result.lines;
}

function formatProblem(template: ScpiTemplate, input: unknown): string {
  const result = formatScpiTemplate(template, input);
  assert.equal(result.ok, false, 'expected a problem');
  return result.ok ? '' : result.problem;
}

describe('scpi template: parsing', () => {
  it('splits lines, finds queries by their header and lists placeholders in order of use', () => {
    const t = compile(':SOUR:VOLT {v}\n\n  :SOUR:CURR {i},{v}  \nMEAS:VOLT? {range}\n*IDN?', [
      { name: 'i', type: 'number' },
      { name: 'v', type: 'number', min: 0, max: 20 },
      { name: 'range', type: 'enum', values: ['AUTO', 'R10'] },
    ]);
    assert.deepEqual(
      t.lines.map((l) => [l.header, l.isQuery]),
      [
        [':SOUR:VOLT', false],
        [':SOUR:CURR', false],
        ['MEAS:VOLT?', true],
        ['*IDN?', true],
      ],
    );
    assert.deepEqual(
      t.placeholders.map((p) => p.name),
      ['v', 'i', 'range'],
    );
  });

  it('lists the placeholder names of a template being typed, problems or not (the editor rows)', () => {
    assert.deepEqual(templatePlaceholderNames(':SOUR:VOLT {v}\n:FUNC {f};*RST\n:OUTP {v}'), ['v', 'f']);
    assert.deepEqual(templatePlaceholderNames(':A {x} "{not}"\n{y} no header\n:B {z'), ['x']);
    assert.deepEqual(templatePlaceholderNames(42), []);
  });

  it('keeps constant quoted strings verbatim, braces and all', () => {
    const t = compile(':DISP:TEXT "a {b} ""c"";d"');
    assert.deepEqual(format(t, undefined), [':DISP:TEXT "a {b} ""c"";d"']);
  });

  it('reports every problem of a bad template at once, with line numbers', () => {
    const list = problems('VOLT {v\n:CURR 1;:VOLT 2\n9BAD\n:X "open\n:Y } \n:Z a?b', []);
    assert.equal(list.length, 6, list.join('\n'));
    assert.match(list[0], /^Line 1: "\{" must start a placeholder/);
    assert.match(list[1], /^Line 2: write one command per line/);
    assert.match(list[2], /^Line 3: .* does not start with a SCPI command header/);
    assert.match(list[3], /^Line 4: a quoted string is not closed/);
    assert.match(list[4], /^Line 5: "\}" without/);
    assert.match(list[5], /^Line 6: "\?" belongs at the end of the header/);
  });

  it('refuses empty templates, control characters, placeholders in headers and too many lines', () => {
    assert.match(problems('  \n ')[0], /empty/);
    assert.match(problems(42)[0], /empty/);
    assert.match(problems(':VOLT 1\u0007')[0], /printable ASCII/);
    assert.match(
      problems(':SOUR{ch}:VOLT 1', [{ name: 'ch', type: 'integer' }])[0],
      /does not start with a SCPI command header/,
    );
    assert.match(problems(Array.from({ length: 65 }, () => '*CLS').join('\n'))[0], /at most 64/);
  });

  it('checks placeholder definitions against the template and each other', () => {
    assert.match(problems(':VOLT {v}', [])[0], /\{v\} is used in the template but has no definition/);
    assert.match(problems(':VOLT 1', [{ name: 'v', type: 'number' }])[0], /\{v\} is defined but not used/);
    assert.match(
      problems(':VOLT {v}', [
        { name: 'v', type: 'number' },
        { name: 'v', type: 'number' },
      ])[0],
      /defined twice/,
    );
    assert.match(problems(':VOLT {v}', [{ name: 'v', type: 'float' }])[0], /type must be one of/);
    assert.match(problems(':VOLT {v}', [{ name: '1v', type: 'number' }])[0], /name must be/);
    assert.match(
      problems(':VOLT {v}', [{ name: 'v', type: 'number', min: 5, max: 1 }])[0],
      /min \(5\) is greater than max \(1\)/,
    );
    assert.match(
      problems(':VOLT {v}', [{ name: 'v', type: 'number', min: Infinity }])[0],
      /min must be a finite number/,
    );
    assert.match(
      problems(':VOLT {v}', [{ name: 'v', type: 'integer', max: 1.5 }])[0],
      /max must be an integer/,
    );
    assert.match(
      problems(':VOLT {v}', [{ name: 'v', type: 'string', min: 1 }])[0],
      /only to number and integer/,
    );
    assert.match(problems(':FUNC {f}', [{ name: 'f', type: 'enum' }])[0], /needs a list of values/);
    assert.match(
      problems(':FUNC {f}', [{ name: 'f', type: 'enum', values: ['VOLT', 'a;b'] }])[0],
      /"a;b" is not a SCPI token/,
    );
    assert.match(
      problems(':FUNC {f}', [{ name: 'f', type: 'enum', values: ['VOLT', 'volt'] }])[0],
      /listed twice/,
    );
    assert.match(problems(':FUNC {f}', [{ name: 'f', type: 'boolean', values: ['A'] }])[0], /only to enum/);
    assert.match(problems(':FUNC {f}', 'nope')[0], /must be a list/);
    // Editor rows leave empty strings for unused bounds: they mean "no bound".
    assert.equal(
      parseScpiTemplate(':VOLT {v}', [{ name: 'v', type: 'number', min: '', max: null }]).ok,
      true,
    );
  });

  it('the runtime wrapper throws one E_INVALID_INPUT listing the problems', () => {
    assert.throws(() => compileScpiTemplate(':VOLT {v}', []), {
      code: 'E_INVALID_INPUT',
      message: /The SCPI template is not valid: .*\{v\}/,
    });
  });
});

describe('scpi template: formatting values (never splicing)', () => {
  const t = compile(':SOUR:VOLT {v}\n:SOUR:CURR:PROT {n}\n:FUNC {f}\n:OUTP {on}\n:DISP:TEXT {text}', [
    { name: 'v', type: 'number', min: -20, max: 20 },
    { name: 'n', type: 'integer', min: 1, max: 9 },
    { name: 'f', type: 'enum', values: ['VOLT', 'CURR'] },
    { name: 'on', type: 'boolean' },
    { name: 'text', type: 'string' },
  ]);

  it('numbers in NR3, integers in NR1, enums as listed, booleans ON/OFF, strings quoted', () => {
    assert.deepEqual(format(t, { v: 1.5, n: 3, f: 'curr', on: true, text: 'say "hi"' }), [
      ':SOUR:VOLT 1.5E+0',
      ':SOUR:CURR:PROT 3',
      ':FUNC CURR',
      ':OUTP ON',
      ':DISP:TEXT "say ""hi"""',
    ]);
    assert.equal(format(t, { v: -0, n: 9, f: 'VOLT', on: false, text: '' })[0], ':SOUR:VOLT 0.0E+0');
  });

  it('NR3 round-trips every finite number exactly', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = formatNR3(x);
        assert.match(text, /^-?\d\.\d+E[+-]\d+$/);
        assert.equal(Number(text), x === 0 ? 0 : x);
      }),
    );
  });

  it('refuses wrong types, out-of-range values, unknown enum values and control characters', () => {
    const ok = { v: 1, n: 3, f: 'VOLT', on: true, text: 'x' };
    assert.match(formatProblem(t, { ...ok, v: 21 }), /\{v\} = 21 is out of range -20 … 20/);
    assert.match(formatProblem(t, { ...ok, v: '5' }), /\{v\} must be a finite number, got "5"/);
    assert.match(formatProblem(t, { ...ok, v: NaN }), /finite number/);
    assert.match(formatProblem(t, { ...ok, n: 2.5 }), /\{n\} must be an integer/);
    assert.match(formatProblem(t, { ...ok, n: 0 }), /out of range 1 … 9/);
    assert.match(formatProblem(t, { ...ok, f: 'VOLT;*RST' }), /\{f\} must be one of VOLT, CURR/);
    assert.match(formatProblem(t, { ...ok, on: 'ON' }), /\{on\} must be true or false/);
    assert.match(formatProblem(t, { ...ok, text: 'a\nb' }), /control character \(code 10\) at position 2/);
    assert.match(formatProblem(t, { ...ok, text: 'caf\u00e9' }), /non-ASCII/);
    assert.match(formatProblem(t, { ...ok, text: 7 }), /must be a string/);
    assert.match(formatProblem(t, { ...ok, extra: 1 }), /"extra", which the template does not use/);
    const { v: _v, ...missing } = ok;
    void _v;
    assert.match(formatProblem(t, missing), /no value for \{v\}/);
    assert.match(formatProblem(t, 5), /must be an object with v, n, f, on, text/);
  });

  it('takes a scalar when the template has exactly one placeholder, and ignores input without any', () => {
    const one = compile(':VOLT {v}\n:VOLT? ', [{ name: 'v', type: 'number' }]);
    assert.deepEqual(format(one, 2), [':VOLT 2.0E+0', ':VOLT?']);
    assert.deepEqual(format(one, { v: 3 }), [':VOLT 3.0E+0', ':VOLT?']);
    assert.deepEqual(format(compile('*IDN?'), { anything: 1 }), ['*IDN?']);
  });

  it('a value can never add a command: fuzzed strings either format as one quoted string or are refused', () => {
    const s = compile(':DISP:TEXT {text}', [{ name: 'text', type: 'string' }]);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const result = formatScpiTemplate(s, text);
        if (!result.ok) return;
        const [line] = result.lines;
        const quoted = line.slice(':DISP:TEXT '.length);
        assert.equal(quoted.slice(1, -1).split('""').join('"'), text);
        assert.doesNotMatch(line, /[\r\n]/);
      }),
    );
  });

  it('the runtime wrapper throws E_INVALID_INPUT and marks queries', () => {
    const q = compile(':VOLT {v}\n:VOLT?', [{ name: 'v', type: 'number', max: 1 }]);
    assert.throws(() => scpiProgramLines(q, 2), { code: 'E_INVALID_INPUT', message: /out of range/ });
    assert.deepEqual(scpiProgramLines(q, 1), [
      { command: ':VOLT 1.0E+0', isQuery: false },
      { command: ':VOLT?', isQuery: true },
    ]);
  });
});

describe('scpi raw commands (allowRaw)', () => {
  it('accepts one printable line and tells queries by a "?" outside quotes', () => {
    assert.deepEqual(checkRawCommand('  *IDN? '), { ok: true, command: '*IDN?', isQuery: true });
    assert.deepEqual(checkRawCommand(':DISP:TEXT "why?"'), {
      ok: true,
      command: ':DISP:TEXT "why?"',
      isQuery: false,
    });
    assert.deepEqual(rawScpiProgramLine('*RST;*CLS'), { command: '*RST;*CLS', isQuery: false });
  });

  it('refuses CR/LF, control characters, unclosed quotes, empty and overlong commands', () => {
    for (const [bad, why] of [
      ['*RST\n*IDN?', /line break/],
      ['*RST\r', /line break/],
      ['*RST\u0000', /non-printable/],
      [':DISP:TEXT "x', /not closed/],
      ['', /non-empty/],
      [42, /non-empty/],
      [`:X ${'a'.repeat(2100)}`, /at most 2048/],
    ] as const) {
      assert.throws(() => rawScpiProgramLine(bad), { code: 'E_INVALID_INPUT', message: why }, String(bad));
    }
  });
});

describe('scpi template in the browser', () => {
  it('the bundled engine (LabbenchRules.scpiTemplate) runs without require, Buffer or process and validates like the runtime', () => {
    const engine = loadEditorRules().scpiTemplate;
    const defs = [{ name: 'v', type: 'number', max: 5 }];
    assert.deepEqual(
      JSON.parse(JSON.stringify(engine.parseScpiTemplate(':VOLT {v}', defs))),
      JSON.parse(JSON.stringify(parseScpiTemplate(':VOLT {v}', defs))),
    );
    const parsed = engine.parseScpiTemplate(':VOLT {v}', defs);
    assert.ok(parsed.ok);
    // The editor's template is the runtime's: formatted by the runtime, it refuses what the runtime refuses.
    assert.equal(
      JSON.stringify(formatScpiTemplate(parsed.template, 6)),
      JSON.stringify(formatScpiTemplate(compile(':VOLT {v}', defs), 6)),
    );
    assert.equal(formatScpiTemplate(parsed.template, 6).ok, false);
    assert.deepEqual(
      [...engine.templatePlaceholderNames(':A {x};:B {y}')],
      [...templatePlaceholderNames(':A {x};:B {y}')],
    );
    const bad = engine.parseScpiTemplate(':VOLT {v', []);
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.ok ? [] : [...bad.problems], problems(':VOLT {v', []));
  });
});
