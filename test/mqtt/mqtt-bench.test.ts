/**
 * Past one host: examples/mqtt/bench.json on two bench runtimes (bench-a, bench-b, each with its
 * own simulated Watlow bus and 2281S) and examples/mqtt/control-room.json on a third, all real
 * Node-RED 4.1 processes, through a real mosquitto on 127.0.0.1. A set point sent from the control
 * room reaches the right bench's controller and comes back with the same correlation data; state
 * is retained; a bench that dies leaves its last will, "offline".
 *
 * Ordering is by messages (broker, IPC from the runtimes), never by sleeping.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findMosquitto, Recorder, startMosquitto, type Broker, type Received } from './broker';
import { ChildRuntime, type Flow } from './runtime';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples', 'mqtt');
const mosquitto = findMosquitto();
const skip =
  mosquitto === undefined && process.env.CI !== 'true'
    ? 'mosquitto is not installed (apt-get install mosquitto); under CI=true this fails'
    : false;

function example(file: string): Flow {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as Flow;
}

/** The example as a user would configure it: the broker's port, the bench name in the tab's env. */
function configured(flow: Flow, port: number, bench?: string): Flow {
  return flow.map((n) => {
    if (n.type === 'mqtt-broker') return { ...n, port: String(port) };
    if (n.type === 'tab' && bench !== undefined) {
      const values: Record<string, string> = {
        BENCH: bench,
        STATUS_TOPIC: `labbench/${bench}/status`,
        CMD_TOPIC: `labbench/${bench}/cmd`,
      };
      const env = (n.env as Array<{ name: string; value: string; type: string }>).map((e) => {
        assert.ok(e.name in values, `tab env ${e.name} is known to the test`);
        return { ...e, value: values[e.name] };
      });
      return { ...n, env };
    }
    return n;
  });
}

function nodeNamed(flow: Flow, type: string, name: string): string {
  const n = flow.find((x) => x.type === type && x.name === name);
  assert.ok(n, `${type} "${name}" in the example`);
  return n.id;
}

const json = (m: Received) => JSON.parse(m.payload) as Record<string, unknown>;
const sample = (topic: string) => (m: Received) => m.topic === topic;

