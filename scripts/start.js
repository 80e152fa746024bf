'use strict';
// `npm start`: Node-RED 4.1 on 127.0.0.1:1880 with this package and the demo flow on simulators.
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const root = path.resolve(__dirname, '..');
const userDir = path.join(root, '.node-red');
const flowFile = path.join(userDir, 'flows.json');
const demo = path.join(root, 'examples', 'demo.json');

fs.mkdirSync(userDir, { recursive: true });
// First start (or LABBENCH_RESET_DEMO=1): deploy the demo. Later starts keep the user's edits.
if ((!fs.existsSync(flowFile) || process.env.LABBENCH_RESET_DEMO === '1') && fs.existsSync(demo)) {
  fs.copyFileSync(demo, flowFile);
  console.log(
    `labbench: deployed the demo flow (${path.relative(root, demo)}) into ${path.relative(root, flowFile)}`,
  );
}

const redJs = require.resolve('node-red/red.js');
const child = spawn(
  process.execPath,
  [redJs, '--settings', path.join(__dirname, 'node-red-settings.js'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code === null ? (signal ? 1 : 0) : code));
