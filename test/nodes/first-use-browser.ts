/**
 * What a new user meets after `npm start`, in the real Node-RED editor and the real Dashboard 2 in
 * headless Chromium, on a real runtime that loads the package with the demo deployed:
 * - every example imports beside the deployed demo through the editor's Import dialog with no
 *   "already exist" prompt, and keeps its own node ids;
 * - a deploy (the demo plus every example) shows no "unused configuration nodes" warning;
 * - the dashboard's Output switches show ON while the instruments' outputs are on.
 * Needs /usr/bin/chromium; under CI=true a missing browser is a failure, elsewhere a skip.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { CHROMIUM, launchChromium, type Browser } from '../support/chromium';
import { startNodeRed, tempUserDir } from '../support/node-red-runtime';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const EXAMPLES = path.join(ROOT, 'examples');

/** Closes the editor's notifications the way their close button does (RED.notify reuses an open one by id). */
async function closeNotifications(browser: Browser): Promise<void> {
  await browser.evaluate(`($('.red-ui-notification').each((i, e) => e.close && e.close()), true)`);
  await browser.waitFor(`$('.red-ui-notification').length === 0`, 'the notifications to close');
}

/** Pastes `flow` into the editor's Import dialog and presses Import; returns the notifications shown. */
async function importThroughDialog(browser: Browser, flow: unknown[]): Promise<string> {
  await closeNotifications(browser);
  await browser.evaluate(`(RED.actions.invoke('core:show-import-dialog'), true)`);
  await browser.waitFor(`$('#red-ui-clipboard-dialog-import-text:visible').length`, 'the import dialog');
  await browser.evaluate(
    `($('#red-ui-clipboard-dialog-import-text').val(${JSON.stringify(JSON.stringify(flow))}).trigger('keyup'), true)`,
  );
  await browser.waitFor(`!$('#red-ui-clipboard-dialog-ok').button('option','disabled')`, 'Import enabled');
  await browser.evaluate(`($('#red-ui-clipboard-dialog-ok').trigger('click'), true)`);
  await browser.waitFor(`$('.red-ui-notification').length`, 'a notification after the import');
  return browser.evaluate<string>(`$('.red-ui-notification').text()`);
}

export function defineFirstUseBrowser(runtimeName: 'node-red' | 'node-red-5'): void {
  const available = fs.existsSync(CHROMIUM);
  it(
    `first use (${runtimeName}): examples import beside the demo, deploy without warnings, dashboard shows the state`,
    { skip: available || process.env.CI === 'true' ? false : `no Chromium at ${CHROMIUM}` },
    async () => {
      assert.ok(
        available,
        `no Chromium at ${CHROMIUM}: under CI this test must run (apt-get install -y chromium)`,
      );
      const demo = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'demo.json'), 'utf8')) as { id: string }[];
      const userDir = tempUserDir('first-use', demo);
      const runtime = await startNodeRed({
        runtime: runtimeName,
        userDir,
        nodeRoot: '/',
        settings: { nodesDir: [path.dirname(require.resolve('@flowfuse/node-red-dashboard/package.json'))] },
      });
      let browser: Browser | undefined;
      try {
        browser = await launchChromium(path.dirname(require.resolve(runtimeName)));
        const base = `http://127.0.0.1:${runtime.port}`;

        // The dashboard: the Output switches follow the instruments (the demo switches both on).
        await browser.navigate(`${base}/dashboard/bench`);
        await browser.waitFor(
          `document.querySelectorAll('.nrdb-ui-switch input[type=checkbox]').length === 2`,
          'the two Output switches',
          20000,
        );
        await browser.waitFor(
          `[...document.querySelectorAll('.nrdb-ui-switch input[type=checkbox]')].every(i => i.checked)`,
          'both Output switches ON (the demo turns both outputs on)',
          20000,
        );

        // The editor: import every other example beside the deployed demo.
        await browser.navigate(`${base}/`);
        await browser.waitFor(
          `window.RED && RED.nodes && RED.nodes.filterNodes({type:'keithley-supply'}).length === 1 && RED.view`,
          'the editor with the demo',
          30000,
        );
        for (const file of fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json') && f !== 'demo.json')) {
          const flow = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as { id: string }[];
          const shown = await importThroughDialog(browser, flow);
          assert.doesNotMatch(shown, /already exist/i, `${file}: no conflict prompt`);
          const kept: number = await browser.evaluate<number>(
            `${JSON.stringify(flow.map((n) => n.id))}.filter(id => RED.nodes.node(id) || RED.nodes.workspace(id)).length`,
          );
          assert.equal(kept, flow.length, `${file}: imported with its own ids, none renamed`);
        }

        // Deploy the lot: no "unused configuration nodes" warning.
        await closeNotifications(browser);
        await browser.evaluate(`($('#red-ui-header-button-deploy').trigger('click'), true)`);
        await browser.waitFor(`!RED.nodes.dirty()`, 'the deploy to finish', 20000);
        await browser.waitFor(`$('.red-ui-notification').length`, 'the deploy notification');
        const shown: string = await browser.evaluate<string>(`$('.red-ui-notification').text()`);
        assert.match(shown, /Successfully deployed/);
        assert.doesNotMatch(shown, /unused configuration nodes/i);
        assert.deepEqual(browser.problems, []);
      } finally {
        await browser?.close();
        await runtime.stop();
        fs.rmSync(userDir, { recursive: true, force: true });
      }
    },
  );
}
