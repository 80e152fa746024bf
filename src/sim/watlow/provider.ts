/**
 * In-process simulated buses behind `sim:<bus>` serial paths. A `SimulatedWatlowBuses` is the
 * `sim:` entry of an opener table: opening `sim:bench?addresses=1,2` returns the host end of a fresh
 * sim link whose device end the bus `bench` listens on. Buses live as long as their
 * SimulatedWatlowBuses (state survives port reopen, as a real controller keeps its set point when
 * the port closes); tests reach them with `bus(name)`.
 *
 * Query options on the path: `addresses=1,2,5` (Watlow controllers, default 1), `modbus=10,11`
 * (generic Modbus devices — simulated power meters — on the same bus), `pace=1` (wire-time pacing
 * with a 3 ms turnaround), `map=2`, `wordOrder=highLow`. They apply when the bus is created;
 * `addresses` and `modbus` also add devices to an existing bus. Example:
 * `sim:bench?addresses=1,2&modbus=10`.
 */
import { parseSimPath } from '../../core/identity';
import type { SerialSettings } from '../../transport/types';
import type { ByteStream } from '../../transport/types';
import { createSimLink } from '../../transport/sim-link';
import type { StreamOpener } from '../../transport/openers';
import type { SimBusOptions } from './bus';
import { SimulatedWatlowBus } from './bus';

/** Default turnaround when pacing is on: a PM answers a few ms after the request ends. */
export const PACED_TURNAROUND_MS = 3;

function busKey(name: string): string {
  // The same normalisation as the serial path's identity (sim:Bench and sim:bench are one bus).
  return parseSimPath(`sim:${name}`)?.bus ?? name.toLowerCase();
}

function parseAddresses(text: string | null, what = 'addresses'): number[] | undefined {
  if (text === null || text.trim() === '') return undefined;
  const addresses = text.split(',').map((part) => Number(part.trim()));
  for (const a of addresses) {
    if (!Number.isInteger(a) || a < 1 || a > 247) {
      throw Object.assign(new Error(`sim: ${what} must be integers 1..247, got "${text}"`), {
        code: 'EINVAL',
      });
    }
  }
  return addresses;
}

export function optionsFromQuery(query: URLSearchParams): SimBusOptions {
  const options: SimBusOptions = {};
  const addresses = parseAddresses(query.get('addresses'));
  if (addresses) options.addresses = addresses;
  const modbusDevices = parseAddresses(query.get('modbus'), 'modbus');
  if (modbusDevices) options.modbusDevices = modbusDevices;
  const pace = query.get('pace');
  if (pace !== null && pace !== '0' && pace !== 'false') options.pace = true;
  const map = query.get('map');
  const wordOrder = query.get('wordOrder');
  if (map === '2' || wordOrder === 'highLow') {
    options.controller = {
      ...(map === '2' ? { modbusMap: 2 as const } : {}),
      ...(wordOrder === 'highLow' ? { wordOrder: 'highLow' as const } : {}),
    };
  }
  return options;
}

export class SimulatedWatlowBuses {
  private readonly buses = new Map<string, SimulatedWatlowBus>();

  /** The simulated bus called `name`, created with `options` if it does not exist yet. */
  bus(name: string, options: SimBusOptions = {}): SimulatedWatlowBus {
    const key = busKey(name);
    let bus = this.buses.get(key);
    if (!bus) {
      bus = new SimulatedWatlowBus(key, { turnaroundMs: options.pace ? PACED_TURNAROUND_MS : 0, ...options });
      this.buses.set(key, bus);
    } else {
      if (options.addresses) bus.ensureControllers(options.addresses);
      if (options.modbusDevices) bus.ensureModbusDevices(options.modbusDevices);
    }
    return bus;
  }

  /** Whether a bus of that name exists (without creating it). */
  has(name: string): boolean {
    return this.buses.has(busKey(name));
  }

  /** Forgets one bus (or all): the next open creates it afresh with factory state. */
  reset(name?: string): void {
    if (name === undefined) this.buses.clear();
    else this.buses.delete(busKey(name));
  }

  /** A fresh link per open, attached to the named bus. */
  openPort(busName: string, query: URLSearchParams, settings: SerialSettings): ByteStream {
    const bus = this.bus(busName, optionsFromQuery(query));
    if (bus.unplugged) {
      // As opening a vanished /dev/ttyUSB0 does.
      throw Object.assign(
        new Error(
          `ENOENT: no such file or directory, cannot open sim:${bus.name} (simulated adapter unplugged)`,
        ),
        { code: 'ENOENT' },
      );
    }
    const link = createSimLink({
      label: `sim:${bus.name}`,
      baudRate: bus.pace ? bus.baudRate : settings.baudRate,
      pace: bus.pace,
    });
    const detach = bus.attach(link.device);
    link.device.onClose(() => detach());
    return link.host;
  }

  /** The `sim:` entry of an opener table. */
  readonly opener: StreamOpener = async (address, settings) => {
    const sim = parseSimPath(address);
    if (!sim) {
      throw Object.assign(new Error(`${address} is not a sim:<bus> path`), { code: 'EINVAL' });
    }
    return this.openPort(sim.bus, sim.query, settings);
  };
}
