/** Scenario s3: scaling across ports (paced simulator). Registered by being in this folder (bench/index.ts lists it). */
export { scalingScenario as scenario } from '../scaling';
