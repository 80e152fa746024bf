/**
 * Serial reads and writes on the event loop (src/transport/serial-io.ts), on a FIFO standing in for
 * the port's descriptor and a poller the test fires by hand. The real PTY path, with every
 * threadpool thread held, is test/integration/serial-threadpool.test.ts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isNonBlocking, readWriteOnEventLoop } from '../../src/transport/serial-io';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labbench-serial-io-'));
const fds: number[] = [];
after(() => {
  for (const fd of fds) fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Linux shows descriptor flags in /proc; elsewhere nothing is known and nothing is switched. */
const flagsVisible = fs.existsSync('/proc/self/fdinfo');

function fifo(name: string, flags: number): number {
  const file = path.join(dir, name);
  assert.equal(spawnSync('mkfifo', [file]).status, 0, 'mkfifo');
  // Read-write: a FIFO opened so never waits for a partner, and it can be read back here.
  const fd = fs.openSync(file, fs.constants.O_RDWR | flags);
  fds.push(fd);
  return fd;
}

interface FakePort {
  fd: number | null;
  readonly isOpen: boolean;
  poller: { once(event: string, callback: (err: Error | null) => void): unknown };
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
  write(buffer: Buffer): Promise<void>;
  drain(): Promise<void>;
}

/** The shape of serialport's Linux port object, with a poller the test fires. */
function fakePort(fd: number): { port: FakePort; poller: EventEmitter; original: Partial<FakePort> } {
  const poller = new EventEmitter();
  const original: Pick<FakePort, 'read' | 'write' | 'drain'> = {
    read: () => Promise.reject(new Error('the binding read')),
    write: () => Promise.reject(new Error('the binding write')),
    drain: () => Promise.resolve(),
  };
  const port: FakePort = {
    fd,
    get isOpen(): boolean {
      return this.fd !== null;
    },
    poller: { once: (event, callback) => poller.once(event, callback) },
    ...original,
  };
  return { port, poller, original };
}

test('the flags of a descriptor are read from the OS (Linux), unknown elsewhere', () => {
  assert.equal(isNonBlocking(fifo('nb', fs.constants.O_NONBLOCK)), flagsVisible);
  assert.equal(isNonBlocking(fifo('blocking', 0)), false);
  assert.equal(isNonBlocking(-1), false, 'no such descriptor');
});

test('a blocking descriptor keeps the binding’s own I/O (a read there could freeze the event loop)', () => {
  const { port, original } = fakePort(fifo('keep', 0));
  assert.equal(readWriteOnEventLoop(port), false);
  assert.equal(port.read, original.read);
  assert.equal(port.write, original.write);
  assert.equal(readWriteOnEventLoop({ fd: 3 }), false, 'not a port of the kind this is written for');
});

test('written bytes are read back; an empty read waits for the poller instead of blocking', async () => {
  const { port, poller } = fakePort(fifo('io', fs.constants.O_NONBLOCK));
  assert.equal(readWriteOnEventLoop(port), flagsVisible);
  if (!flagsVisible) return; // nothing was switched: the binding's own I/O is kept (asserted above)

  const buffer = Buffer.alloc(16);
  let settled = false;
  const pending = port.read(buffer, 2, 8).then((r) => ((settled = true), r));
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'nothing to read: the read waits');
  assert.equal(poller.listenerCount('readable'), 1, 'for the poller');

  await port.write(Buffer.from([1, 2, 3]));
  poller.emit('readable', null);
  const { bytesRead } = await pending;
  assert.equal(bytesRead, 3);
  assert.deepEqual([...buffer.subarray(2, 5)], [1, 2, 3], 'at the offset asked for');
  await port.drain();
});

test('a read ends canceled when the port closes, and with the poller’s error when the device goes', async () => {
  const { port, poller } = fakePort(fifo('end', fs.constants.O_NONBLOCK));
  if (!readWriteOnEventLoop(port)) return assert.equal(flagsVisible, false);

  const unplugged = port.read(Buffer.alloc(4), 0, 4);
  await new Promise((r) => setImmediate(r));
  const gone = Object.assign(new Error('EIO'), { code: 'EIO' });
  poller.emit('readable', gone);
  await assert.rejects(unplugged, (err) => err === gone);

  port.fd = null;
  await assert.rejects(
    port.read(Buffer.alloc(4), 0, 4),
    (err: Error & { canceled?: boolean }) => err.canceled === true,
  );
  await assert.rejects(port.write(Buffer.from([1])), /not open/);
});
