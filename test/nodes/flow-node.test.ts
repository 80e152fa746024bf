/**
 * FlowNode on its own, on a stand-in node and a FakeClock: what every flow node (and the `scpi`
 * and `modbus` nodes to come) can rely on — one done per message, periodic work that never
 * overlaps and counts its skipped ticks, a repeating failure reported once with a recovery
 * notice, and the close order. The Node-RED runtime itself is exercised by the node suite.
 */
import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { Node, NodeAPI } from 'node-red';
import { FakeClock } from '../../src/core/clock';
import { InvalidInputError, TimeoutError } from '../../src/core/errors';
import { FlowNode, recoveryMessage, type UserConfig } from '../../nodes/shared/flow-node';

interface StandIn {
  node: Node;
  statuses: { fill?: string; text?: string }[];
  errors: { err: Error; msg: Record<string, unknown> }[];
  sent: Record<string, unknown>[];
  input(msg: Record<string, unknown>): Promise<Error | undefined>;
  close(removed: boolean): Promise<void>;
}

function standIn(): StandIn {
  const emitter = new EventEmitter();
  const s: StandIn = {
    statuses: [],
    errors: [],
    sent: [],
    node: Object.assign(emitter, {
      id: 'n1',
      status: (st: { fill?: string; text?: string }) => void s.statuses.push(st),
      error: (err: Error, msg: Record<string, unknown>) => void s.errors.push({ err, msg }),
      send: (msg: Record<string, unknown>) => void s.sent.push(msg),
    }) as unknown as Node,
    input: (msg) =>
      new Promise((resolve) => {
        emitter.emit('input', msg, (m: Record<string, unknown>) => s.sent.push(m), resolve);
      }),
    close: (removed) =>
      new Promise((resolve) => {
        emitter.emit('close', removed, resolve);
      }),
  };
  return s;
}

function fakeRED(clock: FakeClock): NodeAPI {
  let id = 0;
  return {
    _: (key: string) => key,
    settings: { labbench: { clock } },
    util: { generateId: () => `m${++id}` },
  } as unknown as NodeAPI;
}

