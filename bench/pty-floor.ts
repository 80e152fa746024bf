/**
 * The rig's floor for the paced-PTY scenarios: the fastest poll any client could make on this PTY
 * pair and simulator. It sends the same RTU frames the stack sends, counts the reply bytes it
 * knows to expect (no framing, no CRC check, no FIFO, no retries), and keeps the same silence after
 * each reply, timed from the reply's last chunk to the sub-millisecond. Its port does reads and
 * writes on the event loop, as the stack's does. What it costs above the ideal line is the
 * measuring rig itself: both PTY hops through socat, the simulator's reading and pacing, and the
 * scheduler waking each process.
 */
import type { SerialPort as SerialPortClass } from 'serialport';
import { FC } from '../src/modbus/pdu';
import { encodeRtuRequest } from '../src/modbus/rtu';
import { readWriteOnEventLoop } from '../src/transport/serial-io';
import type { ModbusRead } from './paced-pty';

/** Waits until `until` (performance.now() ms): whole milliseconds on a timer, the rest a turn of the loop at a time. */
async function waitUntil(until: number): Promise<void> {
  for (let left = until - performance.now(); left > 0; left = until - performance.now()) {
    await new Promise<void>((resolve) =>
      left >= 1 ? setTimeout(resolve, Math.floor(left)) : setImmediate(resolve),
    );
  }
}

export interface FloorLoop {
  /** One poll: every read, in order; resolves with its duration in ms. */
  poll(): Promise<number>;
  close(): Promise<void>;
}

export async function openFloorLoop(
  portPath: string,
  baudRate: number,
  reads: readonly ModbusRead[],
  gapMs: number,
  /** Where to note each write ('w') and each received chunk ('r'), as a port meter does. */
  timeline?: { kind: 'w' | 'r'; at: number }[],
): Promise<FloorLoop> {
  const { SerialPort } = await import('serialport');
  const port: SerialPortClass = new SerialPort({ path: portPath, baudRate, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  readWriteOnEventLoop(port.port);
  port.on('error', () => undefined);
  const frames = reads.map((r) => ({
    request: encodeRtuRequest(r.unit, {
      fc: FC.readHoldingRegisters,
      address: r.register,
      quantity: r.count,
    }),
    // unit, function, byte count, the registers, CRC
    replyBytes: 5 + 2 * r.count,
  }));
  let expected = 0;
  let got = 0;
  let lastChunkAt = 0;
  let wake: (() => void) | undefined;
  port.on('data', (chunk: Buffer) => {
    timeline?.push({ kind: 'r', at: performance.now() });
    got += chunk.length;
    if (got >= expected && wake) {
      lastChunkAt = performance.now();
      const done = wake;
      wake = undefined;
      done();
    }
  });
  let quietUntil = 0;
  return {
    async poll() {
      const started = performance.now();
      for (const frame of frames) {
        await waitUntil(quietUntil);
        got = 0;
        expected = frame.replyBytes;
        await new Promise<void>((resolve, reject) => {
          const lost = setTimeout(() => reject(new Error(`bench floor: no reply on ${portPath}`)), 2000);
          wake = () => {
            clearTimeout(lost);
            resolve();
          };
          timeline?.push({ kind: 'w', at: performance.now() });
          port.write(frame.request, (err) => err && reject(err));
        });
        quietUntil = lastChunkAt + gapMs;
      }
      return performance.now() - started;
    },
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
