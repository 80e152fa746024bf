/** Scenario s4: Modbus coalescing. Registered by being in this folder (bench/index.ts lists it). */
export { coalescingScenario as scenario } from '../coalescing';
