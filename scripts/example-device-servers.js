'use strict';
// The simulated serial device servers the examples reach (`tcp://127.0.0.1:<port>` ports), started
// by `npm start` so that an imported example answers at once.
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const SIM_CLI = path.resolve(__dirname, '..', 'dist', 'src', 'sim', 'cli.js');

/**
 * Every `tcp://127.0.0.1:<port>` serial port of the examples in `examples`, with the addresses of
 * the Watlow controllers on it: `Map<"127.0.0.1:4001", { file, addresses }>`. The example files
 * are the one place that says which (their info tells a user to run the same command).
 */
function deviceServersOfExamples(examples) {
  const servers = new Map();
  for (const file of fs.readdirSync(examples).filter((f) => f.endsWith('.json'))) {
    const flow = JSON.parse(fs.readFileSync(path.join(examples, file), 'utf8'));
    for (const port of flow.filter((n) => n.type === 'labbench-serial-port')) {
      const m = /^tcp:\/\/(127\.0\.0\.1:\d{1,5})$/.exec(String(port.path));
      if (!m) continue;
      const addresses = flow
        .filter((n) => n.type === 'labbench-watlow' && n.port === port.id)
        .map((n) => Number(n.address));
      servers.set(m[1], { file, addresses: addresses.length > 0 ? addresses : [1] });
    }
  }
  return servers;
}

/** The command a user runs for one device server (the examples' info says the same). */
function simulatorArgs(listen, addresses) {
  return ['watlow', '--tcp', listen, '--addresses', addresses.join(',')];
}

/**
 * Starts one `labbench-sim watlow --tcp` child per device server of the examples and returns the
 * children. One that cannot start (its port taken, say by a simulator started by hand) is
 * reported through `log` and left out: Node-RED starts all the same. `listenOn` may move a server
 * to another address (tests use port 0).
 */
function startDeviceServers({ examples, log, listenOn = (listen) => listen }) {
  const children = [];
  for (const [configured, { file, addresses }] of deviceServersOfExamples(examples)) {
    const listen = listenOn(configured);
    const child = spawn(process.execPath, [SIM_CLI, ...simulatorArgs(listen, addresses)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const say = (chunk) => {
      for (const line of String(chunk).split('\n').filter(Boolean))
        log(`labbench: device server for examples/${file}: ${line}`);
    };
    child.stdout.on('data', say);
    child.stderr.on('data', say);
    child.on('exit', (code) => {
      if (code)
        log(
          `labbench: the device server on ${listen} for examples/${file} did not start (exit ${code}); ` +
            `start it by hand: npx labbench-sim ${simulatorArgs(listen, addresses).join(' ')}`,
        );
    });
    children.push(child);
  }
  return children;
}

module.exports = { deviceServersOfExamples, simulatorArgs, startDeviceServers };
