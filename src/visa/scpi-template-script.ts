/**
 * The template engine (scpi-template.ts with its syntax and format modules) as one browser
 * script, so the `scpi` node's editor validates with the very code the runtime uses. The compiled
 * modules import nothing but each other; each is wrapped in a function that receives `exports`
 * and a `require` that knows only them, and the script defines `window.<globalName>` with the
 * engine's exports (parseScpiTemplate, formatScpiTemplate, checkRawCommand, …). Serve the string
 * from an admin endpoint and load it with a <script> tag.
 */
import { readFileSync } from 'fs';

/** The engine's modules; `./scpi-template` is the entry point that re-exports the others. */
const MODULES = ['./scpi-template-syntax', './scpi-template-format', './scpi-template'] as const;

let cached: string | undefined;

function bundle(): string {
  const definitions = MODULES.map(
    (name) =>
      `${JSON.stringify(name)}: function (exports, require) {\n${readFileSync(require.resolve(name), 'utf8')}\n}`,
  );
  return [
    `var modules = {\n${definitions.join(',\n')}\n};`,
    'var loaded = {};',
    'function load(name) {',
    '  if (!loaded[name]) {',
    "    if (!modules[name]) throw new Error('scpi template engine: no module ' + name);",
    '    loaded[name] = {};',
    '    modules[name](loaded[name], load);',
    '  }',
    '  return loaded[name];',
    '}',
    "Object.assign(exports, load('./scpi-template'));",
  ].join('\n');
}

export function scpiTemplateBrowserScript(globalName = 'LabbenchScpiTemplate'): string {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(globalName))
    throw new Error(`Not a JavaScript identifier: ${globalName}`);
  cached ??= bundle();
  return `(function (exports) {\n${cached}\n})(window.${globalName} = {});\n`;
}
