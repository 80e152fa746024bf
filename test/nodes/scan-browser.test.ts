/**
 * Bus scan from the editor, end to end: Node-RED 4.1 with the package installed in its user
 * directory (test/support/node-red-runtime.ts), the real editor in headless Chromium. The serial port's edit dialog scans a simulated bus (two controllers, one
 * power meter); the dialog shows progress while the scan runs, then exactly the controllers, and
 * its "create config node" buttons add labbench-watlow config nodes on that port.
 * Needs /usr/bin/chromium; under CI=true a missing browser is a failure, elsewhere a skip.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { CHROMIUM, launchChromium, type Browser } from '../support/chromium';
import { startNodeRed, tempUserDir } from '../support/node-red-runtime';

const PORT_ID = 'a5c0b1e2d3f40001';
const WATLOW_ID = 'a5c0b1e2d3f40002';
/** Controllers at Std Bus / Modbus addresses 2 and 5, a generic Modbus device (a power meter) at 7. */
const BUS = `sim:scan-browser-${process.pid}?addresses=2,5&modbus=7`;

const available = fs.existsSync(CHROMIUM);

it(
  'bus scan in the serial-port dialog: progress, exactly the controllers, config nodes created',
  { skip: available || process.env.CI === 'true' ? false : `no Chromium at ${CHROMIUM}` },
  async () => {
    assert.ok(
      available,
      `no Chromium at ${CHROMIUM}: under CI this test must run (apt-get install -y chromium)`,
    );
    const flows = [
      { id: 'a5c0b1e2d3f40000', type: 'tab', label: 'scan' },
      {
        id: PORT_ID,
        type: 'labbench-serial-port',
        name: 'scanned bus',
        path: BUS,
        baudRate: 38400,
        timeout: 200,
      },
      { id: WATLOW_ID, type: 'labbench-watlow', name: 'oven', port: PORT_ID, protocol: 'stdbus', address: 2 },
    ];
    const userDir = tempUserDir('scan-browser', flows);
    const runtime = await startNodeRed({ runtime: 'node-red', userDir });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium(path.dirname(require.resolve('node-red')));
      await browser.navigate(`http://127.0.0.1:${runtime.port}/`);
      await browser.waitFor(
        `window.RED && RED.nodes && RED.nodes.node('${PORT_ID}') && RED.view && window.LabbenchEditor`,
        'the editor with the serial port',
        30_000,
      );
      await browser.evaluate(`(RED.editor.editConfig('', 'labbench-serial-port', '${PORT_ID}'), true)`);
      await browser.waitFor(`$('.labbench-scan-start:visible').length === 1`, 'the Scan panel of the dialog');

      // A short reply timeout keeps the silent addresses quick; Modbus 1…8 covers the meter at 7.
      // Every text the status line shows is recorded, so the progress lines are seen however fast.
      await browser.evaluate(`(() => {
        $('#node-config-input-timeout').val('200');
        $('.labbench-scan-from').val('1');
        $('.labbench-scan-to').val('8');
        window.scanStatusSeen = [];
        const status = $('.labbench-scan-status')[0];
        new MutationObserver(() => window.scanStatusSeen.push(status.textContent)).observe(status, {
          childList: true, characterData: true, subtree: true,
        });
        $('.labbench-scan-start').trigger('click');
        return true;
      })()`);
      await browser.waitFor(`/^done:/.test($('.labbench-scan-status').text())`, 'the scan to finish', 60_000);

      const seen = await browser.evaluate<string[]>('window.scanStatusSeen');
      assert.ok(
        seen.some((s) => /^\d+ of 24 addresses probed, \d+ found$/.test(s)),
        `progress was shown while the scan ran: ${JSON.stringify(seen)}`,
      );
      assert.equal(seen.at(-1), 'done: 4 controller(s) found, 1 other device(s)');
      const found = await browser.evaluate<string[]>(
        `$('.labbench-scan-found li').map((i, li) => $(li).text()).get()`,
      );
      assert.deepEqual(
        found.map((text) => /^(Std Bus|Modbus) (\d+)/.exec(text)?.slice(1).join(' ')),
        ['Std Bus 2', 'Std Bus 5', 'Modbus 2', 'Modbus 5'],
        `exactly the simulated controllers: ${JSON.stringify(found)}`,
      );
      assert.ok(
        found.every((text) => / · S\/N \S+/.test(text) && / · FW /.test(text)),
        `each identified: ${JSON.stringify(found)}`,
      );

      // Create the config nodes of the two Std Bus controllers from the list.
      await browser.evaluate(
        `($('.labbench-scan-found li').slice(0, 2).find('.labbench-scan-create').trigger('click'), true)`,
      );
      const created = await browser.evaluate<
        { port: string; address: number; protocol: string; name: string }[]
      >(
        `(() => { const out = []; RED.nodes.eachConfig((n) => { if (n.type === 'labbench-watlow' && n.id !== '${WATLOW_ID}') out.push({ port: n.port, address: n.address, protocol: n.protocol, name: n.name }); }); return out; })()`,
      );
      assert.deepEqual(
        created.sort((a, b) => a.address - b.address),
        [
          { port: PORT_ID, address: 2, protocol: 'stdbus', name: 'Watlow 2' },
          { port: PORT_ID, address: 5, protocol: 'stdbus', name: 'Watlow 5' },
        ],
      );
      const shown = await browser.evaluate<string>(`$('.labbench-scan-found').text()`);
      assert.match(shown, /created Watlow 2/);
      assert.match(shown, /created Watlow 5/);
      assert.equal(
        await browser.evaluate<boolean>('RED.nodes.dirty()'),
        true,
        'the flow is changed (to deploy)',
      );

      // The same panel in a Watlow controller's dialog scans that controller's port.
      await browser.evaluate(
        `($('#node-config-dialog-cancel').filter(':visible').last().trigger('click'), true)`,
      );
      await browser.waitFor(`$('.red-ui-tray:visible').length === 0`, 'the serial-port dialog closed');
      await browser.evaluate(`(RED.editor.editConfig('', 'labbench-watlow', '${WATLOW_ID}'), true)`);
      await browser.waitFor(
        `$('#labbench-watlow-scan .labbench-scan-start:visible').length === 1`,
        'the Scan panel of the Watlow dialog',
      );
      await browser.evaluate(`(() => {
        $('#labbench-watlow-scan .labbench-scan-from').val('1');
        $('#labbench-watlow-scan .labbench-scan-to').val('3');
        $('#labbench-watlow-scan .labbench-scan-start').trigger('click');
        return true;
      })()`);
      await browser.waitFor(
        `/^done:/.test($('#labbench-watlow-scan .labbench-scan-status').text())`,
        'the scan from the Watlow dialog to finish',
        60_000,
      );
      assert.equal(
        await browser.evaluate<string>(`$('#labbench-watlow-scan .labbench-scan-status').text()`),
        'done: 3 controller(s) found, 0 other device(s)',
      );
      const fromWatlow = await browser.evaluate<string[]>(
        `$('#labbench-watlow-scan .labbench-scan-found li').map((i, li) => $(li).text()).get()`,
      );
      assert.deepEqual(
        fromWatlow.map((text) => /^(Std Bus|Modbus) (\d+)/.exec(text)?.slice(1).join(' ')),
        ['Std Bus 2', 'Std Bus 5', 'Modbus 2'],
        `the Watlow dialog scans its port: ${JSON.stringify(fromWatlow)}`,
      );
      assert.deepEqual(browser.problems, []);
    } finally {
      await browser?.close();
      await runtime.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    }
  },
);
