/**
 * The bare clients the bench's baselines use on loopback: a connected socket with Nagle off, and
 * a request/reply loop that writes a query and waits for the LF that ends its reply — the least a
 * client can do per query, against which the package's stack is judged.
 */
import * as net from 'net';

/** A TCP connection to `host:port`, Nagle off, its errors absorbed (the bench closes it itself). */
export async function connectLoopback(host: string, port: number): Promise<net.Socket> {
  const socket = net.connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  return socket;
}

/** Writes `request` per `query()` and resolves on the LF that ends the reply. */
export async function lineQuerier(
  host: string,
  port: number,
  request: Buffer,
): Promise<{ query(): Promise<void>; close(): void }> {
  const socket = await connectLoopback(host, port);
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    if (chunk.includes(0x0a) && wake) {
      const w = wake;
      wake = undefined;
      w();
    }
  });
  return {
    query: () =>
      new Promise<void>((resolve) => {
        wake = resolve;
        socket.write(request);
      }),
    close: () => socket.destroy(),
  };
}
