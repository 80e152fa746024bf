/**
 * A simulated bus on a real serial device (one end of a PTY pair, a USB adapter): the port's bytes
 * feed the bus, the bus's replies go out on the port — paced to the wire speed when asked (see
 * PacedWriter: reply bytes at their wire time, requests counted as arrived one wire time after the
 * PTY delivered them).
 */
import type { SerialPort as SerialPortClass } from 'serialport';
import { readWriteOnEventLoop } from '../../transport/serial-io';
import { LineClock, PacedWriter } from '../paced-writer';
import type { SimulatedWatlowBus, SimWire } from './bus';

export interface SerialServing {
  close(): Promise<void>;
}

export async function serveBusOnSerial(
  bus: SimulatedWatlowBus,
  options: { path: string; baudRate: number; pace: boolean; bitsPerByte?: number },
): Promise<SerialServing> {
  const { SerialPort } = await import('serialport');
  const port: SerialPortClass = new SerialPort({
    path: options.path,
    baudRate: options.baudRate,
    autoOpen: false,
    lock: false,
  });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  // A paced byte leaves the moment it is due, not after a trip through the threadpool.
  readWriteOnEventLoop(port.port);
  port.on('error', (err: Error) => console.error(`labbench-sim: ${options.path}: ${err.message}`));
  const send = (bytes: Buffer): void => {
    if (port.isOpen) port.write(bytes);
  };
  const writer = options.pace
    ? new PacedWriter(send, { baudRate: options.baudRate, bitsPerByte: options.bitsPerByte })
    : undefined;
  const received = options.pace ? new LineClock(options.baudRate, options.bitsPerByte) : undefined;
  const wire: SimWire = {
    onData(listener) {
      const onData = (chunk: Buffer): void => listener(chunk, received?.arrival(chunk.length));
      port.on('data', onData);
      return () => port.off('data', onData);
    },
    write(bytes, startAt) {
      if (writer) writer.write(bytes, startAt);
      else send(Buffer.from(bytes));
    },
  };
  const detach = bus.attach(wire);
  return {
    async close() {
      detach();
      writer?.close();
      await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
    },
  };
}