describe('FlowNode', () => {
  it('ends every message in one send or one done(err); invalid properties fail every message', async () => {
    const clock = new FakeClock();
    const a = standIn();
    const flow = new FlowNode({ RED: fakeRED(clock), node: a.node, type: 'watlow-poll' });
    flow.onInput(async (msg, send) => {
      if (msg.payload === 'bad') throw new InvalidInputError('bad payload.');
      send(msg);
    });
    assert.equal(await a.input({ payload: 1 }), undefined);
    const err = (await a.input({ payload: 'bad' })) as Error & { code: string };
    assert.equal(err.code, 'E_INVALID_INPUT');
    assert.deepEqual(a.statuses.at(-1), { fill: 'red', shape: 'ring', text: 'invalid input' });
    assert.equal(a.sent.length, 1);

    const b = standIn();
    const broken = new FlowNode({
      RED: fakeRED(clock),
      node: b.node,
      type: 'watlow-poll',
      propertyError: new InvalidInputError('Interval must be 0 or at least 50 ms.'),
    });
    let ran = false;
    broken.onInput(() => void (ran = true));
    assert.equal(((await b.input({})) as Error & { code: string }).code, 'E_INVALID_INPUT');
    assert.equal(ran, false, 'the handler never runs');
  });

  it('repeats at a fixed rate, never overlapping: skipped ticks are counted', async () => {
    const clock = new FakeClock();
    const a = standIn();
    const flow = new FlowNode({ RED: fakeRED(clock), node: a.node, type: 'watlow-poll' });
    let release = (): void => undefined;
    let runs = 0;
    const ticker = flow.repeat({
      run: () => {
        runs++;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      failureMessage: () => ({}),
    });
    ticker.start(100);
    await clock.advance(0);
    assert.equal(runs, 1, 'first tick at once');
    await clock.advance(300);
    assert.equal(runs, 1, 'no overlap');
    assert.equal(ticker.skipped, 3);
    release();
    await clock.advance(100);
    assert.equal(runs, 2);
    assert.equal(ticker.skipped, 0, 'counted per run');
    assert.equal(ticker.skippedTotal, 3);
    ticker.stop();
    release();
    await clock.advance(1000);
    assert.equal(runs, 2);
    assert.equal(clock.pendingTimers, 0);
  });

  it('reports a repeating failure once, then shows and sends the recovery', async () => {
    const clock = new FakeClock();
    const a = standIn();
    const RED = fakeRED(clock);
    const flow = new FlowNode({ RED, node: a.node, type: 'watlow-poll' });
    let failing = true;
    const ticker = flow.repeat({
      run: async () => {
        if (failing) throw new TimeoutError('No reply within 100 ms.');
        flow.show({ fill: 'green', shape: 'dot', text: '72.5 °F' });
      },
      failureMessage: () => ({ topic: 'interval' }),
      recoveryMessage: (r) => recoveryMessage(RED, 'Oven1/recovered', r),
    });
    ticker.start(100);
    for (let i = 0; i < 5; i++) await clock.advance(i === 0 ? 0 : 100);
    assert.equal(a.errors.length, 1, 'Catch once');
    assert.equal(a.errors[0]!.msg.topic, 'interval');
    const red = a.statuses.filter((s) => s.fill === 'red').map((s) => s.text);
    assert.deepEqual([...new Set(red)], ['timeout'], 'one text');
    failing = false;
    await clock.advance(100);
    assert.equal(a.statuses.at(-1)!.text, '72.5 °F (recovered)');
    assert.equal(a.sent.length, 1);
    assert.deepEqual(a.sent[0]!.topic, 'Oven1/recovered');
    assert.deepEqual(
      { ...(a.sent[0]!.payload as Record<string, unknown>), since: 0 },
      { recovered: true, code: 'E_TIMEOUT', message: 'No reply within 100 ms.', since: 0, failures: 5 },
    );
    await clock.advance(100);
    assert.equal(a.sent.length, 1, 'sent once');
    ticker.stop();
  });

  it('closes in order: stop ticks and onClose, drain, onDrained, deregister, done', async () => {
    const clock = new FakeClock();
    const a = standIn();
    const order: string[] = [];
    const config: UserConfig = {
      id: 'cfg',
      register: () => void order.push('register'),
      deregister: (_n, removed) => void order.push(`deregister removed=${removed}`),
    };
    const flow = new FlowNode({ RED: fakeRED(clock), node: a.node, type: 'watlow-poll', config });
    let finish = (): void => undefined;
    flow.onInput(
      () =>
        new Promise<void>((resolve) => {
          finish = () => {
            order.push('message answered');
            resolve();
          };
        }),
    );
    flow.onClose(() => void order.push('onClose'));
    flow.onDrained(async (removed) => void order.push(`onDrained removed=${removed}`));
    void a.input({});
    const closed = a.close(true).then(() => void order.push('done'));
    await clock.advance(0);
    assert.deepEqual(order, ['register', 'onClose'], 'waits for the message in flight');
    finish();
    await closed;
    assert.deepEqual(order, [
      'register',
      'onClose',
      'message answered',
      'onDrained removed=true',
      'deregister removed=true',
      'done',
    ]);
  });

  it('does not wait longer than the drain cap on its clock', async () => {
    const clock = new FakeClock();
    const a = standIn();
    const flow = new FlowNode({ RED: fakeRED(clock), node: a.node, type: 'watlow-poll' });
    flow.onInput(() => new Promise<void>(() => undefined)); // never answers
    void a.input({});
    let done = false;
    const closed = a.close(false).then(() => void (done = true));
    await clock.advance(9_999);
    assert.equal(done, false);
    await clock.advance(1);
    await closed;
    assert.equal(done, true);
  });
});
