'use strict';
// Node-RED settings for `npm start`: loopback only, userdir inside the checkout (git-ignored),
// this package loaded straight from the checkout, the demo flow as the initial flow file.
const path = require('path');
const fs = require('fs');

const root = path.resolve(__dirname, '..');
const nodesDir = [root];
// The demo's charts use FlowFuse Dashboard 2 when it is installed (it is a devDependency only).
const dashboard = path.join(root, 'node_modules', '@flowfuse', 'node-red-dashboard');
if (fs.existsSync(dashboard)) nodesDir.push(dashboard);

module.exports = {
  uiHost: process.env.LABBENCH_HOST || '127.0.0.1',
  uiPort: Number(process.env.PORT || 1880),
  userDir: path.join(root, '.node-red'),
  flowFile: 'flows.json',
  credentialSecret: false,
  nodesDir,
  editorTheme: {
    palette: { catalogues: [] },
    tours: false,
  },
  diagnostics: { enabled: false },
  telemetry: { enabled: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  functionExternalModules: false,
};
