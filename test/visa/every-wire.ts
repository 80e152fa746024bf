/**
 * One instrument model per VISA wire, served on loopback: raw TCP, VXI-11, simulated USBTMC and,
 * when given a model, HiSLIP; plus the in-process `SIM::` simulators. The tests that check "the
 * same behaviour whatever the wire" run their cases over `resources`.
 */
import { createSimulatedOpeners, createSimulators, type Simulators } from '../../src/sim';
import { serveScpiOverHislip } from '../../src/sim/visa/hislip-server';
import { serveScpiOverTcp } from '../../src/sim/visa/tcp-server';
import {
  SimUsbtmcDevice,
  createSimUsbBackend,
  type SimUsbtmcOptions,
} from '../../src/sim/visa/usbtmc-device';
import { serveScpiOverVxi11 } from '../../src/sim/visa/vxi11-server';
import type { Openers } from '../../src/transport/openers';
import type { ScpiDeviceModel } from '../../src/visa/types';

export interface WireModels {
  tcp: ScpiDeviceModel;
  vxi: ScpiDeviceModel;
  /** The USB model, and the device it is (serial, IDs, packet size). */
  usb: { model: ScpiDeviceModel; device: SimUsbtmcOptions };
  hislip?: ScpiDeviceModel;
}

export interface EveryWire {
  /** The table reaching every served model (and the `SIM::` simulators). */
  openers: Openers;
  simulators: Simulators;
  /** The resource of each served wire; the USB one in the spelling the test gives. */
  resources: { tcp: string; vxi: string; hislip?: string };
  close(): Promise<void>;
}

/** Serves `models` on loopback; `simulators` are the in-process ones (fresh by default). */
export async function serveOnEveryWire(
  models: WireModels,
  simulators = createSimulators(),
): Promise<EveryWire> {
  const tcp = await serveScpiOverTcp(models.tcp, { host: '127.0.0.1', port: 0 });
  const vxi = await serveScpiOverVxi11(models.vxi, { host: '127.0.0.1' });
  const hislip = models.hislip
    ? await serveScpiOverHislip(models.hislip, { host: '127.0.0.1', port: 0 })
    : undefined;
  const usb = createSimUsbBackend([new SimUsbtmcDevice(models.usb.model, models.usb.device)]);
  const { openers } = createSimulatedOpeners({ simulators, usb, vxi11PortmapperPort: vxi.portmapperPort });
  return {
    openers,
    simulators,
    resources: { tcp: `TCPIP::127.0.0.1::${tcp.port}::SOCKET`, vxi: vxi.resource, hislip: hislip?.resource },
    close: async () => {
      await tcp.close();
      await vxi.close();
      await hislip?.close();
    },
  };
}
