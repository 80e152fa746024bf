/**
 * What the package costs a Node-RED that has it installed but runs no labbench node: the flow
 * nodes check their configuration at deploy, so the Watlow, Keithley and Modbus codecs and the
 * core load with the package; the simulators, the transports behind the opener table (serial,
 * TCP, USB, VXI-11, HiSLIP, ASRL) and the VISA sessions must wait until a flow or an editor
 * request uses them. A real Node-RED 4.1 in its own process (the footprint bench's child, bounded in
 * time) starts an empty flow and reports the package modules it loaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFootprintChild } from '../../bench/footprint';

/** Modules an empty flow must not load (paths relative to dist/). */
const LOADED_ON_FIRST_USE: { what: string; pattern: RegExp }[] = [
  { what: 'simulator', pattern: /^src\/sim\// },
  {
    what: 'transport behind the opener table',
    pattern:
      /^src\/transport\/(?:serial|tcp|tcp-stream|usb-backend|usbtmc|usbtmc-claim|vxi11|vxi11-rpc|hislip|hislip-channel|asrl|sim-link)\.js$/,
  },
  {
    what: 'VISA session or discovery module',
    pattern: /^src\/visa\/(?:session|open|discovery[\w-]*|scpi-program|blocks)\.js$/,
  },
];

test('an empty flow loads the package without its simulators, transports or VISA sessions', async () => {
  const { moduleFiles } = await runFootprintChild({
    label: 'lazy-load',
    flows: [],
    withPackage: true,
    settleMs: 200,
  });
  assert.ok(
    moduleFiles.some((f) => f.startsWith('nodes/')),
    'the package was loaded (its node modules are in require.cache)',
  );
  for (const { what, pattern } of LOADED_ON_FIRST_USE) {
    assert.deepEqual(
      moduleFiles.filter((f) => pattern.test(f)),
      [],
      `no ${what} loads before a flow uses it`,
    );
  }
});
