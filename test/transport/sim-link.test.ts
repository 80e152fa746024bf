/** The in-process serial line the simulators sit on: bytes both ways, unplug/replug, paced order. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isDeviceGone, toLabbenchError } from '../../src/core/errors';
import { createSimLink, wireTimeMs } from '../../src/transport/sim-link';
import { within } from '../support/fake-handle';

function collect(on: (l: (c: Buffer) => void) => () => void): {
  chunks: Buffer[];
  bytes(): Buffer;
  off: () => void;
} {
  const chunks: Buffer[] = [];
  const off = on((c) => chunks.push(c));
  return { chunks, bytes: () => Buffer.concat(chunks), off };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  await within(
    (async () => {
      while (!cond()) await new Promise((r) => setTimeout(r, 1));
    })(),
    what,
  );
}

/** Gives (wrong) deliveries time to happen; the assertion is on what arrived, not on time. */
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* the writer is slow between two frames */
  }
}

describe('sim link', () => {
  test('bytes flow host → device and device → host, never synchronously inside write', async () => {
    const { host, device } = createSimLink({ label: 'sim:test' });
    const atDevice = collect((l) => device.onData(l));
    const atHost = collect((l) => host.onData(l));
    await host.write(Uint8Array.from([0x55, 0xff, 0x05]));
    assert.equal(atDevice.chunks.length, 0, 'delivered asynchronously');
    await until(() => atDevice.chunks.length > 0, 'host → device');
    assert.deepEqual([...atDevice.bytes()], [0x55, 0xff, 0x05]);
    device.write(Buffer.from('reply'));
    assert.equal(atHost.chunks.length, 0, 'delivered asynchronously');
    await until(() => atHost.chunks.length > 0, 'device → host');
    assert.equal(atHost.bytes().toString(), 'reply');
    assert.equal(host.label, 'sim:test');
    assert.equal(host.isOpen, true);
  });

  test('unsubscribe stops delivery', async () => {
    const { host, device } = createSimLink({ label: 'x' });
    const atHost = collect((l) => host.onData(l));
    atHost.off();
    device.write(Buffer.from('a'));
    await pause(10);
    assert.equal(atHost.chunks.length, 0);
  });

  test('unplug: host writes reject with an EIO-coded error (device gone), device bytes are lost; replug works', async () => {
    const { host, device } = createSimLink({ label: 'sim:bench' });
    const atDevice = collect((l) => device.onData(l));
    const atHost = collect((l) => host.onData(l));
    let closed = 0;
    host.onClose(() => closed++);
    device.unplug();
    assert.equal(device.plugged, false);
    const err = await host.write(Buffer.from('x')).then(
      () => assert.fail('write must reject while unplugged'),
      (e: NodeJS.ErrnoException) => e,
    );
    assert.equal(err.code, 'EIO');
    assert.equal(isDeviceGone(err), true);
    assert.equal(toLabbenchError(err).code, 'E_DISCONNECTED');
    assert.match(err.message, /sim:bench/);
    device.write(Buffer.from('lost'));
    await pause(10);
    assert.equal(atHost.chunks.length, 0, 'nothing arrives from an unplugged device');
    assert.equal(atDevice.chunks.length, 0);
    assert.equal(closed, 0, 'like a PTY: no close event, only the failing write');
    device.replug();
    await host.write(Buffer.from('back'));
    device.write(Buffer.from('hello'));
    await until(() => atDevice.chunks.length > 0 && atHost.chunks.length > 0, 'after replug');
    assert.equal(atDevice.bytes().toString(), 'back');
    assert.equal(atHost.bytes().toString(), 'hello');
  });

  test('bytes in flight when the cable is pulled are lost', async () => {
    const { host, device } = createSimLink({ label: 'x' });
    const atDevice = collect((l) => device.onData(l));
    await host.write(Buffer.from('in flight'));
    device.unplug();
    device.replug();
    await pause(10);
    assert.equal(atDevice.chunks.length, 0);
  });

  test('close: listeners told once, later writes reject, device sees the close', async () => {
    const { host, device } = createSimLink({ label: 'x' });
    let hostClosed = 0;
    let deviceClosed = 0;
    host.onClose(() => hostClosed++);
    device.onClose(() => deviceClosed++);
    await host.close();
    await host.close();
    assert.equal(hostClosed, 1);
    assert.equal(deviceClosed, 1);
    assert.equal(host.isOpen, false);
    assert.equal(device.isOpen, false);
    await assert.rejects(
      host.write(Buffer.from('x')),
      (e: NodeJS.ErrnoException) => typeof e.code === 'string',
    );
  });

  test('paced delivery keeps frame order, even when the writer is slow between frames', async () => {
    const baudRate = 38400;
    const { host, device } = createSimLink({ label: 'x', baudRate, pace: true });
    const atDevice = collect((l) => device.onData(l));
    // A long frame, then (after the writer spent part of that frame's wire time elsewhere) a short
    // one: the short one must not overtake the long one on the wire.
    const long = Buffer.alloc(20, 0x41); // 20 bytes ≈ 5.2 ms at 38400 baud
    const short = Buffer.from([0x42]);
    assert.ok(wireTimeMs(long.length, baudRate) > 5);
    await host.write(long);
    busyWait(3);
    await host.write(short);
    const frames: Buffer[] = [long, short];
    for (let i = 0; i < 30; i++) {
      const f = Buffer.alloc(1 + (i % 7), 0x30 + (i % 10));
      frames.push(f);
      await host.write(f);
      if (i % 5 === 0) busyWait(1);
    }
    const expected = Buffer.concat(frames);
    await until(() => atDevice.bytes().length >= expected.length, 'paced delivery');
    assert.deepEqual(atDevice.bytes(), expected, 'same bytes, same order');
    assert.equal(atDevice.chunks[0].length, long.length);
    assert.deepEqual(atDevice.chunks[1], short);
  });

  test('paced delivery keeps frame order device → host too', async () => {
    const { host, device } = createSimLink({ label: 'x', baudRate: 9600, pace: true });
    const atHost = collect((l) => host.onData(l));
    const frames = ['first reply\r\n', 'x', 'third\r\n'].map((s) => Buffer.from(s));
    device.write(frames[0]);
    busyWait(2);
    device.write(frames[1]);
    device.write(frames[2]);
    await until(() => atHost.bytes().length >= 21, 'paced delivery to host');
    assert.deepEqual(atHost.chunks.map(String), frames.map(String));
  });

  test('wire time is 10 bits per byte', () => {
    assert.equal(wireTimeMs(96, 9600), 100);
    assert.equal(wireTimeMs(1, 38400), 10_000 / 38400);
  });
});
