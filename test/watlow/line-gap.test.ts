/**
 * The inter-frame silence is a protocol minimum (Modbus RTU t3.5 = 1.75 ms above 19200 baud; the
 * Std Bus recommendation of 2 ms): the client must never start a request before it has passed.
 * Measured on the simulator's own monotonic event clock, between the end of one reply and the
 * arrival of the next request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultInterFrameGapMs } from '../../src/watlow/line';
import type { WatlowProtocol } from '../../src/watlow/types';
import { bench } from './helpers';

test('default gaps follow the protocol and baud rate', () => {
  assert.equal(defaultInterFrameGapMs('modbus', 38400), 1.75);
  assert.equal(defaultInterFrameGapMs('modbus', 9600), (3.5 * 11 * 1000) / 9600);
  assert.equal(defaultInterFrameGapMs('stdbus', 38400), 2);
  assert.equal(defaultInterFrameGapMs('stdbus', 9600), (40 * 1000) / 9600);
});

for (const protocol of ['modbus', 'stdbus'] as WatlowProtocol[]) {
  test(`${protocol}: no request starts before the inter-frame silence has passed`, async () => {
    const b = bench();
    try {
      const controller = b.add('oven', { protocol });
      const gap = defaultInterFrameGapMs(protocol, 38400);
      for (let i = 0; i < 40; i++) await controller.read('processValue');
      const events = b.bus.events.filter((e) => e.kind === 'transactionStart' || e.kind === 'transactionEnd');
      const silences: number[] = [];
      for (let i = 1; i < events.length; i++) {
        if (events[i - 1].kind === 'transactionEnd' && events[i].kind === 'transactionStart') {
          silences.push(events[i].at - events[i - 1].at);
        }
      }
      assert.equal(silences.length, 39, 'one silence between each pair of transactions');
      const short = silences.filter((s) => s < gap);
      assert.deepEqual(short, [], `silences shorter than ${gap} ms`);
    } finally {
      await b.close();
    }
  });
}
