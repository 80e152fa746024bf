import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import { isDeviceGone } from '../../src/core/errors';
import { SimInstrumentPort } from '../../src/sim/visa/instrument-port';
import { createOpeners } from '../../src/transport/default-openers';
import { openMessage } from '../../src/transport/openers';
import type { Openers } from '../../src/transport/openers';
import { parseVisaResource } from '../../src/core/identity';
import { createSimLink } from '../../src/transport/sim-link';
import type { SimDevicePort } from '../../src/transport/sim-link';
import { ScpiSession } from '../../src/visa/session';
import { EchoModel, IDN } from '../visa/echo-model';

describe("ASRL (serial SCPI) through the opener table's stream", () => {
  const model = new EchoModel();
  let device: SimDevicePort | undefined;

  let openers: Openers;

  before(() => {
    // A serial SCPI instrument on a simulated line: bytes in, LF-terminated replies out.
    openers = createOpeners({
      overrides: {
        streams: {
          sim: async (address, settings) => {
            const bus = address.slice(4);
            const link = createSimLink({ label: `sim:${bus}`, baudRate: settings.baudRate });
            const port = new SimInstrumentPort(model);
            link.device.onData((chunk) => port.input(chunk, false));
            port.onOutput(() => {
              while (port.hasOutput) link.device.write(port.take(1 << 16).data);
            });
            device = link.device;
            return link.host;
          },
        },
      },
    });
  });

  it('queries over LF framing, and a dead line is device-gone on the next write', async () => {
    const transport = await openMessage(openers, parseVisaResource('ASRLsim:scpi::INSTR'), {
      serial: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
    });
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
