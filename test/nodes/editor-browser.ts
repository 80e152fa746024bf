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
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { parseVisaConfig, parseWatlowConfig, parseModbusNodeConfig } from '../../src/config';
import { NODE_SETS } from './package-load';
import { parseParameterList, requireWritable, resolveParameter } from '../../src/watlow/parameters';
import { parseScpiTemplate } from '../../src/visa';
import { setVisaDiscoveryBackends } from '../../nodes/shared/visa-discover';
import { loopbackInstrument } from './discover-cases';
import { CHROMIUM, launchChromium, type Browser } from '../support/chromium';
import { startNodeRed, tempUserDir } from '../support/node-red-runtime';

/** Every example but the dashboard demo, each node once. */
function exampleFlows(root: string): { id: string }[] {
  const seen = new Set<string>();
  const flows: { id: string }[] = [];
  for (const f of fs
    .readdirSync(path.join(root, 'examples'))
    .filter((x) => x.endsWith('.json') && x !== 'demo.json')) {
    for (const n of JSON.parse(fs.readFileSync(path.join(root, 'examples', f), 'utf8')) as { id: string }[]) {
      if (!seen.has(n.id)) {
        seen.add(n.id);
        flows.push(n);
      }
    }
  }
  return flows;
}

/** What the runtime says about `fn`: its error message, or "accepted". */
function runtimeSays(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
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
      const userDir = tempUserDir('editor', exampleFlows(root));
      // Discovery answers from loopback responders only (nothing leaves 127.0.0.1).
      const lan = await loopbackInstrument();
      setVisaDiscoveryBackends(lan.backends);
      const nodeRed = await startNodeRed({
        runtime: runtimeName,
        userDir,
        settings: { labbenchVisaDiscoveryTimeout: 500 },
      });
      let browser: Browser | undefined;
      try {
        browser = await launchChromium(path.dirname(require.resolve(runtimeName)));
        const evaluate = browser.evaluate.bind(browser);
        await browser.navigate(`http://127.0.0.1:${nodeRed.port}/`);
        await browser.waitFor(
          `window.RED && RED.nodes && RED.nodes.getType && RED.nodes.getType('watlow-poll') && RED.nodes.filterNodes({type:'watlow-poll'}).length`,
          'the editor loaded with the flows',
        );
        await browser.waitFor(
          `document.querySelectorAll('.red-ui-palette-node[data-palette-type="labbench-cache-clear"]').length`,
          'the palette drawn',
        );

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
          const wantsTypeahead = [
            'labbench-serial-port',
            'labbench-visa',
            'watlow-write',
            'labbench-cache-clear',
            'watlow-poll',
          ].includes(type);
          // The dialog is read once it is ready (what the test looks for is there, or 20 s have
          // passed and the assertions below say what is missing), and the next one opens only
          // after this one has closed: no fixed delays that a loaded machine could outrun.
          const info = await evaluate<{
            open: boolean;
            autocomplete: number;
            listItems?: number;
            typed: number;
          }>(`new Promise(resolve => {
          let node = null;
          ${isConfig ? `RED.nodes.eachConfig(n => { if (!node && n.type === '${type}') node = n; });` : `node = RED.nodes.filterNodes({type:'${type}'})[0];`}
          ${isConfig ? `RED.editor.editConfig('', '${type}', node.id);` : `RED.editor.edit(node);`}
          const read = () => ({ open: $('.red-ui-tray:visible').length > 0,
            autocomplete: $('.red-ui-tray input').toArray().filter(e => $(e).data('ui-autocomplete')).length,
            listItems: $('#node-input-parameters-container').length ? $('#node-input-parameters-container').editableList('items').length : undefined,
            typed: $('.red-ui-tray .red-ui-typedInput-container').length });
          const ready = (i) => i.open && (!${wantsTypeahead} || i.autocomplete >= 1)
            && ('${type}' !== 'watlow-poll' || (i.listItems ?? 0) >= 1)
            && ('${type}' !== 'watlow-write' || i.typed >= 1);
          const until = (cond, then) => { let left = 400; const tick = () => cond() || --left <= 0 ? then() : setTimeout(tick, 50); tick(); };
          until(() => ready(read()), () => {
            const info = read();
            $('#node-dialog-cancel, #node-config-dialog-cancel').filter(':visible').last().trigger('click');
            until(() => $('.red-ui-tray:visible').length === 0, () => resolve(info));
          });
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
              until(() => $('.red-ui-tray:visible').length === 0, () => resolve(r));
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
        // Typed into a flow node's dialog: the field (or the list's problem line) shows the
        // runtime's message. `field` is the input whose tooltip holds it, else `problem` is read.
        // The tooltip is what Node-RED shows on hover; Node-RED 5 fills it asynchronously.
        const typedIn = (type: string, setup: string, field: string | undefined, problem?: string) =>
          evaluate<{ invalid: boolean; text: string }>(`(async () => {
          const later = (ms) => new Promise(r => setTimeout(r, ms));
          // Conditions, not delays: the dialog is used once its field is there, read once the
          // browser has handled the typed change (two animation frames), closed before the next.
          const until = async (cond) => { for (let i = 0; i < 400 && !cond(); i++) await later(50); };
          const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
          RED.editor.edit(RED.nodes.filterNodes({type:'${type}'})[0]);
          await until(() => $('.red-ui-tray:visible').length > 0 && $('${field ?? problem ?? ''}').length > 0);
          await frames();
          ${setup}
          await frames();
          let r;
          if (${JSON.stringify(field ?? '')}) {
            const input = $('${field ?? ''}');
            const tip = input.data('tooltip');
            let text = '';
            if (tip) {
              tip.open(true);
              for (let i = 0; i < 40 && !$('.red-ui-popover:visible').length; i++) await later(50);
              text = $('.red-ui-popover:visible').last().text();
              tip.close(true);
            }
            r = { invalid: input.hasClass('input-error'), text };
          } else {
            r = { invalid: $('${problem ?? ''}').is(':visible'), text: $('${problem ?? ''}').text() };
          }
          $('#node-dialog-cancel').filter(':visible').last().trigger('click');
          await until(() => $('.red-ui-tray:visible').length === 0);
          return r;
        })()`);
        const writeTo = (parameter: string) =>
          typedIn(
            'watlow-write',
            `$('#node-input-parameter').val(${JSON.stringify(parameter)}).trigger('change');`,
            '#node-input-parameter',
          );
        for (const parameter of ['activeSetPoint', 'setpiont']) {
          const shown = await writeTo(parameter);
          assert.ok(shown.invalid, `watlow-write refuses ${parameter}`);
          assert.equal(
            shown.text,
            runtimeSays(() => requireWritable(resolveParameter(parameter))),
          );
        }
        assert.match((await writeTo('activeSetPoint')).text, /is read-only; nothing was sent/);
        assert.deepEqual(await writeTo('rampRate'), { invalid: false, text: '' });
        const pollRow = (name: string, instance: string) =>
          typedIn(
            'watlow-poll',
            `$('#node-input-parameters-container .labbench-param-instance').first().val(${JSON.stringify(instance)});
             $('#node-input-parameters-container .labbench-param-name').first().val(${JSON.stringify(name)}).trigger('change');`,
            undefined,
            '#watlow-poll-parameters-problem',
          );
        for (const [name, instance] of [
          ['prcessValue', '1'],
          ['setPoint', '3'],
        ] as const) {
          const shown = await pollRow(name, instance);
          assert.ok(shown.invalid, `watlow-poll shows a problem for ${name}/${instance}`);
          assert.equal(
            shown.text,
            runtimeSays(() =>
              parseParameterList(
                [{ parameter: name, instance: Number(instance) }],
                'The parameters property',
              ),
            ),
          );
          assert.doesNotMatch(shown.text, /at least one/);
        }
        assert.deepEqual(await pollRow('heatPower', '1'), { invalid: false, text: '' });
        const modbus = await typedIn(
          'modbus',
          `$('#node-input-operation').val('read'); $('#node-input-address').val('0').trigger('change');`,
          '#node-input-address',
        );
        assert.ok(modbus.invalid);
        assert.equal(
          modbus.text,
          runtimeSays(() => parseModbusNodeConfig({ operation: 'read', address: '0' })),
        );
        // The scpi dialog: the runtime's engine comes with the bundled rules, the placeholder rows
        // follow the template as it is typed, and the problems listed are the runtime's own.
        const typed = ':SOUR:VOLT {v}\n:FUNC {f};*RST';
        const scpi = await evaluate<{ engine: boolean; rows0: number; names: string[]; problems: string[] }>(
          `new Promise(resolve => {
          const node = RED.nodes.filterNodes({type:'scpi'}).find(n => Array.isArray(n.placeholders) && n.placeholders.length === 2);
          RED.editor.edit(node);
          // Conditions, not delays: the rows of the example's two placeholders, then the rows of
          // the typed template's, then the dialog closed (each bounded at 20 s).
          const until = (cond, then) => { let left = 400; const tick = () => cond() || --left <= 0 ? then() : setTimeout(tick, 50); tick(); };
          const rows = () => $('#node-input-placeholders-container').length ? $('#node-input-placeholders-container').editableList('items').length : 0;
          until(() => rows() === 2, () => {
            const rows0 = rows();
            $('#node-input-command').val(${JSON.stringify(typed)}).trigger('input');
            until(() => $('.scpi-placeholder-row').length === 2 && $('.scpi-placeholder-row').toArray().map(e => $(e).attr('data-name')).join() === 'v,f', () => {
              const r = { engine: !!(window.LabbenchRules && LabbenchRules.scpiTemplate), rows0,
                names: $('.scpi-placeholder-row').toArray().map(e => $(e).attr('data-name')),
                problems: $('#scpi-problems .scpi-problem').toArray().map(e => $(e).text()) };
              $('#node-dialog-cancel').filter(':visible').last().trigger('click');
              until(() => $('.red-ui-tray:visible').length === 0, () => resolve(r));
            });
          });
        })`,
        );
        assert.ok(scpi.engine, 'the template engine came with labbench-rules.js');
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
        assert.deepEqual(browser.problems, []);
      } finally {
        await browser?.close();
        await nodeRed.stop();
        setVisaDiscoveryBackends(undefined);
        await lan.close();
        fs.rmSync(userDir, { recursive: true, force: true });
      }
    },
  );
}
