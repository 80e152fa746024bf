/**
 * Scenario 4 — Modbus read coalescing. For several parameter sets, one poll of one Modbus
 * controller: FC 03 requests sent, counted on the simulator (its transaction count, and the
 * function codes seen on the wire), against the parameters asked. The same poll with coalescing
 * off is the baseline (one request per parameter) and checks that coalesced values are the same.
 * For the largest set the poll time on a paced bus (38400 baud, 5 ms turnaround) is given too.
 */
import type { PollSample } from '../src/watlow';
import type { ScenarioResult } from './harness';
import { median, round } from './harness';
import { portMeter, resetPortMeter } from './wire';
import { meteredOpeners, benchSimulators, withWatlowManager } from './backends';

const SETS: { name: string; parameters: string[] }[] = [
  {
    name: 'all10',
    parameters: [
      'processValue',
      'inputError',
      'setPoint',
      'activeSetPoint',
      'outputPower',
      'heatPower',
      'coolPower',
      'controlMode',
      'autotuneStatus',
      'alarmState',
    ],
  },
  { name: 'loop5', parameters: ['processValue', 'inputError', 'heatPower', 'coolPower', 'outputPower'] },
  { name: 'dashboard3', parameters: ['processValue', 'setPoint', 'outputPower'] },
];

/** Values that do not move between two polls (the plant moves processValue and the powers). */
const STATIC = new Set([
  'setPoint',
  'activeSetPoint',
  'controlMode',
  'autotuneStatus',
  'alarmState',
  'inputError',
]);

let seq = 0;

interface Counted {
  requests: number;
  fc03: number;
  samples: PollSample[];
  pollMs: number;
}

async function pollCounted(
  parameters: string[],
  coalesce: boolean,
  paced: boolean,
  polls = 1,
): Promise<Counted> {
  const bus = `bench-coalesce-${++seq}`;
  benchSimulators.watlow.bus(bus, { addresses: [1], ...(paced ? { pace: true, turnaroundMs: 5 } : {}) });
  return withWatlowManager(meteredOpeners, async (manager) => {
    manager.add('c', {
      port: `sim:${bus}`,
      protocol: 'modbus',
      address: 1,
      ...(coalesce ? {} : { coalesce: false as const }),
    });
    await manager.poll(parameters); // opens the port
    const times: number[] = [];
    let requests = 0;
    let fc03 = 0;
    let samples: PollSample[] = [];
    for (let i = 0; i < polls; i++) {
      benchSimulators.watlow.bus(bus).resetLog();
      resetPortMeter(bus);
      const t0 = performance.now();
      samples = await manager.poll(parameters);
      times.push(performance.now() - t0);
      requests = benchSimulators.watlow.bus(bus).transactionCount;
      fc03 = portMeter(bus).modbusFunctionCodes.get(0x03) ?? 0;
    }
    return { requests, fc03, samples, pollMs: median(times) };
  });
}

/** Requests on the wire with and without coalescing for each parameter set, and the paced poll time. */
export async function coalescingFigures(): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const set of SETS) {
    const on = await pollCounted(set.parameters, true, false);
    const off = await pollCounted(set.parameters, false, false);
    const same = on.samples.every((s, i) => !STATIC.has(s.parameter) || s.raw === off.samples[i]?.raw);
    const details: Record<string, number | string | boolean> = {
      parameters: set.parameters.length,
      fc03RequestsOnWire: on.fc03,
      simulatorTransactions: on.requests,
      uncoalescedFc03Requests: off.fc03,
      parametersPerRequest: round(set.parameters.length / on.requests, 2),
      staticValuesMatchUncoalesced: same,
      errors: on.samples.filter((s) => s.error).length,
    };
    if (set.name === 'all10') {
      const pacedOn = await pollCounted(set.parameters, true, true, 3);
      const pacedOff = await pollCounted(set.parameters, false, true, 3);
      details.pacedPollMsCoalesced = round(pacedOn.pollMs, 1);
      details.pacedPollMsUncoalesced = round(pacedOff.pollMs, 1);
      details.pacedSpeedUp = round(pacedOff.pollMs / pacedOn.pollMs, 2);
    }
    results.push({
      id: `s4-coalescing-${set.name}`,
      description: `one Modbus poll of ${set.parameters.length} parameters (${set.parameters.join(', ')}): FC 03 requests sent, counted on the simulator`,
      figure: on.requests,
      unit: 'FC03 requests/poll',
      baseline: set.parameters.length,
      baselineDescription: `parameters per poll (= requests with coalescing off: ${off.requests} measured)`,
      ratio: round(on.requests / set.parameters.length, 3),
      target: 'fewer requests than parameters where registers are close (gap ≤ 16, span ≤ 64)',
      met: on.requests <= set.parameters.length && same,
      details,
      notes:
        'Coalescing joins registers within 16 of each other into one read (span ≤ 64). processValue/inputError (360–362), heat/cool/output power (1904–1909) and setPoint/activeSetPoint (2160–2173) coalesce; controlMode (1880), autotuneStatus (1932) and alarmState (1496) are more than 16 registers from their neighbours and go alone. On a paced bus each request saved is a turnaround (5 ms) plus ~17 bytes of wire time.',
    });
  }
  return results;
}
