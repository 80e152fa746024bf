/**
 * The real Node-RED editor in headless Chromium (driven over the DevTools protocol with `ws`,
 * which Node-RED itself depends on), on a runtime loading the package and every example except
 * the dashboard demo. Checks that the examples are valid in the editor, each node's edit dialog
 * opens (autocomplete, editableList, typed input in place) with no console error or exception,
 * a dialog validator reports its reason, and the editor endpoints answer the page.
 * Needs /usr/bin/chromium (apt-get install chromium; .ci/run installs it). Without it the test is
 * reported as skipped — except under CI=true, where a missing browser is a failure.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { it } from 'node:test';
import { parseVisaConfig, parseWatlowConfig } from '../../src/config';
import { NODE_RED_NODES, NODE_SETS } from './package-load';
import { parseScpiTemplate } from '../../src/visa';
import { setVisaDiscoveryBackends } from '../../nodes/shared/visa-discover';
import { loopbackInstrument } from './discover-cases';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Runtime {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: unknown;
}

interface Socket {
  on(event: string, fn: (data: unknown) => void): void;
  send(data: string): void;
  close(): void;
}

export function defineEditorBrowser(runtimeName: 'node-red' | 'node-red-5'): void {
  const available = fs.existsSync(CHROMIUM);
  it(
    `the editor (${runtimeName}) opens every dialog without errors`,
    { skip: available || process.env.CI === 'true' ? false : `no Chromium at ${CHROMIUM}` },
    async () => {
      assert.ok(
        available,
        `no Chromium at ${CHROMIUM}: under CI the editor test must run (apt-get install -y chromium)`,
      );
      const root = path.resolve(__dirname, '..', '..', '..');
      const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'labbench-editor-'));
      const pkgDir = path.join(userDir, 'node_modules', 'node-red-contrib-labbench');
      fs.mkdirSync(pkgDir, { recursive: true });
      fs.writeFileSync(
        path.join(pkgDir, 'package.json'),
        JSON.stringify({
          name: 'node-red-contrib-labbench',
          version: '0.0.0',
          keywords: ['node-red'],
          'node-red': { version: '>=4.0.0', nodes: NODE_RED_NODES },
        }),
      );
      fs.symlinkSync(path.join(root, 'dist'), path.join(pkgDir, 'dist'));
      fs.symlinkSync(path.join(root, 'resources'), path.join(pkgDir, 'resources'));
      const seen = new Set<string>();
      const flows: { id: string }[] = [];
      for (const f of fs
        .readdirSync(path.join(root, 'examples'))
        .filter((x) => x.endsWith('.json') && x !== 'demo.json')) {
        for (const n of JSON.parse(fs.readFileSync(path.join(root, 'examples', f), 'utf8')) as {
          id: string;
        }[]) {
          if (!seen.has(n.id)) {
            seen.add(n.id);
            flows.push(n);
          }
        }
      }
      fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));

      const runtimePath = require.resolve(runtimeName);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const RED = require(runtimePath) as Runtime;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const express = require(
        require.resolve('express', { paths: [path.dirname(runtimePath)] }),
      ) as () => http.RequestListener & { use(p: string, h: unknown): void };
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const WebSocket = require(require.resolve('ws', { paths: [path.dirname(runtimePath)] })) as new (
        url: string,
        opts: unknown,
      ) => Socket;
      // Discovery answers from loopback responders only (nothing leaves 127.0.0.1).
      const lan = await loopbackInstrument();
      setVisaDiscoveryBackends(lan.backends);
      const app = express();
      const server = http.createServer(app);
      RED.init(server, {
        userDir,
        flowFile: 'flows.json',
        credentialSecret: false,
        httpAdminRoot: '/',
        httpNodeRoot: false,
        logging: { console: { level: 'off' } },
        editorTheme: { palette: { catalogues: [] }, tours: false },
        telemetry: { enabled: false },
        diagnostics: { enabled: false },
        labbenchVisaDiscoveryTimeout: 500,
      });
      await RED.start();
      app.use('/', RED.httpAdmin);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'labbench-chromium-'));
      const debugPort = 9400 + (process.pid % 500);
      let chrome: ChildProcess | undefined;
      let socket: Socket | undefined;
      try {
        chrome = spawn(
          CHROMIUM,
          [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            `--remote-debugging-port=${debugPort}`,
            `--user-data-dir=${profile}`,
            '--window-size=1400,1000',
            'about:blank',
          ],
          { stdio: 'ignore' },
        );
        let page: { type: string; webSocketDebuggerUrl: string } | undefined;
        for (let i = 0; i < 100 && !page; i++) {
          try {
            const targets = (await (await fetch(`http://127.0.0.1:${debugPort}/json`)).json()) as {
              type: string;
              webSocketDebuggerUrl: string;
            }[];
            page = targets.find((t) => t.type === 'page');
          } catch {
            await sleep(100);
          }
        }
        assert.ok(page, 'Chromium page target');
        const ws = new WebSocket(page.webSocketDebuggerUrl, { perMessageDeflate: false });
        socket = ws;
        await new Promise<void>((resolve) => ws.on('open', () => resolve()));
        let seq = 0;
        const pending = new Map<number, (m: Record<string, unknown>) => void>();
        const problems: string[] = [];
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as {
            id?: number;
            method?: string;
            params?: Record<string, unknown>;
          } & Record<string, unknown>;
          if (m.id !== undefined && pending.has(m.id)) {
            pending.get(m.id)!(m);
            pending.delete(m.id);
          }
          if (m.method === 'Runtime.exceptionThrown')
            problems.push(`exception: ${JSON.stringify(m.params).slice(0, 400)}`);
          if (m.method === 'Runtime.consoleAPICalled' && m.params?.type === 'error')
            problems.push(`console.error: ${JSON.stringify(m.params.args).slice(0, 400)}`);
        });
        const call = (method: string, params: Record<string, unknown> = {}) =>
          new Promise<Record<string, unknown>>((resolve) => {
            const id = ++seq;
            pending.set(id, resolve);
            ws.send(JSON.stringify({ id, method, params }));
          });
        const evaluate = async <T>(expression: string): Promise<T> => {
          const r = (await call('Runtime.evaluate', {
            expression,
            awaitPromise: true,
            returnByValue: true,
          })) as { result: { result: { value: T }; exceptionDetails?: unknown } };
          if (r.result.exceptionDetails)
            throw new Error(JSON.stringify(r.result.exceptionDetails).slice(0, 500));
          return r.result.result.value;
        };
        await call('Runtime.enable');
        await call('Page.enable');
        await call('Page.navigate', { url: `http://127.0.0.1:${port}/` });
        let ready = false;
        for (let i = 0; i < 150 && !ready; i++) {
          try {
            ready = await evaluate<boolean>(
              `!!(window.RED && RED.nodes && RED.nodes.getType && RED.nodes.getType('watlow-poll') && RED.nodes.filterNodes({type:'watlow-poll'}).length)`,
            );
          } catch {
            // page still loading
          }
          if (!ready) await sleep(100);
        }
        assert.ok(ready, 'editor loaded with the flows');
        await sleep(500);

        const invalid = await evaluate<string[]>(
          `(()=>{const bad=[];RED.nodes.eachNode(n=>{if(n.valid===false)bad.push(n.type+' '+n.id)});RED.nodes.eachConfig(n=>{if(n.valid===false)bad.push(n.type+' '+n.id)});return bad})()`,
        );
        assert.deepEqual(invalid, [], 'every example node is valid in the editor');
        const palette = await evaluate<string[]>(
          `[...document.querySelectorAll('.red-ui-palette-node')].map(e=>e.getAttribute('data-palette-type'))`,
        );
        for (const t of NODE_SETS.filter(
          (s) => !['labbench-serial-port', 'labbench-watlow', 'labbench-visa'].includes(s),
        ))
          assert.ok(palette.includes(t), `${t} in the palette`);

        // The help sidebar's source: each type's help (from locales/en-US/<type>.html), and the
        // keithley edit forms the shared script adds.
        const editorParts = await evaluate<{ help: string[]; forms: string[] }>(
          `({help: ${JSON.stringify(NODE_SETS)}.filter(t => (RED.nodes.getNodeHelp(t)||'').indexOf('<h3>Details</h3>') >= 0),
             forms: ${JSON.stringify(NODE_SETS)}.filter(t => $('script[data-template-name="'+t+'"]').length === 1)})`,
        );
        assert.deepEqual(editorParts.help, [...NODE_SETS], 'help for every type');
        assert.deepEqual(editorParts.forms, [...NODE_SETS], 'one edit form for every type');
        await evaluate<boolean>(`(RED.sidebar.help.show('keithley-battery'), true)`);
        const sidebar = await evaluate<string>(`$('.red-ui-help').text()`);
        assert.match(sidebar, /battery simulator/, 'the help sidebar shows the keithley-battery help');

        for (const type of NODE_SETS) {
          const isConfig = ['labbench-serial-port', 'labbench-watlow', 'labbench-visa'].includes(type);
          const info = await evaluate<{
            open: boolean;
            autocomplete: number;
            listItems?: number;
            typed: number;
          }>(`new Promise(resolve => {
          let node = null;
          ${isConfig ? `RED.nodes.eachConfig(n => { if (!node && n.type === '${type}') node = n; });` : `node = RED.nodes.filterNodes({type:'${type}'})[0];`}
          ${isConfig ? `RED.editor.editConfig('', '${type}', node.id);` : `RED.editor.edit(node);`}
          setTimeout(() => {
            const info = { open: $('.red-ui-tray:visible').length > 0,
              autocomplete: $('.red-ui-tray input').toArray().filter(e => $(e).data('ui-autocomplete')).length,
              listItems: $('#node-input-parameters-container').length ? $('#node-input-parameters-container').editableList('items').length : undefined,
              typed: $('.red-ui-tray .red-ui-typedInput-container').length };
            $('#node-dialog-cancel, #node-config-dialog-cancel').filter(':visible').last().trigger('click');
            setTimeout(() => resolve(info), 300);
          }, 700);
        })`);
          assert.ok(info.open, `${type} dialog opened`);
          if (
            ['labbench-serial-port', 'labbench-visa', 'watlow-write', 'labbench-cache-clear'].includes(type)
          )
            assert.ok(info.autocomplete >= 1, `${type} typeahead`);
          if (type === 'watlow-poll')
            assert.ok(
              (info.listItems ?? 0) >= 1 && info.autocomplete >= 1,
              'parameters editableList with typeahead',
            );
          if (type === 'watlow-write') assert.equal(info.typed, 1, 'value typed input');
        }
        assert.equal(lan.queries(), 0, 'opening the labbench-visa dialog discovers nothing');
        const discover = () =>
          evaluate<{ before: number; values: string[]; picked: string; outcome: string; status: string }>(
            `new Promise(resolve => {
          let node = null;
          RED.nodes.eachConfig(n => { if (!node && n.type === 'labbench-visa') node = n; });
          RED.editor.editConfig('', 'labbench-visa', node.id);
          const until = (cond, then) => { let left = 400; const tick = () => cond() ? then() : --left > 0 ? setTimeout(tick, 50) : resolve({ outcome: 'no answer in 20 s' }); tick(); };
          until(() => $('#node-config-visa-discover:visible').length === 1, () => {
            const before = $('#node-config-visa-discovered li').length;
            $('#node-config-visa-discover').trigger('click');
            until(() => !!$('#node-config-visa-discover-status').attr('data-outcome'), () => {
              const values = $('#node-config-visa-discovered .labbench-discovered').toArray().map(e => e.getAttribute('data-value'));
              $('#node-config-visa-discovered .labbench-discovered[data-value^="TCPIP0::127.0.0.1::hislip0"]').trigger('click');
              const r = { before, values, picked: $('#node-config-input-resource').val(),
                outcome: $('#node-config-visa-discover-status').attr('data-outcome'), status: $('#node-config-visa-discover-status').text() };
              $('#node-config-dialog-cancel').filter(':visible').last().trigger('click');
              setTimeout(() => resolve(r), 300);
            });
          });
        })`,
          );
        const found = await discover();
        assert.equal(found.outcome, 'found', found.status);
        assert.equal(found.before, 0, 'no list before the button is pressed');
        assert.deepEqual(found.values, [
          'USB0::0x05E6::0x2281::4518305::INSTR',
          'TCPIP0::127.0.0.1::inst0::INSTR',
          'TCPIP0::127.0.0.1::hislip0::INSTR',
          'SIM::2281S::DEMO01::INSTR',
        ]);
        assert.equal(
          found.picked,
          'TCPIP0::127.0.0.1::hislip0::INSTR',
          'a click puts the entry in the field',
        );
        assert.match(found.status, /3 instrument\(s\) found/);
        setVisaDiscoveryBackends(lan.silent);
        const nothing = await discover();
        assert.equal(nothing.outcome, 'nothing-found');
        assert.match(nothing.status, /Nothing found/);
        assert.deepEqual(nothing.values, ['SIM::2281S::DEMO01::INSTR']);
        setVisaDiscoveryBackends(lan.refused);
        const refused = await discover();
        assert.equal(refused.outcome, 'not-allowed');
        assert.match(refused.status, /not possible or not allowed here/);
        // The dialogs run the runtime's rules (resources/labbench-rules.js, built from src/config)
        // and show the runtime's own message for a bad property.
        const invalidate = (type: string, prop: string, value: string) =>
          evaluate<{
            invalid: boolean;
            errors: string[];
            validAgain: boolean;
            node: Record<string, unknown>;
          }>(
            `(()=>{let w;RED.nodes.eachConfig(n=>{if(!w&&n.type==='${type}')w=n});const old=w['${prop}'];w['${prop}']=${JSON.stringify(value)};RED.editor.validateNode(w);const r={invalid:w.valid===false,errors:w.validationErrors,node:{name:w.name,protocol:w.protocol}};w['${prop}']=old;RED.editor.validateNode(w);r.validAgain=w.valid;return r})()`,
          );
        const runtimeSays = (fn: () => unknown): string => {
          try {
            fn();
          } catch (err) {
            return (err as Error).message;
          }
          return 'accepted';
        };
        const validation = await invalidate('labbench-watlow', 'address', '20');
        assert.ok(validation.invalid && validation.validAgain);
        assert.deepEqual(validation.errors, [
          runtimeSays(() => parseWatlowConfig({ ...validation.node, address: 20 })),
        ]);
        assert.match(validation.errors[0]!, /allowed 1…16/);
        const visa = await invalidate('labbench-visa', 'resource', 'TCPIP::not a host!!::INSTR');
        assert.ok(visa.invalid && visa.validAgain);
        assert.deepEqual(visa.errors, [
          runtimeSays(() => parseVisaConfig({ resource: 'TCPIP::not a host!!::INSTR' })),
        ]);
        assert.match(visa.errors[0]!, /"not a host!!" is not a host name/);
        // The scpi dialog: the runtime's engine is loaded from the runtime, the placeholder rows
        // follow the template as it is typed, and the problems listed are the runtime's own.
        const typed = ':SOUR:VOLT {v}\n:FUNC {f};*RST';
        const scpi = await evaluate<{ engine: boolean; rows0: number; names: string[]; problems: string[] }>(
          `new Promise(resolve => {
          const node = RED.nodes.filterNodes({type:'scpi'}).find(n => Array.isArray(n.placeholders) && n.placeholders.length === 2);
          RED.editor.edit(node);
          setTimeout(() => {
            const rows0 = $('#node-input-placeholders-container').editableList('items').length;
            $('#node-input-command').val(${JSON.stringify(typed)}).trigger('input');
            setTimeout(() => {
              const r = { engine: !!window.LabbenchScpiTemplate, rows0,
                names: $('.scpi-placeholder-row').toArray().map(e => $(e).attr('data-name')),
                problems: $('#scpi-problems .scpi-problem').toArray().map(e => $(e).text()) };
              $('#node-dialog-cancel').filter(':visible').last().trigger('click');
              setTimeout(() => resolve(r), 300);
            }, 300);
          }, 700);
        })`,
        );
        assert.ok(scpi.engine, 'the template engine came from labbench/scpi-template.js');
        assert.equal(scpi.rows0, 2, 'one row per placeholder of the example');
        assert.deepEqual(scpi.names, ['v', 'f'], 'rows mirror the template as typed');
        const runtime = parseScpiTemplate(typed, [
          { name: 'v', type: 'number' },
          { name: 'f', type: 'number' },
        ]);
        assert.ok(!runtime.ok && runtime.problems.length > 0);
        assert.deepEqual(scpi.problems, runtime.ok ? [] : runtime.problems, "the runtime's problems");
        const lengths = await evaluate<number[]>(
          `Promise.all(['labbench/serial-ports','labbench/visa-resources','labbench/watlow-parameters'].map(u=>$.getJSON(u).then(l=>l.length)))`,
        );
        for (const n of lengths) assert.ok(n > 0);
        assert.deepEqual(problems, []);
      } finally {
        socket?.close();
        if (chrome && chrome.exitCode === null) {
          const exited = new Promise((resolve) => chrome!.once('exit', resolve));
          chrome.kill('SIGTERM');
          await Promise.race([exited, sleep(5000)]);
        }
        await RED.stop();
        await new Promise((resolve) => server.close(resolve));
        setVisaDiscoveryBackends(undefined);
        await lan.close();
        fs.rmSync(userDir, { recursive: true, force: true });
        try {
          fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
        } catch {
          // Chromium's helper processes can still be writing the profile as they exit; a left-over
          // temporary profile is harmless and must not fail the test.
        }
      }
    },
  );
}
