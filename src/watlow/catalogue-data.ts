/**
 * The EZ-ZONE PM parameter catalogue as data: one row per parameter, in register-list order.
 * Columns: name, Std Bus ID (class × 1000 + member), label, value type, units, access, instance
 * block (its geometry is in catalogue.ts), Modbus register of instance 1 in map 1 and in map 2
 * (null: not reachable, or unknown — Modbus then refuses the parameter rather than guessing, since
 * in map 2 a guessed loop address can write an alarm set point), then range and enumeration.
 */
import type { Access, Block, UnitsKind } from './catalogue';
import type { WatlowDataType } from './types';

// Enumerations shared by several parameters.
const NO_YES = { no: 59, yes: 106 } as const;
const CONTROL_MODE = { off: 62, auto: 10, manual: 54 } as const;
const ALGORITHM = { off: 62, pid: 71, onOff: 64 } as const;
const UNITS = { fahrenheit: 30, celsius: 15 } as const;
const INPUT_ERROR = {
  none: 61,
  open: 65,
  shorted: 127,
  measurementError: 140,
  badCalibration: 139,
  ambientError: 9,
  rtdError: 141,
  fail: 32,
  notSourced: 246,
} as const;
const SENSOR_TYPE = {
  off: 62,
  thermocouple: 95,
  millivolts: 56,
  volts: 104,
  milliamps: 112,
  rtd100: 113,
  rtd1000: 114,
} as const;
const THERMOCOUPLE_TYPE = {
  j: 46,
  k: 48,
  t: 93,
  e: 26,
  n: 58,
  r: 80,
  s: 84,
  b: 11,
  c: 15,
  d: 23,
  f: 30,
} as const;
const ALARM_STATE = { startup: 88, none: 61, blocked: 12, alarmLow: 8, alarmHigh: 7, error: 28 } as const;
const LIMIT_STATE = { off: 62, none: 61, limitHigh: 51, limitLow: 52, error: 28 } as const;

// 119–123 and 150 are the "waiting for the process to cross" phases; the names are ours.
const AUTOTUNE_STATUS = {
  off: 62,
  waitingForCross1: 119,
  waitingForCross2: 120,
  waitingForCross3: 121,
  waitingForCross4: 122,
  waitingForCross5: 123,
  waitingForCross6: 150,
  measuringMax: 151,
  measuringMin: 152,
  calculating: 153,
  complete: 18,
  timeout: 118,
} as const;

/** Temperatures as the PM displays them; the controller's own min/max set point (7003/7004) may be tighter. */
const TEMPERATURE_RANGE = { min: -1999, max: 9999 } as const;
const T = 'temperature' as const;

export type CatalogueRow = readonly [
  name: string,
  id: number,
  label: string,
  type: WatlowDataType,
  units: UnitsKind,
  access: Access,
  block: Block,
  map1: number | null,
  map2: number | null,
  extra?: {
    readonly min?: number;
    readonly max?: number;
    readonly enumCodes?: Readonly<Record<string, number>>;
  },
];

