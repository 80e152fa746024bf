/**
 * The template engine (scpi-template.ts) as a browser script, so the `scpi` node's editor
 * validates with the very code the runtime uses. The compiled module has no imports; wrapped in
 * a function that receives `exports`, it defines `window.<globalName>` with the same functions
 * (parseScpiTemplate, formatScpiTemplate, checkRawCommand, …). Serve the string from an admin
 * endpoint and load it with a <script> tag.
 */
import { readFileSync } from 'fs';

let cached: string | undefined;

export function scpiTemplateBrowserScript(globalName = 'LabbenchScpiTemplate'): string {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(globalName))
    throw new Error(`Not a JavaScript identifier: ${globalName}`);
  cached ??= readFileSync(require.resolve('./scpi-template'), 'utf8');
  return `(function (exports) {\n${cached}\n})(window.${globalName} = {});\n`;
}
