/**
 * The message catalogues and help files: German (de) has exactly the keys and help files of
 * en-US, every text key the runtime asks for exists, and the runtime translator uses RED._ (the
 * runtime's language) with the shipped en-US text as the fallback.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { COMMON_CATALOGUE, englishText, plural, translator } from '../../nodes/shared/i18n';

const LOCALES = path.resolve(__dirname, '..', '..', 'nodes', 'locales');
const SOURCES = path.resolve(__dirname, '..', '..', '..', 'nodes');

function files(lang: string, ext: string): string[] {
  return fs
    .readdirSync(path.join(LOCALES, lang))
    .filter((f) => f.endsWith(ext))
    .sort();
}

function read(lang: string, file: string): string {
  return fs.readFileSync(path.join(LOCALES, lang, file), 'utf8');
}

/** Every leaf key of a catalogue with its text: `watlow-poll.status.skipped` → text. */
function leaves(o: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    if (typeof v === 'object' && v !== null)
      for (const [kk, vv] of leaves(v, `${prefix}${k}.`)) out.set(kk, vv);
    else out.set(`${prefix}${k}`, String(v));
  }
  return out;
}

const placeholders = (text: string): string[] => [...text.matchAll(/__(\w+)__/g)].map((m) => m[1]!).sort();
const count = (text: string, re: RegExp): number => [...text.matchAll(re)].length;

describe('locales', () => {
  it('en-US and de have the same catalogues, the same keys and the same placeholders', () => {
    assert.deepEqual(files('de', '.json'), files('en-US', '.json'));
    assert.ok(files('en-US', '.json').length >= 8);
    for (const file of files('en-US', '.json')) {
      const en = leaves(JSON.parse(read('en-US', file)));
      const de = leaves(JSON.parse(read('de', file)));
      assert.deepEqual([...de.keys()].sort(), [...en.keys()].sort(), file);
      for (const [key, text] of en) {
        assert.deepEqual(placeholders(de.get(key)!), placeholders(text), `${file} ${key}`);
        assert.notEqual(de.get(key)!.trim(), '', `${file} ${key} is translated`);
      }
    }
  });

  it('en-US and de have the same help files, with the same structure', () => {
    assert.deepEqual(files('de', '.html'), files('en-US', '.html'));
    assert.equal(files('en-US', '.html').length, 8, 'one help file per node type');
    for (const file of files('en-US', '.html')) {
      const type = file.replace(/\.html$/, '');
      const en = read('en-US', file);
      const de = read('de', file);
      for (const text of [en, de]) {
        assert.match(text, new RegExp(`^<script type="text/html" data-help-name="${type}">`), file);
        assert.match(text, /<\/script>\s*$/, file);
      }
      for (const re of [/<h3>/g, /<h4>/g, /<dt[ >]/g, /<li>/g, /<dl class="message-properties">/g])
        assert.equal(count(de, re), count(en, re), `${file}: ${String(re)}`);
      assert.notEqual(de, en, `${file} is translated`);
    }
  });

  it('every text key the runtime asks for exists in en-US', () => {
    const common = leaves(JSON.parse(read('en-US', `${COMMON_CATALOGUE}.json`)));
    const all = new Map<string, string>();
    for (const file of files('en-US', '.json'))
      for (const [k, v] of leaves(JSON.parse(read('en-US', file)))) all.set(k, v);
    const sources = [
      ...fs.readdirSync(SOURCES).map((f) => path.join(SOURCES, f)),
      ...fs.readdirSync(path.join(SOURCES, 'shared')).map((f) => path.join(SOURCES, 'shared', f)),
    ].filter((f) => f.endsWith('.ts'));
    let checked = 0;
    for (const file of sources) {
      const code = fs.readFileSync(file, 'utf8');
      for (const m of code.matchAll(/\bt\('((?:common|status)\.[\w.]+)'/g)) {
        const key = m[1]!;
        checked++;
        if (key.startsWith('common.')) assert.ok(common.has(key), `${key} (${path.basename(file)})`);
        else
          assert.ok(
            [...all.keys()].some((k) => k.endsWith(`.${key}`)),
            `${key} (${path.basename(file)})`,
          );
      }
      for (const m of code.matchAll(/plural\(t, '([\w.]+)'/g)) {
        for (const form of ['one', 'other']) {
          const key = `${m[1]}_${form}`;
          checked++;
          assert.ok(
            [...all.keys()].some((k) => k.endsWith(`.${key}`)),
            `${key} (${path.basename(file)})`,
          );
        }
      }
    }
    assert.ok(checked >= 10, `found ${checked} keys in the sources`);
  });

  it('the runtime translator uses RED._, and the shipped en-US text when RED._ has no catalogue', () => {
    const german = JSON.parse(read('de', 'watlow-poll.json')) as Record<string, unknown>;
    const germanCommon = JSON.parse(read('de', `${COMMON_CATALOGUE}.json`)) as Record<string, unknown>;
    // A RED._ as the runtime's: "<module>/<catalogue>:<key>" → the text in the runtime's language.
    const RED = {
      _: (full: string, vars?: Record<string, unknown>) => {
        const [ns, key] = full.split(':') as [string, string];
        const cat = ns.endsWith(`/${COMMON_CATALOGUE}`) ? germanCommon : german;
        const text = leaves(cat).get(key);
        return text === undefined ? full : text.replace(/__(\w+)__/g, (_, v: string) => String(vars?.[v]));
      },
    };
    const t = translator(RED, 'watlow-poll');
    assert.equal(t('common.status.idle'), 'inaktiv');
    assert.equal(t('status.skipped', { text: '72.5 °F', skipped: 3 }), '72.5 °F (3 übersprungen)');
    assert.equal(plural(t, 'status.values', 1), '1 Wert');
    assert.equal(plural(t, 'status.values', 4), '4 Werte');
    // node-red-node-test-helper's RED._ is the identity: the shipped en-US text is used.
    const identity = translator({ _: (k: string) => k }, 'labbench-cache-clear');
    assert.equal(plural(identity, 'status.drivers', 1), '1 driver');
    assert.equal(plural(identity, 'status.drivers', 0), '0 drivers');
    assert.equal(identity('common.reason.E_TIMEOUT'), 'timeout');
    assert.equal(englishText('watlow-poll', 'status.failed_other', { count: 2 }), '2 failed');
  });
});