describe('MQTT: bench and control room examples on a real broker', { skip }, () => {
  let broker: Broker | undefined;
  let lab: Recorder | undefined;
  const runtimes: ChildRuntime[] = [];
  const roomFlow = example('control-room.json');
  const benchFlow = example('bench.json');
  const command = nodeNamed(roomFlow, 'function', 'set-point command');
  const match = nodeNamed(roomFlow, 'function', 'match reply');
  const replies = nodeNamed(roomFlow, 'debug', 'replies');
  const table = nodeNamed(roomFlow, 'ui-table', '');
  let benchA: ChildRuntime;
  let benchB: ChildRuntime;
  let room: ChildRuntime;

  before(async () => {
    assert.ok(mosquitto, 'mosquitto is installed (.ci/run installs it)');
    broker = await startMosquitto(mosquitto);
    lab = await Recorder.connect(broker.port, ['labbench/#']);
    // A retained reply nobody asked for: the control room's reply subscription shows it is live
    // when its "match reply" node receives this.
    await lab.client.publishAsync('labbench/probe/reply', '{}', { qos: 1, retain: true });
    const start = (name: string, flow: Flow, watch: string[]) =>
      ChildRuntime.start(name, flow, watch).then((r) => (runtimes.push(r), r));
    [benchA, benchB, room] = await Promise.all([
      start('bench-a', configured(benchFlow, broker.port, 'bench-a'), []),
      start('bench-b', configured(benchFlow, broker.port, 'bench-b'), []),
      start('room', configured(roomFlow, broker.port), [match, replies, table]),
    ]);
  });

  after(async () => {
    await Promise.all(runtimes.map((r) => r.dispose()));
    await lab?.close();
    await broker?.stop();
  });

  it('each bench says "online" and publishes its samples and its supply state', async () => {
    for (const bench of ['bench-a', 'bench-b']) {
      await lab!.waitFor(
        `${bench} online`,
        (m) => m.topic === `labbench/${bench}/status` && m.payload === 'online',
      );
      const sp = await lab!.waitFor(`${bench} set point`, sample(`labbench/${bench}/oven1/setPoint`));
      assert.equal(json(sp).value, 75, 'the simulated controller starts at 75');
      assert.equal(json(sp).units, '°F');
      // The supply's state comes every second; the flow's start message switches the output on.
      const on = await lab!.waitFor(
        `${bench} supply on`,
        (m) => sample(`labbench/${bench}/state/supply`)(m) && json(m).output === true,
      );
      assert.equal(json(on).voltage, 5);
    }
  });

  it('a set point from the control room reaches bench-b only and comes back with its correlation id', async () => {
    // The bench subscribes to its commands before its birth message ("online") goes out.
    await lab!.waitFor(
      'bench-b online',
      (m) => m.topic === 'labbench/bench-b/status' && m.payload === 'online',
    );
    await room.receivedBy(match, 'the control room subscribed to replies');
    room.inject(command, { payload: { bench: 'bench-b', controller: 'oven1', value: 180 } });
    const cmd = await lab!.waitFor('the command', (m) => m.topic === 'labbench/bench-b/cmd');
    assert.ok(cmd.correlationData, 'the command carries MQTT v5 correlation data');
    assert.equal(cmd.responseTopic, 'labbench/bench-b/reply');
    assert.deepEqual(json(cmd), { controller: 'oven1', parameter: 'setPoint', value: 180 });

    const reply = await lab!.waitFor('the reply', (m) => m.topic === 'labbench/bench-b/reply');
    assert.equal(reply.correlationData, cmd.correlationData, 'same correlation data');
    assert.deepEqual(json(reply), {
      ok: true,
      controller: 'oven1',
      parameter: 'setPoint',
      value: 180,
      units: '°F',
    });
    const shown = await room.receivedBy(replies, 'the matched reply');
    assert.deepEqual(shown.payload, { id: cmd.correlationData, bench: 'bench-b', ok: true, value: 180 });

    // The simulated controller of bench-b holds it: its next polls read 180…
    const changed = await lab!.waitFor(
      'bench-b polled 180',
      (m) => sample('labbench/bench-b/oven1/setPoint')(m) && json(m).value === 180,
    );
    // …while bench-a's, polled after that, still reads 75, and bench-a got no command.
    const a = await lab!.waitFor(
      'a later bench-a poll',
      (m) => m.seq > changed.seq && sample('labbench/bench-a/oven1/setPoint')(m),
    );
    assert.equal(json(a).value, 75);
    assert.equal(lab!.messages.filter((m) => m.topic === 'labbench/bench-a/cmd').length, 0);
  });

  it('a command the bench cannot carry out is answered with a coded refusal and the same id', async () => {
    const refusals = [
      { controller: 'oven9', value: 100, code: 'E_INVALID_INPUT' }, // refused by the routing
      { controller: 'oven1', value: 20000, code: 'E_OUT_OF_RANGE' }, // refused by watlow-write
    ];
    for (const r of refusals) {
      const before = lab!.messages.length;
      room.inject(command, { payload: { bench: 'bench-a', controller: r.controller, value: r.value } });
      const cmd = await lab!.waitFor(
        `the ${r.controller} command`,
        (m) => m.seq >= before && m.topic === 'labbench/bench-a/cmd',
      );
      const reply = await lab!.waitFor(
        `the ${r.code} refusal`,
        (m) => m.topic === 'labbench/bench-a/reply' && m.correlationData === cmd.correlationData,
      );
      assert.equal(json(reply).ok, false);
      assert.equal((json(reply).error as { code: string }).code, r.code);
      const shown = await room.receivedBy(
        replies,
        'the matched refusal',
        (m) => (m.payload as { id: string }).id === cmd.correlationData,
      );
      assert.equal((shown.payload as { ok: boolean }).ok, false);
    }
  });

  it('state and status are retained for a control room that connects later', async () => {
    const late = await Recorder.connect(broker!.port, ['labbench/+/status', 'labbench/+/state/+']);
    try {
      for (const topic of [
        'labbench/bench-a/status',
        'labbench/bench-b/status',
        'labbench/bench-a/state/supply',
        'labbench/bench-b/state/supply',
      ]) {
        const m = await late.waitFor(`retained ${topic}`, (x) => x.topic === topic);
        assert.equal(m.retain, true, `${topic} is retained`);
      }
      assert.equal(late.messages.find((m) => m.topic === 'labbench/bench-b/status')!.payload, 'online');
    } finally {
      await late.close();
    }
  });

  it('a bench host that dies leaves its last will "offline"; one that stops says so too', async () => {
    const before = lab!.messages.length;
    await benchB.kill();
    await lab!.waitFor(
      'bench-b last will',
      (m) => m.seq >= before && m.topic === 'labbench/bench-b/status' && m.payload === 'offline',
    );
    const rows = await room.receivedBy(table, 'the table showing bench-b offline', (msg) =>
      (msg.payload as Array<{ bench: string; status: string }>).some(
        (r) => r.bench === 'bench-b' && r.status === 'offline',
      ),
    );
    assert.ok(
      (rows.payload as Array<{ bench: string; status: string }>).some(
        (r) => r.bench === 'bench-a' && r.status === 'online',
      ),
    );
    await benchA.stop();
    await lab!.waitFor(
      'bench-a close message',
      (m) => m.seq >= before && m.topic === 'labbench/bench-a/status' && m.payload === 'offline',
    );
    const late = await Recorder.connect(broker!.port, ['labbench/+/status']);
    try {
      const retained = await late.waitFor(
        'retained bench-b status',
        (m) => m.topic === 'labbench/bench-b/status',
      );
      assert.equal(retained.payload, 'offline');
    } finally {
      await late.close();
    }
  });
});
