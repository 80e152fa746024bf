/**
 * Runtime texts (node statuses) from the package's message catalogues, through `RED._` as Node-RED
 * core nodes do, so a runtime started with another language (`lang` setting) shows its statuses in
 * that language.
 *
 * Node-RED registers one catalogue per node file, `locales/<lang>/<file>.json`, under the
 * namespace `node-red-contrib-labbench/<file>`; each of our catalogues nests its keys under the node
 * type (= file name). Texts that every node shows (idle, opening…, the short reason per error code)
 * live once, in the `common` section of the labbench-serial-port catalogue: that file is the
 * package's first node set, so every runtime that loads the package has it.
 *
 * When `RED._` gives the key back (no catalogue registered: node-red-node-test-helper's `RED._`
 * is the identity, or the node set is disabled), the en-US catalogue shipped beside this file is
 * read directly, so a status never shows a raw key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type TextVars = Record<string, string | number>;
export type Translate = (key: string, vars?: TextVars) => string;

const MODULE = 'node-red-contrib-labbench';
/** The catalogue holding the `common` section (see above). */
export const COMMON_CATALOGUE = 'labbench-serial-port';
const FALLBACK_LANG = 'en-US';

type Catalogue = Record<string, unknown>;
const fallbackCache = new Map<string, Catalogue>();

function fallbackCatalogue(file: string): Catalogue {
  let cat = fallbackCache.get(file);
  if (!cat) {
    try {
      const p = path.join(__dirname, '..', 'locales', FALLBACK_LANG, `${file}.json`);
      cat = JSON.parse(fs.readFileSync(p, 'utf8')) as Catalogue;
    } catch {
      cat = {};
    }
    fallbackCache.set(file, cat);
  }
  return cat;
}

function lookup(cat: Catalogue, key: string): string | undefined {
  let at: unknown = cat;
  for (const part of key.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return typeof at === 'string' ? at : undefined;
}

/** Node-RED's interpolation syntax: `__name__`. */
function interpolate(text: string, vars: TextVars | undefined): string {
  if (!vars) return text;
  return text.replace(/__(\w+)__/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

/** Where a key lives: `common.*` in the shared catalogue, anything else under the node's type. */
function locate(type: string, key: string): { file: string; path: string } {
  return key.startsWith('common.')
    ? { file: COMMON_CATALOGUE, path: key }
    : { file: type, path: `${type}.${key}` };
}

/** The en-US text of a key, read from the shipped catalogue (tests, fallbacks). */
export function englishText(type: string, key: string, vars?: TextVars): string {
  const where = locate(type, key);
  const text = lookup(fallbackCatalogue(where.file), where.path);
  return text === undefined ? key : interpolate(text, vars);
}

/** Same as `englishText` for the common keys only (no node type at hand). */
export const englishCommon: Translate = (key, vars) => englishText(COMMON_CATALOGUE, key, vars);

interface HasTranslate {
  _?: (key: string, vars?: TextVars) => string;
}

/**
 * The translator of one node type: `t('status.skipped')` is `<type>.status.skipped` in that type's
 * catalogue, `t('common.status.idle')` the shared text.
 */
export function translator(RED: HasTranslate, type: string): Translate {
  return (key, vars) => {
    const where = locate(type, key);
    const full = `${MODULE}/${where.file}:${where.path}`;
    let text: string | undefined;
    try {
      text = typeof RED._ === 'function' ? RED._(full, vars) : undefined;
    } catch {
      text = undefined;
    }
    if (typeof text === 'string' && text !== '' && text !== full && text !== where.path) return text;
    return englishText(type, key, vars);
  };
}

/** `key_one` for 1, `key_other` otherwise (English and German plural rules), with `__count__`. */
export function plural(t: Translate, key: string, count: number, vars: TextVars = {}): string {
  return t(`${key}_${count === 1 ? 'one' : 'other'}`, { ...vars, count });
}
