/** Sharing rule 6 (docs/design.md): while one role is monitored, the other role fails fast with E_ROLE_CONFLICT. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LabbenchError } from '../../src/core/errors';
import { RoleGuard } from '../../src/core/roles';
import { fixture } from '../support/registry-fixture';

const SUPPLY_MON = { id: 'n1', name: 'keithley-supply "PSU monitor"' };
const BATTERY_MON = { id: 'n2', name: 'keithley-battery "Cell sim"' };
const WHY = 'The 2281S cannot be a supply and a battery simulator at the same time.';

describe('role guard', () => {
  test('the other role fails with E_ROLE_CONFLICT naming the monitor, both roles and the instrument', () => {
    const guard = new RoleGuard('USB0::0x05E6::0x2281::4518305::0::INSTR');
    guard.startMonitor('supply', SUPPLY_MON, WHY);
    for (const attempt of [
      () => guard.check('battery', 'keithley-battery "Cell sim"', WHY),
      () => guard.startMonitor('battery', BATTERY_MON, WHY),
    ]) {
      assert.throws(attempt, (err: unknown) => {
        assert.ok(err instanceof LabbenchError);
        assert.equal(err.code, 'E_ROLE_CONFLICT');
        assert.equal(err.name, 'RoleConflictError');
        assert.match(err.message, /keithley-supply "PSU monitor" is monitoring it as a supply/);
        assert.match(err.message, /as a battery/);
        assert.match(err.message, /cannot be a supply and a battery simulator at the same time/);
        assert.match(err.message, /USB0::0x05E6::0x2281::4518305::0::INSTR/);
        return true;
      });
    }
    assert.deepEqual(
      guard.active(),
      [{ role: 'supply', holder: SUPPLY_MON }],
      'the refused monitor was not added',
    );
  });

  test('the same role is fine, alongside the monitor', () => {
    const guard = new RoleGuard('x');
    guard.startMonitor('supply', SUPPLY_MON);
    guard.check('supply', 'keithley-supply "Set 5 V"');
    const stop2 = guard.startMonitor('supply', { id: 'n3', name: 'second supply monitor' });
    assert.equal(guard.active().length, 2);
    stop2();
  });

  test('after the monitor stops, the other role is fine; stop is idempotent', () => {
    const guard = new RoleGuard('x');
    const stop = guard.startMonitor('supply', SUPPLY_MON);
    assert.throws(() => guard.check('battery', 'b'), { code: 'E_ROLE_CONFLICT' });
    stop();
    stop();
    guard.check('battery', 'b');
    const stopBattery = guard.startMonitor('battery', BATTERY_MON);
    assert.throws(() => guard.check('supply', 'a'), { code: 'E_ROLE_CONFLICT', message: /Cell sim/ });
    stopBattery();
    assert.deepEqual(guard.active(), []);
  });

  test('with two monitors in one role, stopping one still blocks the other role', () => {
    const guard = new RoleGuard('x');
    const stopA = guard.startMonitor('supply', SUPPLY_MON);
    const stopB = guard.startMonitor('supply', { id: 'n3', name: 'other supply monitor' });
    stopA();
    assert.throws(() => guard.check('battery', 'b'), {
      code: 'E_ROLE_CONFLICT',
      message: /other supply monitor/,
    });
    stopB();
    guard.check('battery', 'b');
  });

  test('two spellings of one instrument share one role guard (through the registry)', () => {
    const f = fixture();
    const supply = f.registry.acquire(f.spec('supply node'));
    const battery = f.registry.acquire(f.spec('battery node'));
    assert.ok(supply.sharesResourceWith(battery));
    supply.roles.startMonitor('supply', SUPPLY_MON);
    assert.throws(() => battery.roles.check('battery', 'battery node'), { code: 'E_ROLE_CONFLICT' });
  });
});
