/**
 * The editor side of every node type, checked without a browser: the .html beside each built .js
 * holds a literal RED.nodes.registerType('<type>', {...}) with inline category/icon/defaults (what
 * node-red-dev and the Flow Library parse), an edit template, help in the style guide's sections,
 * i18n keys that exist in the locale catalogue, an icon that exists; and the dialog validators
 * (run in a sandbox with a stub RED) accept and refuse what they should.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { describe, it } from 'node:test';
import {
  MIN_MONITOR_PERIOD_MS,
  MIN_POLL_INTERVAL_MS,
  parseInstance,
  parsePeriod,
  parseVisaConfig,
  parseWatlowConfig,
} from '../../src/config';
import { parseVisaResource } from '../../src/core/identity';
import { parseScpiTemplate } from '../../src/visa';
import { requireWritable, resolveParameter } from '../../src/watlow/parameters';
import { NODE_SETS } from './package-load';

const DIST_NODES = path.resolve(__dirname, '..', '..', 'nodes');
/** The package's resources/ folder (served to the editor as resources/node-red-contrib-labbench/). */
const RESOURCES = path.resolve(__dirname, '..', '..', '..', 'resources');
const SHARED_SCRIPT = 'resources/node-red-contrib-labbench/labbench-editor.js';
/** The runtime's configuration rules, bundled for the editor from src/config at build time. */
const RULES_SCRIPT = 'resources/node-red-contrib-labbench/labbench-rules.js';
const CONFIG_TYPES = ['labbench-serial-port', 'labbench-watlow', 'labbench-visa'];
const ALL = [...NODE_SETS];
const FLOW_TYPES = ALL.filter((t) => !CONFIG_TYPES.includes(t));

type Validator = (this: Record<string, unknown>, v: unknown, opt?: unknown) => unknown;
interface Definition {
  category: string;
  icon: string;
  defaults: Record<string, { value: unknown; validate?: Validator; type?: string; required?: boolean }>;
  label: (this: Record<string, unknown>) => string;
  [k: string]: unknown;
}

function html(type: string): string {
  return fs.readFileSync(path.join(DIST_NODES, `${type}.html`), 'utf8');
}

/** The help as Node-RED serves it: locales/<lang>/<node file>.html beside the node's .js. */
function helpFile(type: string, lang = 'en-US'): string {
  return fs.readFileSync(path.join(DIST_NODES, 'locales', lang, `${type}.html`), 'utf8');
}

function sharedScript(): string {
  return fs.readFileSync(path.join(RESOURCES, 'labbench-editor.js'), 'utf8');
}

function rulesScript(): string {
  return fs.readFileSync(path.join(RESOURCES, 'labbench-rules.js'), 'utf8');
}

function scripts(text: string, kind: string): string[] {
  const re = new RegExp(`<script type="${kind}"([^>]*)>([\\s\\S]*?)</script>`, 'g');
  const out: string[] = [];
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[2]!);
  return out;
}

/**
 * Runs the definition script with a stub RED and a stub page; returns what it registered and the
 * edit form it added to the page (the shared script builds each form from its rows).
 */
function load(type: string): { def: Definition; form: string } {
  const registered: Record<string, Definition> = {};
  const forms: Record<string, string> = {};
  const RED = {
    nodes: {
      registerType: (t: string, def: Definition) => {
        registered[t] = def;
      },
      node: () => null,
    },
    validators: {
      number: () => (v: unknown) => v === '' || Number.isFinite(Number(v)),
      regex: (re: RegExp) => (v: unknown) => re.test(String(v)),
      typedInput: () => () => true,
    },
    _: (key: string) => key,
  };
  const document = {
    querySelector: () => null,
    createElement: () => {
      const attributes: Record<string, string> = {};
      return { attributes, textContent: '', setAttribute: (k: string, v: string) => (attributes[k] = v) };
    },
    body: {
      appendChild: (el: { attributes: Record<string, string>; textContent: string }) => {
        forms[el.attributes['data-template-name']!] = el.textContent;
      },
    },
  };
  const $ = () => ({ length: 0, val: () => undefined });
  const own = scripts(html(type), 'text/javascript').join('\n');
  const shared = html(type).includes(SHARED_SCRIPT) ? sharedScript() : '';
  const rules = html(type).includes(RULES_SCRIPT) ? rulesScript() : '';
  vm.runInNewContext(`${rules}\n${shared}\n${own}`, { RED, $, document });
  assert.ok(registered[type], `${type} registered`);
  assert.ok(forms[type], `${type} added its edit form`);
  return { def: registered[type]!, form: forms[type]! };
}

