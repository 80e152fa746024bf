import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { isDeviceGone } from '../../src/core/errors';
import { serveScpiOverTcp } from '../../src/sim/visa/tcp-server';
import { openTcpSocketTransport } from '../../src/transport/tcp';
import { ScpiSession } from '../../src/visa/session';
import { EchoModel, IDN } from '../visa/echo-model';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('raw TCP socket transport', () => {
  it('queries over LF-terminated messages, replies split across TCP chunks are reassembled', async () => {
    const server = await serveScpiOverTcp(new EchoModel(), { host: '127.0.0.1', port: 0 });
    const t = await openTcpSocketTransport({
      host: '127.0.0.1',
      port: server.port,
      label: server.resource,
      timeoutMs: 1000,
    });
    try {
      await t.write(Buffer.from('*IDN?\n'));
      assert.equal((await t.read(1000)).toString(), `${IDN}\n`);
      await t.write(Buffer.from('LONG? 200000\n'));
      const long = await t.read(2000);
      assert.equal(long.length, 200001);
      // two queries in one write: two replies, in order
      await t.write(Buffer.from('ECHO? a\nECHO? b\n'));
      assert.equal((await t.read(1000)).toString(), 'a\n');
      assert.equal((await t.read(1000)).toString(), 'b\n');
      await t.write(Buffer.from('SILENT?\n'));
      await assert.rejects(t.read(80), (err: Error & { code?: string }) => err.code === 'E_TIMEOUT');
    } finally {
      await t.close();
      await server.close();
    }
    assert.equal(server.connectionCount, 0);
  });

  it('a refused connection is E_NOT_FOUND with the address in the message', async () => {
    const port = await freePort();
    await assert.rejects(
      openTcpSocketTransport({
        host: '127.0.0.1',
        port,
        label: `TCPIP0::127.0.0.1::${port}::SOCKET`,
        timeoutMs: 1000,
      }),
      (err: Error & { code?: string }) =>
        err.code === 'E_NOT_FOUND' && err.message.includes(`127.0.0.1:${port}`),
    );
  });

  it('a reset by the instrument is device-gone: pending read fails and onClose fires', async () => {
    const model = new EchoModel();
    const server = await serveScpiOverTcp(model, { host: '127.0.0.1', port: 0 });
    const t = await openTcpSocketTransport({
      host: '127.0.0.1',
      port: server.port,
      label: 'reset',
      timeoutMs: 1000,
    });
    const closed = new Promise<Error | undefined>((resolve) => t.onClose!(resolve));
    model.plugged = false;
    await t.write(Buffer.from('*IDN?\n'));
    await assert.rejects(t.read(2000), (err: unknown) => isDeviceGone(err));
    const reason = await closed;
    assert.ok(reason && isDeviceGone(reason));
    await assert.rejects(t.write(Buffer.from('*IDN?\n')), (err: unknown) => isDeviceGone(err));
    await t.close();
    await server.close();
  });

  it('serves several clients on one model (a session per connection)', async () => {
    const model = new EchoModel();
    const server = await serveScpiOverTcp(model, { host: '127.0.0.1', port: 0 });
    const a = new ScpiSession(
      await openTcpSocketTransport({ host: '127.0.0.1', port: server.port, label: 'a', timeoutMs: 1000 }),
    );
    const b = new ScpiSession(
      await openTcpSocketTransport({ host: '127.0.0.1', port: server.port, label: 'b', timeoutMs: 1000 }),
    );
    try {
      await a.write(':VOLT 7');
      assert.equal(await b.query(':VOLT?'), '7');
    } finally {
      await a.close();
      await b.close();
      await server.close();
    }
  });
});
