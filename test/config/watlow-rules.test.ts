/**
 * The Watlow flow nodes' dialogs say what the runtime says: watlow-write's parameter (unknown
 * name, ID that cannot be a Watlow ID, read-only parameter) and watlow-poll's parameter list.
 * The dialog's verdicts come from the built bundle (resources/labbench-rules.js); the runtime's
 * from the functions the nodes and the controller call, and, for the write, from a real
 * controller writing to a simulated bus.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PARAMETERS, resolveParameter, validateInstance, type WatlowController } from '../../src/watlow';
import { requireWritable } from '../../src/watlow/parameters';
import { isLabbenchError } from '../../src/core';
import { bench } from '../watlow/helpers';
import { parsePollParameters } from '../../src/config';
import { assertSameVerdicts, loadEditorRules, runtimeVerdict } from './editor-rules';

const rules = loadEditorRules();
const names = PARAMETERS.map((p) => p.name);
const readOnly = PARAMETERS.filter((p) => !p.writable);
const writable = PARAMETERS.filter((p) => p.writable);

/** What a user may type for a parameter: names (any case, padded), IDs, near misses, junk. */
const typedParameter = fc.oneof(
  fc.constantFrom(...names),
  fc.constantFrom(...names).map((n) => ` ${n.toUpperCase()} `),
  fc.constantFrom(...PARAMETERS.map((p) => p.id)),
  fc.constantFrom(...PARAMETERS.map((p) => String(p.id))),
  fc.integer({ min: -10, max: 300_000 }),
  fc.integer({ min: 1000, max: 255_999 }).map(String),
  fc.constantFrom(...names).map((n) => n.slice(0, -1)),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', 'set point', '4001.5', null, undefined, true, {}),
);

describe("watlow-write's parameter in the dialog", () => {
  it('has the verdict and message of the runtime (resolve, then the read-only check)', () => {
    assertSameVerdicts(typedParameter, rules.writeParameter, (typed) =>
      requireWritable(resolveParameter(typeof typed === 'string' ? typed.trim() : typed)),
    );
    for (const spec of readOnly) assert.match(String(rules.writeParameter(spec.name)), /is read-only/);
    for (const spec of writable) assert.equal(rules.writeParameter(spec.name), true, spec.name);
  });

  describe('against a real controller on a simulated bus', () => {
    const b = bench({}, 'editor-write');
    let controller: WatlowController | undefined;
    after(() => b.close());

    /** The refusal of a write, before anything is sent: its code and message. */
    async function refusal(parameter: string | number): Promise<{ code: string; message: string }> {
      controller ??= await b.add('Editor oven');
      try {
        await controller.write(parameter, 70, { verify: false });
      } catch (err) {
        assert.ok(isLabbenchError(err), String(err));
        return { code: err.code, message: err.message };
      }
      assert.fail(`the controller wrote ${String(parameter)}`);
    }

    for (const [typed, code] of [
      ['activeSetPoint', 'E_READ_ONLY'],
      ['processValue', 'E_READ_ONLY'],
      ['setpiont', 'E_INVALID_INPUT'],
      ['99999999', 'E_INVALID_INPUT'],
    ] as const) {
      it(`${typed}: the dialog shows the message the write fails with (${code})`, async () => {
        const shown = rules.writeParameter(typed);
        assert.notEqual(shown, true);
        const runtime = await refusal(typed);
        assert.equal(runtime.code, code);
        // The controller puts its own name in front; the rest is the dialog's text.
        assert.ok(runtime.message.endsWith(`: ${String(shown)}`), `${runtime.message} / ${String(shown)}`);
      });
    }

    it('a writable parameter the dialog accepts is written', async () => {
      assert.equal(rules.writeParameter('setPoint'), true);
      controller ??= await b.add('Editor oven');
      const reading = await controller.write('setPoint', 70);
      assert.equal(reading.value, 70);
    });
  });
});

describe("watlow-poll's parameter list in the dialog", () => {
  const row = fc.record(
    {
      parameter: typedParameter,
      instance: fc.oneof(
        fc.integer({ min: -1, max: 20 }),
        fc.constantFrom('', '2', ' 3 ', 'x', 1.5, undefined, null),
      ),
    },
    { requiredKeys: ['parameter'] },
  );
  const entry = fc.oneof(row, typedParameter);
  const list = fc.oneof(
    fc.array(entry, { maxLength: 5 }),
    fc.array(row, { minLength: 1, maxLength: 4 }),
    fc.constantFrom(undefined, null, 'processValue', {}),
  );

  it('has the verdict and message of the runtime parser', () => {
    assertSameVerdicts(list, rules.pollParameters, parsePollParameters);
  });

  it('names the bad row instead of asking for "at least one parameter"', () => {
    const rows = [
      { parameter: 'processValue', instance: 1 },
      { parameter: 'prcessValue', instance: 1 },
    ];
    const shown = String(rules.pollParameters(rows));
    assert.match(shown, /Unknown Watlow parameter "prcessValue"\. Did you mean "processValue"/);
    assert.doesNotMatch(shown, /at least one/);
    const instance = String(rules.pollParameters([{ parameter: 'setPoint', instance: 3 }]));
    assert.equal(
      instance,
      runtimeVerdict(() => validateInstance(resolveParameter('setPoint'), 3)),
    );
  });
});
