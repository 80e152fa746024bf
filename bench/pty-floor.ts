/**
 * The rig's floor for the paced-PTY scenarios: the fastest poll any client could make on this PTY
 * pair and simulator. It sends the same RTU frames the stack sends, counts the reply bytes it
 * knows to expect (no framing, no CRC check, no FIFO, no retries), and keeps the same silence after
 * each reply, timed from the reply's last chunk to the sub-millisecond. Its port does reads and
 * writes on the event loop, as the stack's does. What it costs above the ideal line is the
 * measuring rig itself: both PTY hops through socat, the simulator's reading and pacing, and the
 * scheduler waking each process.
 */
import { FC } from '../src/modbus/pdu';
import { encodeRtuRequest } from '../src/modbus/rtu';
import { readWriteOnEventLoop } from '../src/transport/serial-io';
import { closeBarePort, openBarePort, waitUntilMs } from './harness';
import type { ModbusRead } from './paced-pty';
import type { PortMeter } from './wire';

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
  /** Notes each write ('w') and received chunk ('r') in its timeline while `recordTimeline` is set. */
  meter?: PortMeter,
): Promise<FloorLoop> {
  const port = await openBarePort(portPath, baudRate);
  // The same I/O as the stack's port: switched where the stack's is, left as it is elsewhere.
  readWriteOnEventLoop(port.port);
  const note = (kind: 'w' | 'r'): void => {
    if (meter?.recordTimeline) meter.timeline.push({ kind, at: performance.now() });
  };
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
    note('r');
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
        await waitUntilMs(quietUntil);
        got = 0;
        expected = frame.replyBytes;
        await new Promise<void>((resolve, reject) => {
          const lost = setTimeout(() => reject(new Error(`bench floor: no reply on ${portPath}`)), 2000);
          wake = () => {
            clearTimeout(lost);
            resolve();
          };
          note('w');
          port.write(frame.request, (err) => err && reject(err));
        });
        quietUntil = lastChunkAt + gapMs;
      }
      return performance.now() - started;
    },
    close: () => closeBarePort(port),
  };
}