// prettier-ignore
export const CATALOGUE_ROWS: readonly CatalogueRow[] = [
  // Identity (class 1). Strings are Std Bus only.
  ['hardwareId', 1001, 'Hardware ID', 's32', '', 'R', 'identity', 0, 0],
  ['firmwareId', 1002, 'Firmware ID', 's32', '', 'R', 'identity', 2, 2],
  ['softwareRevision', 1003, 'Software revision', 's32', '', 'R', 'identity', 4, 4],
  ['softwareBuild', 1005, 'Software build', 's32', '', 'R', 'identity', 8, 8],
  ['serialNumber', 1007, 'Serial number (numeric)', 's32', '', 'R', 'identity', 12, 12],
  ['manufactureDate', 1008, 'Date of manufacture', 's32', '', 'R', 'identity', 14, 14],
  ['partNumber', 1009, 'Part number', 'string', '', 'R', 'identity', null, null],
  ['deviceName', 1011, 'Device name', 'string', '', 'RW', 'identity', null, null],
  ['deviceStatus', 1016, 'Device status', 'enum', '', 'R', 'identity', 30, null, { enumCodes: { ok: 138, fail: 32 } }],
  ['serialNumberText', 1032, 'Serial number (text)', 'string', '', 'R', 'identity', null, null],
  // Front panel (class 3).
  ['displayUnits', 3005, 'Display units', 'enum', '', 'RWES', 'single', 1838, null, { enumCodes: UNITS }],
  // Analog input (class 4).
  ['processValue', 4001, 'Process value (analog input, unfiltered)', 'float', T, 'R', 'input', 360, 360],
  ['inputError', 4002, 'Input error', 'enum', '', 'R', 'input', 362, 362, { enumCodes: INPUT_ERROR }],
  ['sensorType', 4005, 'Sensor type', 'enum', '', 'RWES', 'input', 368, 368, { enumCodes: SENSOR_TYPE }],
  ['thermocoupleType', 4006, 'Thermocouple linearization', 'enum', '', 'RWES', 'input', 370, 370, { enumCodes: THERMOCOUPLE_TYPE }],
  ['calibrationOffset', 4012, 'Calibration offset', 'float', T, 'RWES', 'input', 382, 382, { ...TEMPERATURE_RANGE }],
  ['inputFilter', 4014, 'Input filter time', 'float', 's', 'RWES', 'input', 386, 386, { min: 0, max: 60 }],
  ['displayPrecision', 4020, 'Display precision', 'enum', '', 'RWES', 'input', 398, 398, { enumCodes: { whole: 105, tenths: 94, hundredths: 40, thousandths: 96 } }],
  ['filteredProcessValue', 4022, 'Filtered process value', 'float', T, 'R', 'input', 402, 402],
  // Digital I/O (class 6). Map 1 address derived (block 880, +12 within the block) [I].
  ['digitalOutputState', 6007, 'Digital output state', 'enum', '', 'R', 'dio', 892, null, { enumCodes: { on: 63, off: 62 } }],
  // Set point block (class 7).
  ['setPoint', 7001, 'Set point (closed loop)', 'float', T, 'RWES', 'setPoint', 2160, 2640, { ...TEMPERATURE_RANGE }],
  ['manualPower', 7002, 'Manual power (open-loop set point)', 'float', '%', 'RWES', 'setPoint', 2162, 2642, { min: -100, max: 100 }],
  ['minSetPoint', 7003, 'Minimum set point', 'float', T, 'RWES', 'setPoint', 2164, 2644, { ...TEMPERATURE_RANGE }],
  ['maxSetPoint', 7004, 'Maximum set point', 'float', T, 'RWES', 'setPoint', 2166, 2646, { ...TEMPERATURE_RANGE }],
  ['activeSetPoint', 7007, 'Active closed-loop set point', 'float', T, 'R', 'setPoint', 2172, 2652],
  ['activeManualPower', 7008, 'Active open-loop set point', 'float', '%', 'R', 'setPoint', 2174, 2654],
  ['idleSetPoint', 7009, 'Idle set point', 'float', T, 'RWES', 'setPoint', 2176, 2656, { ...TEMPERATURE_RANGE }],
  ['rampSetPoint', 7016, 'Ramping set point', 'float', T, 'R', 'setPoint', 2190, 2670],
  ['rampRate', 7017, 'Ramp rate', 'float', 'deg/min', 'RWES', 'setPoint', 2192, 2672, { min: 0, max: 9999 }],
  // Control loop (class 8). Members are reordered in the Modbus block, hence the explicit table.
  ['controlMode', 8001, 'Control mode', 'enum', '', 'RWES', 'loop', 1880, 2360, { enumCodes: CONTROL_MODE }],
  ['activeControlMode', 8002, 'Active control mode', 'enum', '', 'R', 'loop', 1882, 2362, { enumCodes: CONTROL_MODE }],
  ['heatAlgorithm', 8003, 'Heat algorithm', 'enum', '', 'RWES', 'loop', 1884, 2364, { enumCodes: ALGORITHM }],
  ['coolAlgorithm', 8004, 'Cool algorithm', 'enum', '', 'RWES', 'loop', 1886, 2366, { enumCodes: ALGORITHM }],
  ['timeIntegral', 8006, 'Time integral', 'float', 's', 'RWES', 'loop', 1894, 2374, { min: 0, max: 9999 }],
  ['timeDerivative', 8007, 'Time derivative', 'float', 's', 'RWES', 'loop', 1896, 2376, { min: 0, max: 9999 }],
  ['deadBand', 8008, 'Dead band', 'float', T, 'RWES', 'loop', 1898, 2378, { min: -1000, max: 1000 }],
  ['heatProportionalBand', 8009, 'Heat proportional band', 'float', T, 'RWES', 'loop', 1890, 2370, { min: 0.001, max: 9999 }],
  ['heatHysteresis', 8010, 'Heat hysteresis', 'float', T, 'RWES', 'loop', 1900, 2380, { min: 0.001, max: 9999 }],
  ['heatPower', 8011, 'Heat power', 'float', '%', 'R', 'loop', 1904, 2384],
  ['coolProportionalBand', 8012, 'Cool proportional band', 'float', T, 'RWES', 'loop', 1892, 2372, { min: 0.001, max: 9999 }],
  ['coolHysteresis', 8013, 'Cool hysteresis', 'float', T, 'RWES', 'loop', 1902, 2382, { min: 0.001, max: 9999 }],
  ['coolPower', 8014, 'Cool power', 'float', '%', 'R', 'loop', 1906, 2386],
  ['autotuneAggressiveness', 8024, 'Autotune aggressiveness', 'enum', '', 'RWES', 'loop', 1916, 2396, { enumCodes: { under: 99, critical: 21, over: 69 } }],
  ['autotuneSetPoint', 8025, 'Autotune set point', 'float', '%', 'RWES', 'loop', 1918, 2398, { min: 50, max: 200 }],
  ['autotuneRequest', 8026, 'Autotune request', 'enum', '', 'RW', 'loop', 1920, 2400, { enumCodes: NO_YES }],
  ['autotuneStatus', 8027, 'Autotune status', 'enum', '', 'R', 'loop', 1932, 2412, { enumCodes: AUTOTUNE_STATUS }],
  ['activeProcessValue', 8031, 'Process value used by the loop', 'float', T, 'R', 'inputOfLoop', 402, null],
  ['outputPower', 8033, 'Output power (signed PID output)', 'float', '%', 'R', 'loop', 1908, 2388],
  ['openLoopDetect', 8039, 'Open-loop detect enable', 'enum', '', 'RWES', 'loop', 1922, 2402, { enumCodes: NO_YES }],
  // Alarms (class 9).
  ['alarmHighSetPoint', 9001, 'Alarm high set point', 'float', T, 'RWES', 'alarm', 1480, 1880, { ...TEMPERATURE_RANGE }],
  ['alarmLowSetPoint', 9002, 'Alarm low set point', 'float', T, 'RWES', 'alarm', 1482, 1882, { ...TEMPERATURE_RANGE }],
  ['alarmHysteresis', 9003, 'Alarm hysteresis', 'float', T, 'RWES', 'alarm', 1484, 1884, { min: 0.001, max: 9999 }],
  ['alarmState', 9009, 'Alarm state', 'enum', '', 'R', 'alarm', 1496, 1896, { enumCodes: ALARM_STATE }],
  ['alarmLatched', 9010, 'Alarm latched', 'enum', '', 'R', 'alarm', 1498, 1898, { enumCodes: NO_YES }],
  ['alarmSilenced', 9011, 'Alarm silenced', 'enum', '', 'R', 'alarm', 1500, 1900, { enumCodes: NO_YES }],
  ['alarmClearRequest', 9013, 'Alarm clear request (write 0 to clear)', 'u8', '', 'RW', 'alarm', 1504, 1904, { min: 0, max: 255 }],
  ['alarmSilenceRequest', 9014, 'Alarm silence request (write 0 to silence)', 'u8', '', 'RW', 'alarm', 1506, 1906, { min: 0, max: 255 }],
  ['alarmType', 9015, 'Alarm type', 'enum', '', 'RWES', 'alarm', 1508, 1908, { enumCodes: { off: 62, process: 76, deviation: 24 } }],
  // Limit (class 12), current (class 15), diagnostics (class 16).
  ['limitState', 12006, 'Limit state', 'enum', '', 'R', 'single', 690, null, { enumCodes: LIMIT_STATE }],
  ['currentRms', 15007, 'Current transformer RMS', 'float', 'A', 'R', 'single', 1132, null],
  ['tickCounter', 16006, 'Tick counter', 'u32', '', 'R', 'single', 5020, null],
  // Communications (class 17), instance = port.
  ['stdBusAddress', 17001, 'Std Bus address', 'u8', '', 'RWE', 'comms', 2480, null, { min: 1, max: 16 }],
  ['modbusBaudRate', 17002, 'Modbus baud rate', 'enum', '', 'RWE', 'comms', 2484, null, { enumCodes: { b9600: 188, b19200: 189, b38400: 190 } }],
  ['modbusParity', 17003, 'Modbus parity', 'enum', '', 'RWE', 'comms', 2486, null, { enumCodes: { none: 61, even: 191, odd: 192 } }],
  ['modbusAddress', 17007, 'Modbus address', 'u8', '', 'RWE', 'comms', 2482, null, { min: 1, max: 247 }],
  ['protocol', 17009, 'Protocol', 'enum', '', 'RWE', 'comms', 2492, null, { enumCodes: { stdbus: 1286, modbus: 1057 } }],
  ['modbusWordOrder', 17043, 'Modbus word order', 'enum', '', 'RWE', 'comms', 2488, null, { enumCodes: { highLow: 1330, lowHigh: 1331 } }],
  ['commsUnits', 17050, 'Comms temperature units', 'enum', '', 'RWE', 'comms', 2490, null, { enumCodes: UNITS }],
  ['nonVolatileSave', 17051, 'Non-volatile save', 'enum', '', 'RWE', 'comms', 2494, null, { enumCodes: NO_YES }],
];
