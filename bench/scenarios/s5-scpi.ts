/** Scenario s5: SCPI over TCP loopback, entry-function switching. Registered by being in this folder (bench/index.ts lists it). */
export { scpiScenario as scenario } from '../scpi';
