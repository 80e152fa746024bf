'use strict';
// Node-RED loads each node's .html from beside its built .js, icons from an icons/ folder beside
// it, and message catalogues from locales/<lang>/. tsc only emits .js, so this copies the rest.
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const outNodes = path.join(root, 'dist', 'nodes');

function copyDir(from, to, filter) {
  if (!fs.existsSync(from)) return;
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(src, dst, filter);
    else if (!filter || filter(entry.name)) fs.copyFileSync(src, dst);
  }
}

fs.mkdirSync(outNodes, { recursive: true });
for (const name of fs.readdirSync(path.join(root, 'nodes'))) {
  if (name.endsWith('.html')) fs.copyFileSync(path.join(root, 'nodes', name), path.join(outNodes, name));
}
copyDir(path.join(root, 'nodes', 'locales'), path.join(outNodes, 'locales'));
copyDir(path.join(root, 'icons'), path.join(outNodes, 'icons'));
// The CLI is run as a bin: make sure it is executable.
const cli = path.join(root, 'dist', 'src', 'sim', 'cli.js');
if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
// The configuration rules for the editor's dialogs, bundled from the compiled src/config.
require('./build-editor-rules').build();
