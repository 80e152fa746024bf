/**
 * Every catalogue parameter read (and written where writable) through the whole client stack —
 * registry lease → line → sim link → simulator — over Std Bus and over Modbus (both maps, both
 * word orders).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PARAMETERS } from '../../src/watlow/catalogue';
import { registerOf } from '../../src/watlow/modbus/registers';
import type { WordOrder } from '../../src/watlow/types';
import { addUncataloguedU8, codeOf, otherValue, withBench } from './helpers';

/** Parameters whose write changes how the bus talks; written and then restored. */
const RESTORE_AFTER_WRITE = new Set(['modbusWordOrder']);

test('Std Bus: every catalogue parameter reads, and every writable one writes and verifies', async () => {
  await withBench(undefined, async (b) => {
    const oven = b.add('oven');
    for (const spec of PARAMETERS) {
      const reading = await oven.read(spec.name);
      assert.equal(reading.parameter, spec.name);
      assert.equal(reading.parameterId, spec.id);
      assert.equal(reading.type, spec.type, `${spec.name}: type from the reply tag`);
      assert.equal(reading.protocol, 'stdbus');
      if (spec.enumCodes) {
        assert.equal(typeof reading.raw, 'number');
        assert.equal(
          reading.value,
          Object.entries(spec.enumCodes).find(([, c]) => c === reading.raw)?.[0],
          `${spec.name} enum name`,
        );
      }
      if (!spec.writable) continue;
      const wanted = otherValue(spec, reading.raw);
      const written = await oven.write(spec.name, wanted);
      assert.equal(written.raw, wanted, `${spec.name} reads back what was written`);
      assert.equal((await oven.read(spec.id)).raw, wanted, `${spec.name} by ID`);
    }
  });
});

for (const [map, wordOrder] of [
  [1, 'lowHigh'],
  [1, 'highLow'],
  [2, 'lowHigh'],
] as [1 | 2, WordOrder][]) {
  test(`Modbus map ${map} ${wordOrder}: every reachable parameter reads and writes; the rest are refused before I/O`, async () => {
    await withBench({ addresses: [7], controller: { modbusMap: map, wordOrder } }, async (b) => {
      const oven = b.add('oven', { protocol: 'modbus', address: 7, map, wordOrder, coalesce: false });
      const sim = b.bus.controller(7);
      for (const spec of PARAMETERS) {
        const location = registerOf(spec, 1, map);
        if (!location) {
          const before = b.bus.transactionCount;
          await assert.rejects(oven.read(spec.name), (err) => codeOf(err) === 'E_UNSUPPORTED', spec.name);
          if (spec.writable)
            await assert.rejects(
              oven.write(spec.name, otherValue(spec, 0)),
              (err) => codeOf(err) === 'E_UNSUPPORTED',
            );
          assert.equal(b.bus.transactionCount, before, `${spec.name}: nothing sent`);
          continue;
        }
        const reading = await oven.read(spec.name);
        assert.equal(reading.protocol, 'modbus');
        const direct = sim.read(spec.id, 1);
        assert.ok(direct.ok);
        if (spec.type === 'float') {
          // Computed values (PV, powers) may move between the two reads; stored ones must match exactly.
          assert.equal(typeof reading.raw, 'number');
        } else if (!['tickCounter'].includes(spec.name)) {
          assert.equal(reading.raw, direct.value, spec.name);
        }
        if (!spec.writable) continue;
        const wanted = otherValue(spec, reading.raw);
        const written = await oven.write(spec.name, wanted);
        assert.equal(written.raw, wanted, spec.name);
        assert.equal(
          sim.read(spec.id, 1).ok && sim.read(spec.id, 1).ok
            ? (sim.read(spec.id, 1) as { value: unknown }).value
            : undefined,
          wanted,
        );
        if (RESTORE_AFTER_WRITE.has(spec.name)) await oven.write(spec.name, reading.raw);
      }
      // Stored floats cross the wire exactly in the configured word order.
      sim.set('setPoint', 392.0);
      assert.equal((await oven.read('setPoint')).value, 392);
    });
  });
}

test('Modbus: the word order of the client must match the device (the symptom of a mismatched word order)', async () => {
  await withBench({ addresses: [1], controller: { wordOrder: 'highLow' } }, async (b) => {
    b.bus.controller(1).set('setPoint', 72.5);
    const wrong = b.add('wrong', { protocol: 'modbus', wordOrder: 'lowHigh' });
    const value = (await wrong.read('setPoint')).value as number;
    assert.ok(Math.abs(value) < 1e-30 || Math.abs(value) > 1e30, `absurd value ${value}`);
    await b.manager.remove('wrong');
    const right = b.add('right', { protocol: 'modbus', wordOrder: 'highLow' });
    assert.equal((await right.read('setPoint')).value, 72.5);
  });
});

test('Std Bus: a parameter ID outside the catalogue is readable (type learned) and writable', async () => {
  await withBench(undefined, async (b) => {
    const oven = b.add('oven');
    // 4042 is not in the catalogue and not in the simulator: the device says 0x83.
    await assert.rejects(
      oven.read(4042),
      (err) => codeOf(err) === 'E_DEVICE_ERROR' && (err as { deviceCode: number }).deviceCode === 0x83,
    );
    // Simulate a device that has it: patch the simulator's lookup for one unknown ID.
    addUncataloguedU8(b.bus.controller(1), 3002, 7);
    const reading = await oven.read('3002');
    assert.deepEqual([reading.parameter, reading.type, reading.value, reading.units], ['3002', 'u8', 7, '']);
    const written = await oven.write(3002, 3);
    assert.equal(written.value, 3);
    await assert.rejects(
      oven.write(3002, 300),
      (err) => codeOf(err) === 'E_OUT_OF_RANGE',
      'u8 range from the learned type',
    );
  });
});