function definitionOf(type: string): Definition {
  return load(type).def;
}

function valid(def: Definition, prop: string, value: unknown, node: Record<string, unknown> = {}): boolean {
  const validate = def.defaults[prop]!.validate;
  if (!validate) return true;
  return validate.call(node, value) === true || validate.call(node, value) === 1;
}

describe('editor definitions (nodes/*.html)', () => {
  for (const type of ALL) {
    it(`${type}: literal registerType, template, help, locale keys, icon`, () => {
      const text = html(type);
      assert.ok(fs.existsSync(path.join(DIST_NODES, `${type}.js`)), 'runtime .js beside the .html');
      assert.match(
        text,
        new RegExp(`RED\\.nodes\\.registerType\\('${type}', \\{`),
        'literal registerType call',
      );
      const { def, form } = load(type);
      assert.match(form, /id="node-(?:config-)?input-name"/, 'edit form');
      assert.doesNotMatch(text, /data-help-name=/, 'help lives in locales/<lang>/<type>.html');
      assert.match(helpFile(type), new RegExp(`^<script type="text/html" data-help-name="${type}">`));
      for (const code of scripts(text, 'text/javascript'))
        assert.doesNotThrow(() => new Function(code), 'definition parses');

      assert.equal(def.category, CONFIG_TYPES.includes(type) ? 'config' : 'lab bench');
      assert.ok(fs.existsSync(path.join(DIST_NODES, 'icons', def.icon)), `icon ${def.icon}`);
      const svg = fs.readFileSync(path.join(DIST_NODES, 'icons', def.icon), 'utf8');
      assert.match(svg, /viewBox="0 0 40 60"/);
      assert.match(svg, /fill="#fff"/);
      assert.equal(
        typeof def.label.call({
          ...Object.fromEntries(Object.entries(def.defaults).map(([k, v]) => [k, v.value])),
        }),
        'string',
      );

      const help = scripts(helpFile(type), 'text/html')[0]!;
      assert.match(help, /^\s*<p>[^<]+/, 'first paragraph is the palette tooltip');
      const sections = [...help.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
      assert.deepEqual(sections, FLOW_TYPES.includes(type) ? ['Inputs', 'Outputs', 'Details'] : ['Details']);
      assert.match(help, /<dl class="message-properties">/);
      assert.doesNotMatch(help, /<b>/, 'no ad-hoc styling');

      const catalogue = JSON.parse(
        fs.readFileSync(path.join(DIST_NODES, 'locales', 'en-US', `${type}.json`), 'utf8'),
      ) as Record<string, unknown>;
      const lookup = (key: string): unknown =>
        key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], catalogue);
      const keys = [
        ...[...`${text}${form}`.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g)].map((m) => m[1]!),
        ...[...text.matchAll(/RED\._\('node-red-contrib-labbench\/[^:]+:([^']+)'/g)].map((m) => m[1]!),
        ...[...text.matchAll(/node\._\('([^']+)'\)/g)].map((m) => m[1]!),
      ].filter((k) => !k.startsWith('node-red:'));
      assert.ok(keys.length > 0);
      for (const key of keys) assert.equal(typeof lookup(key), 'string', `locale key ${key}`);
    });
  }

  it('labbench-serial-port validates path, baud rate and framing', () => {
    const def = definitionOf('labbench-serial-port');
    assert.ok(valid(def, 'path', 'sim:bench?addresses=1,2'));
    assert.ok(valid(def, 'path', '/dev/ttyUSB0'));
    assert.ok(!valid(def, 'path', ''));
    assert.ok(!valid(def, 'path', '/dev/tty;rm'));
    assert.ok(valid(def, 'baudRate', 38400));
    assert.ok(!valid(def, 'baudRate', 'fast'));
    assert.ok(!valid(def, 'dataBits', 9));
    assert.ok(!valid(def, 'parity', 'maybe'));
    assert.ok(valid(def, 'stopBits', '1.5'));
    assert.ok(!valid(def, 'timeout', 0));
    assert.ok(!valid(def, 'retries', 2.5));
  });

  it('labbench-watlow validates the address against the protocol', () => {
    const def = definitionOf('labbench-watlow');
    assert.ok(valid(def, 'address', 16, { protocol: 'stdbus' }));
    assert.ok(!valid(def, 'address', 17, { protocol: 'stdbus' }));
    assert.ok(valid(def, 'address', 247, { protocol: 'modbus' }));
    assert.ok(!valid(def, 'address', 0, { protocol: 'modbus' }));
    assert.ok(!valid(def, 'protocol', 'profibus'));
    assert.equal(def.defaults.port!.type, 'labbench-serial-port');
  });

  it('labbench-visa accepts the VISA resource-string forms', () => {
    const def = definitionOf('labbench-visa');
    for (const ok of [
      'USB0::0x05E6::0x2281::4518305::INSTR',
      'usb::1510::8833::x::instr',
      'TCPIP0::192.168.1.50::5025::SOCKET',
      'TCPIP::bench-psu.local::inst0::INSTR',
      'TCPIP0::10.0.0.2::INSTR',
      'ASRL/dev/ttyUSB0::INSTR',
      'SIM::2281S::DEMO01::INSTR',
      'TCPIP0::10.0.0.2::hislip0,4880::INSTR',
    ]) {
      assert.ok(valid(def, 'resource', ok), ok);
    }
    for (const bad of ['', 'GPIB', '/dev/ttyUSB0', 'USB0::0x05E6'])
      assert.ok(!valid(def, 'resource', bad), bad);
  });

  it("the dialogs run the runtime's rules (src/config) and show the runtime's messages", () => {
    const message = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        return (err as Error).message;
      }
      assert.fail('the runtime accepted it');
    };
    const says = (def: Definition, prop: string, value: unknown, node: Record<string, unknown> = {}) =>
      def.defaults[prop]!.validate!.call(node, value, {});

    const visa = definitionOf('labbench-visa');
    const badHost = 'TCPIP::not a host!!::INSTR';
    const runtimeSays = message(() => parseVisaConfig({ resource: badHost }));
    assert.match(runtimeSays, /"not a host!!" is not a host name/);
    assert.equal(says(visa, 'resource', badHost), runtimeSays);
    assert.equal(
      says(visa, 'resource', 'GPIB0::5::INSTR'),
      message(() => parseVisaResource('GPIB0::5::INSTR')),
    );
    assert.equal(
      says(visa, 'timeout', 50),
      message(() => parseVisaConfig({ resource: 'SIM::A::B::INSTR', timeout: 50 })),
    );

    const watlow = definitionOf('labbench-watlow');
    const node = { protocol: 'stdbus', name: 'Oven 1' };
    assert.equal(
      says(watlow, 'address', 17, node),
      message(() => parseWatlowConfig({ ...node, address: 17 })),
    );
    assert.match(String(says(watlow, 'address', 17, node)), /1\.\.16|16/);
    assert.equal(
      says(watlow, 'wordOrder', 'middle'),
      message(() => parseWatlowConfig({ address: 1, wordOrder: 'middle' })),
    );
    assert.equal(
      says(watlow, 'map', 3),
      message(() => parseWatlowConfig({ address: 1, map: 3 })),
    );

    // Instance limits come from the catalogue: setPoint has 2 loops, a digital output 8 (not 16).
    const write = definitionOf('watlow-write');
    assert.equal(says(write, 'instance', 2, { parameter: 'setPoint' }), true);
    assert.equal(
      says(write, 'instance', 3, { parameter: 'setPoint' }),
      message(() => parseInstance('setPoint', 3)),
    );
    assert.equal(says(write, 'instance', 8, { parameter: 'digitalOutputState' }), true);
    assert.equal(
      says(write, 'instance', 16, { parameter: 'digitalOutputState' }),
      message(() => parseInstance('digitalOutputState', 16)),
    );

    // An unknown or read-only parameter: what a write of it fails with.
    for (const parameter of ['activeSetPoint', 'processValue', 'setpiont', '99999999'])
      assert.equal(
        says(write, 'parameter', parameter),
        message(() => requireWritable(resolveParameter(parameter))),
      );
    assert.equal(says(write, 'parameter', 'setPoint'), true);

    const poll = definitionOf('watlow-poll');
    assert.match(
      String(says(poll, 'parameters', [{ parameter: 'setPoint' }, { parameter: 'prcessValue' }])),
      /^Unknown Watlow parameter "prcessValue"/,
    );
    assert.equal(
      says(poll, 'interval', 10),
      message(() => parsePeriod(10, 'Interval', MIN_POLL_INTERVAL_MS)),
    );
    const supply = definitionOf('keithley-supply');
    assert.equal(
      says(supply, 'monitor', 5),
      message(() => parsePeriod(5, 'Monitor period', MIN_MONITOR_PERIOD_MS)),
    );
  });

  it('flow nodes validate their lists and periods', () => {
    const poll = definitionOf('watlow-poll');
    assert.ok(
      valid(poll, 'parameters', [
        { parameter: 'processValue', instance: 1 },
        { parameter: 4001, instance: 2 },
      ]),
    );
    assert.ok(!valid(poll, 'parameters', []));
    assert.ok(!valid(poll, 'parameters', [{ parameter: '', instance: 1 }]));
    assert.ok(!valid(poll, 'parameters', [{ parameter: 'setPoint', instance: 0 }]));
    assert.ok(valid(poll, 'interval', 0));
    assert.ok(!valid(poll, 'interval', 10));
    assert.equal(poll.defaults.controller!.required, false, 'empty controller = every controller');
    const write = definitionOf('watlow-write');
    assert.ok(valid(write, 'parameter', 'setPoint'));
    assert.ok(valid(write, 'parameter', '7001'));
    assert.ok(!valid(write, 'parameter', 'set point'));
    assert.ok(!valid(write, 'instance', 0));
    for (const t of ['keithley-supply', 'keithley-battery']) {
      const def = definitionOf(t);
      assert.ok(valid(def, 'monitor', 0));
      assert.ok(valid(def, 'monitor', 1000));
      assert.ok(!valid(def, 'monitor', 5));
      assert.ok(!valid(def, 'output', 'csv'));
      assert.equal(def.defaults.instrument!.type, 'labbench-visa');
    }
    const clear = definitionOf('labbench-cache-clear');
    assert.ok(valid(clear, 'scope', 'all'));
    assert.ok(!valid(clear, 'scope', 'some'));
  });

  it('scpi: the dialog validates with the runtime engine (bundled), with the same verdicts', () => {
    // The engine comes with the bundled rules (LabbenchRules.scpiTemplate); the definition's
    // validators use it, so each verdict (and each problem text) is the runtime's own.
    const def = definitionOf('scpi');
    assert.equal(def.defaults.instrument!.type, 'labbench-visa');
    const cases: [string, unknown[]][] = [
      ['*IDN?', []],
      [':SOUR:VOLT {v}\n:MEAS:VOLT?', [{ name: 'v', type: 'number', min: 0, max: 20 }]],
      [':SOUR:VOLT {v}', []],
      [':SOUR:VOLT 1; *RST', []],
      [':FUNC {f}', [{ name: 'f', type: 'enum', values: ['VOLT', '1BAD'] }]],
      [':SOUR:VOLT {v}', [{ name: 'v', type: 'number', min: 5, max: 1 }]],
      ['*IDN?', [{ name: 'unused', type: 'string' }]],
      ['', []],
    ];
    for (const [command, placeholders] of cases) {
      const runtime = parseScpiTemplate(command, placeholders);
      const validate = def.defaults.command!.validate!;
      const verdict = validate.call({ placeholders }, command, {});
      if (runtime.ok) assert.equal(verdict, true, command);
      else assert.equal(verdict, runtime.problems.join(' '), command);
    }
    assert.ok(!valid(def, 'reply', 'float'));
    assert.ok(valid(def, 'reply', 'real32'));
    assert.ok(!valid(def, 'byteOrder', 'middle'));
    assert.ok(valid(def, 'timeout', ''));
    assert.ok(!valid(def, 'timeout', 50));
  });
});
