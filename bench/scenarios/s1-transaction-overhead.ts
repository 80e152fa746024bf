/** Scenario s1: transaction overhead (in-process simulator). Registered by being in this folder (bench/index.ts lists it). */
export { watlowOverhead as scenario } from '../watlow-overhead';
