/** Scenario s7b: memory over 500 redeploys. Registered by being in this folder (bench/index.ts lists it). */
export { redeployMemoryScenario as scenario } from '../memory';
