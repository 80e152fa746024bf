/**
 * The editor's rules as the dialogs get them: the built resources/labbench-rules.js, run in a
 * fresh context the way a browser page runs it (it defines `window.LabbenchRules`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { editorChecks } from '../../src/config';

export const RULES_FILE = path.resolve(__dirname, '..', '..', '..', 'resources', 'labbench-rules.js');

export type EditorRules = typeof editorChecks;

export function loadEditorRules(): EditorRules {
  const window: { LabbenchRules?: EditorRules } = {};
  // A page has the WHATWG URL classes (the rules parse `sim:` options and IPv6 hosts with them);
  // nothing of Node is there.
  vm.runInNewContext(fs.readFileSync(RULES_FILE, 'utf8'), { window, URL, URLSearchParams });
  if (!window.LabbenchRules) throw new Error(`${RULES_FILE} did not define LabbenchRules`);
  return window.LabbenchRules;
}

/** What the runtime says about `fn`: `true` when it accepts, else its error message. */
export function runtimeVerdict(fn: () => unknown): true | string {
  try {
    fn();
    return true;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * For generated values as a dialog may hold them, the dialog's check (`editor`, from the bundle)
 * gives exactly the runtime's verdict: accepted by both, or refused by both with the same message.
 */
export function assertSameVerdicts<T>(
  values: fc.Arbitrary<T>,
  editor: (value: T) => true | string,
  runtime: (value: T) => unknown,
  numRuns = 2000,
): void {
  fc.assert(
    fc.property(values, (value) => {
      assert.equal(
        editor(value),
        runtimeVerdict(() => runtime(value)),
        JSON.stringify(value),
      );
    }),
    { numRuns },
  );
}
