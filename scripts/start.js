'use strict';
// `npm start`: Node-RED 4.1 on 127.0.0.1:1880 with this package and the demo flow on simulators,
// plus the simulated serial device servers the examples expect (see deviceServersOfExamples).
const fs = require('fs');
const path = require('path');
const net = require('net');
const { spawn } = require('child_process');
const { startDeviceServers } = require('./example-device-servers');

const root = path.resolve(__dirname, '..');
const userDir = path.join(root, '.node-red');
const flowFile = path.join(userDir, 'flows.json');
const examples = path.join(root, 'examples');
const demo = path.join(examples, 'demo.json');

const host = process.env.LABBENCH_HOST || '127.0.0.1';
const port = Number(process.env.PORT || 1880);

/** Node-RED's own "port in use" does not say what to do; find out first and say it. */
function checkPortFree() {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', (err) => resolve(err));
    probe.once('listening', () => probe.close(() => resolve(null)));
    probe.listen(port, host);
  });
}

function startNodeRed() {
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
    { stdio: 'inherit', cwd: root },
  );
  const simulators = startDeviceServers({ examples, log: console.log });
  const stopSimulators = () => simulators.forEach((sim) => sim.exitCode === null && sim.kill('SIGTERM'));
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.on(signal, () => {
      stopSimulators();
      child.kill(signal);
    });
  child.on('exit', (code, signal) => {
    stopSimulators();
    process.exit(code === null ? (signal ? 1 : 0) : code);
  });
}

checkPortFree().then((err) => {
  if (!err) return startNodeRed();
  if (err.code === 'EADDRINUSE') {
    console.error(
      `labbench: port ${port} on ${host} is in use (another Node-RED, or an earlier \`npm start\`).\n` +
        `Stop that one, or choose another port: PORT=${port === 1880 ? 1881 : port + 1} npm start`,
    );
  } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
    console.error(
      `labbench: cannot listen on ${host}: it is not an address of this machine. ` +
        `Set LABBENCH_HOST to one that is (default 127.0.0.1), e.g. LABBENCH_HOST=127.0.0.1 npm start`,
    );
  } else if (err.code === 'EACCES') {
    console.error(
      `labbench: not allowed to listen on port ${port}; choose one above 1023, e.g. PORT=1880 npm start`,
    );
  } else {
    console.error(`labbench: cannot listen on ${host}:${port}: ${err.message}`);
  }
  process.exit(1);
});
