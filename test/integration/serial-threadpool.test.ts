/**
 * A serial port's reads and writes do not wait for libuv's threadpool (src/transport/serial-io.ts).
 * Node-RED shares that pool (four threads by default) with file nodes, file-backed context, DNS and
 * zlib; with serialport's own I/O a controller's request and reply queued behind that work.
 *
 * Here every pool thread is held by an `open()` of a FIFO nobody writes to (it blocks until a
 * writer appears), and a control `fs.stat` queued behind them proves the pool is really full.
 * A Watlow read over a real PTY (socat, simulator CLI in a child process) must still complete,
 * and complete before the control does. With the binding's own threadpool I/O the request is
 * never written and the read ends in E_TIMEOUT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResourceRegistry } from '../../src/core/registry';
import { createOpeners } from '../../src/transport/default-openers';
import { WatlowManager } from '../../src/watlow/manager';
import { makeTempDir, PtyPair, requireSocat, startSimulatorCli } from '../support/pty';

/** Holds every threadpool thread until `release`. */
function occupyThreadpool(dir: string): { release(): Promise<void> } {
  const fifo = path.join(dir, 'pool-blocker');
  const made = spawnSync('mkfifo', [fifo]);
  assert.equal(made.status, 0, `mkfifo failed: ${made.stderr?.toString()}`);
  const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const opened = Array.from(
    { length: threads },
    () =>
      new Promise<void>((resolve) =>
        fs.open(fifo, 'r', (err, fd) => {
          if (!err) fs.closeSync(fd);
          resolve();
        }),
      ),
  );
  return {
    async release() {
      // A writer (non-blocking: the blocked readers already count as readers) lets every open return.
      const writer = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      await Promise.all(opened);
      fs.closeSync(writer);
    },
  };
}

test('a Watlow read over a real PTY completes while every threadpool thread is busy', async (t) => {
  if (!requireSocat(t)) return;
  const dir = makeTempDir('labbench-threadpool-');
  const pty = await PtyPair.start(dir);
  const sim = await startSimulatorCli(['watlow', '--serial', pty.b, '--addresses', '1']);
  const registry = new ResourceRegistry({ graceMs: 0, log: () => undefined });
  const manager = new WatlowManager({ registry, openers: createOpeners() });
  let pool: { release(): Promise<void> } | undefined;
  try {
    const oven = manager.add('oven', {
      port: pty.a,
      protocol: 'modbus',
      address: 1,
      line: { replyTimeoutMs: 500, retries: 1 },
    });
    // Opening the port uses the pool (the binding's open); so does the first exchange's flush.
    assert.equal((await oven.read('setPoint')).value, 75);

    pool = occupyThreadpool(dir);
    let controlDone = false;
    const control = new Promise<void>((resolve) =>
      fs.stat(dir, () => {
        controlDone = true;
        resolve();
      }),
    );

    const reading = await oven.read('setPoint');
    assert.equal(reading.value, 75);
    assert.equal(
      controlDone,
      false,
      'the pool was full while the read ran (the control stat was still queued)',
    );

    await pool.release();
    pool = undefined;
    await control;
    assert.equal(controlDone, true);
  } finally {
    await pool?.release();
    await manager.close();
    await registry.closeAll();
    await sim.stop();
    await pty.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
