/**
 * The package as Node-RED itself loads it (not through the test helper): a temporary user
 * directory holds node-red-contrib-labbench with the proposed `node-red.nodes` map (pointing at
 * the built dist/), and a real runtime starts on it. Checks: every type registered from its
 * .html/.js pair, editor HTML served with the literal registerType calls, message catalogues,
 * icons, the editor endpoints, and Import > Examples listing every example.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNodeRed, tempUserDir } from '../support/node-red-runtime';
import type { NodeRedModule, RunningNodeRed } from '../support/node-red-runtime';

export const NODE_SETS = [
  'labbench-serial-port',
  'labbench-watlow',
  'labbench-visa',
  'watlow-poll',
  'watlow-write',
  'keithley-supply',
  'keithley-battery',
  'scpi',
  'modbus',
  'labbench-cache-clear',
];

/** The `node-red.nodes` map for package.json (set name = file basename = type). */
export const NODE_RED_NODES: Record<string, string> = Object.fromEntries(
  NODE_SETS.map((n) => [n, `dist/nodes/${n}.js`]),
);

interface Runtime extends NodeRedModule {
  nodes: { getNodeList(): { id: string; module: string; types: string[]; enabled: boolean; err?: string }[] };
}

export function definePackageLoad(runtimeName: 'node-red' | 'node-red-5'): void {
  describe(`the package loaded by a real Node-RED runtime (${runtimeName})`, () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    let running: RunningNodeRed<Runtime>;
    let base = '';
    let userDir = '';

    before(async () => {
      userDir = tempUserDir('nr');
      running = await startNodeRed<Runtime>({
        runtime: runtimeName,
        userDir,
        settings: { externalModules: { autoInstall: false } },
      });
      base = `http://127.0.0.1:${running.port}`;
    });

    after(async () => {
      await running.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    });

    const get = async (url: string, accept = 'application/json', language = 'en-US') => {
      const res = await fetch(`${base}${url}`, { headers: { Accept: accept, 'Accept-Language': language } });
      return { status: res.status, text: await res.text() };
    };

    it('registers the ten node types, one set each, without errors', () => {
      const sets = running.RED.nodes.getNodeList().filter((s) => s.module === 'node-red-contrib-labbench');
      assert.deepEqual(
        sets
          .map((s) => s.types)
          .flat()
          .sort(),
        [...NODE_SETS].sort(),
      );
      for (const s of sets) {
        assert.equal(s.enabled, true);
        assert.equal(s.err, undefined, `${s.id}: ${s.err}`);
      }
    });

    it('serves the editor definitions, catalogues, icons and endpoints', async () => {
      const html = await get('/nodes', 'text/html');
      assert.equal(html.status, 200);
      for (const t of NODE_SETS) assert.ok(html.text.includes(`RED.nodes.registerType('${t}', {`), t);
      for (const t of NODE_SETS) {
        const cat = await get(`/locales/node-red-contrib-labbench/${t}?lng=en-US`);
        assert.equal(cat.status, 200);
        assert.ok((JSON.parse(cat.text) as Record<string, unknown>)[t], `catalogue of ${t}`);
      }
      for (const icon of [
        'labbench-serial.svg',
        'labbench-watlow.svg',
        'labbench-setpoint.svg',
        'labbench-visa.svg',
        'labbench-supply.svg',
        'labbench-battery.svg',
        'labbench-clear.svg',
        'labbench-scpi.svg',
      ]) {
        const res = await get(`/icons/node-red-contrib-labbench/${icon}`, 'image/svg+xml');
        assert.equal(res.status, 200, icon);
        assert.match(res.text, /<svg/);
      }
      for (const ep of [
        '/labbench/serial-ports',
        '/labbench/visa-resources',
        '/labbench/watlow-parameters',
      ]) {
        const res = await get(ep);
        assert.equal(res.status, 200, ep);
        assert.ok(Array.isArray(JSON.parse(res.text)), ep);
      }
      // The dialogs' validators: the runtime's configuration rules (with the scpi template engine)
      // as one browser script, which the scpi dialog loads from the package's resources.
      assert.ok(html.text.includes('src="resources/node-red-contrib-labbench/labbench-rules.js"'));
      const rules = await get('/resources/node-red-contrib-labbench/labbench-rules.js', '*/*');
      assert.equal(rules.status, 200);
      assert.match(rules.text, /root\.LabbenchRules = /);
      assert.match(rules.text, /parseScpiTemplate/);
      assert.equal(
        (await get('/labbench/scpi-template.js', '*/*')).status,
        404,
        'the old engine endpoint is gone',
      );
    });

    it('serves the help from locales/<lang>/<type>.html, in English and German, and the shared editor script', async () => {
      const english = await get('/nodes', 'text/html', 'en-US');
      const german = await get('/nodes', 'text/html', 'de');
      for (const t of NODE_SETS) {
        const marker = `data-help-name="${t}"`;
        assert.equal(english.text.split(marker).length - 1, 1, `one English help for ${t}`);
        assert.equal(german.text.split(marker).length - 1, 1, `one German help for ${t}`);
      }
      assert.match(english.text, /A failure of an interval poll reaches Catch <em>once<\/em>/);
      assert.match(german.text, /Ein Fehler einer Intervallabfrage erreicht Catch <em>einmal<\/em>/);
      const catalogue = await get('/locales/node-red-contrib-labbench/labbench-serial-port?lng=de');
      const common = (JSON.parse(catalogue.text) as { common: { status: Record<string, string> } }).common;
      assert.equal(common.status.idle, 'inaktiv');
      const script = await get('/resources/node-red-contrib-labbench/labbench-editor.js', '*/*');
      assert.equal(script.status, 200);
      assert.match(script.text, /LabbenchEditor/);
    });

    it('lists every example under Import > Examples', async () => {
      const res = await get('/library/examples/flows/node-red-contrib-labbench');
      assert.equal(res.status, 200, res.text);
      const listed = JSON.stringify(JSON.parse(res.text));
      for (const f of fs.readdirSync(path.join(root, 'examples')).filter((x) => x.endsWith('.json'))) {
        assert.ok(listed.includes(f.replace(/\.json$/, '')), `${f} listed: ${listed}`);
      }
    });
  });
}
