/**
 * The built-in simulators (SPEC §6) are part of the package: importing this registers the
 * `SIM::2281S::<serial>::INSTR` instrument and the `sim:<bus>` Watlow buses, so flows on simulated
 * addresses work with nothing else installed.
 */
import '../../src/sim/keithley';
import '../../src/sim/dmm';
import '../../src/sim/watlow';
