import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { isDeviceGone } from '../../src/core/errors';
import { SimInstrumentPort } from '../../src/sim/visa/instrument-port';
import { registerSimBusProvider } from '../../src/transport/serial';
import { createSimLink } from '../../src/transport/sim-link';
import type { SimDevicePort } from '../../src/transport/sim-link';
import { openAsrlTransport } from '../../src/visa/asrl';
import { ScpiSession } from '../../src/visa/session';
import { EchoModel, IDN } from './echo-model';

describe('ASRL (serial SCPI) through the core serial stream', () => {
  const model = new EchoModel();
  let device: SimDevicePort | undefined;

  before(() => {
    // A serial SCPI instrument on a simulated line: bytes in, LF-terminated replies out.
    registerSimBusProvider((bus, _query, settings) => {
      const link = createSimLink({ label: `sim:${bus}`, baudRate: settings.baudRate });
      const port = new SimInstrumentPort(model);
      link.device.onData((chunk) => port.input(chunk, false));
      port.onOutput(() => {
        while (port.hasOutput) link.device.write(port.take(1 << 16).data);
      });
      device = link.device;
      return link.host;
    });
  });
  after(() => registerSimBusProvider(undefined));

  it('queries over LF framing, and a dead line is device-gone on the next write', async () => {
    const transport = await openAsrlTransport(
      'sim:scpi',
      { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
      'ASRLsim:scpi::INSTR',
    );
    const session = new ScpiSession(transport, { timeoutMs: 300 });
    try {
      assert.equal(await session.query('*IDN?'), IDN);
      await assert.rejects(
        session.write(':VOLT 30'),
        (err: Error & { deviceCode?: number }) => err.deviceCode === -222,
      );
      device!.unplug();
      await assert.rejects(session.query('*IDN?'), (err: unknown) => isDeviceGone(err));
    } finally {
      await session.close();
    }
  });
});
