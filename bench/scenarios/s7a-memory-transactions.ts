/** Scenario s7a: memory over 200k transactions. Registered by being in this folder (bench/index.ts lists it). */
export { transactionMemoryScenario as scenario } from '../memory';
