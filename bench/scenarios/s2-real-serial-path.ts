/** Scenario s2: real serial path (socat PTY pair). Registered by being in this folder (bench/index.ts lists it). */
export { ptyScenario as scenario } from '../pty';
