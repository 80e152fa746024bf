// @ts-check
/**
 * `labbench/layers`: the package's layering, checked on every import (static, dynamic, re-export).
 * The import is resolved against the importing file, so the rule does not depend on how many `../`
 * a path has. The layers, bottom up:
 *
 *   src/core      ← imports nothing of the package above it
 *   src/transport ← core only (never visa, watlow, keithley, modbus, sim)
 *   src/{modbus,visa,watlow,keithley}, src/index.ts ← product code: never src/sim, never nodes/
 *   src/sim       ← simulators: may use every library layer (they are a backend callers install)
 *   nodes/        ← the Node-RED adapter: src only through entry points (src/index, src/<layer>/index)
 *
 * and nothing in src/ imports node-red. See docs/design.md ("Layers").
 */
import * as path from 'node:path';

import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Repository-relative path of a file or import target, with forward slashes. */
function rel(absolute) {
  return path.relative(ROOT, absolute).split(path.sep).join('/');
}

/** `src/transport/serial` → 'transport'; `src/index` → ''; anything outside src → undefined. */
function srcLayer(relPath) {
  if (relPath === 'src' || relPath === 'src/index' || relPath === 'src/index.ts') return '';
  const m = /^src\/([^/]+)/.exec(relPath);
  if (!m) return undefined;
  return m[1].replace(/\.ts$/, '');
}

const TRANSPORT_FORBIDDEN = new Set(['visa', 'watlow', 'keithley', 'modbus', 'sim']);

/** Why `target` may not be imported from `file`, or undefined when it may. */
export function layerViolation(file, source) {
  const from = rel(file);
  const isSrc = from.startsWith('src/');
  const isNodes = from.startsWith('nodes/');
  if (!isSrc && !isNodes) return undefined;

  if (!source.startsWith('.')) {
    if (isSrc && (source === 'node-red' || source.startsWith('@node-red/'))) {
      return 'src/ knows nothing of Node-RED: do not import node-red here (put Node-RED code in nodes/).';
    }
    return undefined;
  }
  const target = rel(path.resolve(path.dirname(file), source)).replace(/\.(js|ts)$/, '');
  const fromLayer = srcLayer(from);
  const toLayer = srcLayer(target);

  if (isSrc) {
    if (target === 'nodes' || target.startsWith('nodes/')) {
      return 'src/ never imports nodes/: the library knows nothing of the Node-RED adapter.';
    }
    if (toLayer === undefined || toLayer === fromLayer) return undefined;
    if (fromLayer === 'core') {
      return `src/core imports nothing above it (this imports src/${toLayer}).`;
    }
    if (fromLayer === 'transport' && TRANSPORT_FORBIDDEN.has(toLayer)) {
      return `src/transport never imports src/${toLayer}: move what it needs down into src/transport or src/core.`;
    }
    if (fromLayer !== 'sim' && toLayer === 'sim') {
      return 'Product code never imports src/sim: simulators are a backend the caller installs (pass an opener table).';
    }
    return undefined;
  }

  // nodes/: src only through its entry points.
  if (toLayer === undefined) return undefined;
  const entry = target === 'src' || target === 'src/index' || /^src\/[^/]+(\/index)?$/.test(target);
  if (!entry) {
    return `nodes/ imports src only through its entry points (src or src/<layer>), not "${source}".`;
  }
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the package layers (src/core → transport → product; sim; nodes adapter).' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const check = (node, sourceNode) => {
      if (!sourceNode || sourceNode.type !== 'Literal' || typeof sourceNode.value !== 'string') return;
      const why = layerViolation(file, sourceNode.value);
      if (why) context.report({ node, message: why });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    };
  },
};

export default { rules: { layers: layersRule } };
