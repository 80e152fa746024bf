/**
 * The EZ-ZONE PM parameter catalogue (spec §4): what the poll and write nodes can name. Each row
 * gives the Std Bus ID (class × 1000 + member), the value type, units, enumeration codes, access,
 * range, the number of instances, and the Modbus register in both data maps.
 *
 * Sources and confidence follow the spec. Map 2 addresses marked "?" or "—" there are `null` here:
 * the register is unknown, so Modbus Map 2 refuses the parameter instead of guessing (in Map 2 a
 * guessed loop address can write an alarm set point — spec §3.3 hazard).
 */
import type { WatlowDataType } from './types';

export type Access = 'R' | 'RW' | 'RWE' | 'RWES';

/** `temperature` is resolved per controller to °F (the wire default) or °C (asserted by the user). */
export type UnitsKind = 'temperature' | '%' | 's' | 'A' | 'deg/min' | '';

export interface ModbusLocation {
  /** Relative (0-based PDU) register of instance 1 in Map 1; null = not reachable over Modbus. */
  readonly map1: number | null;
  /** The same in Map 2; null = unknown or absent. */
  readonly map2: number | null;
  /** Registers between consecutive instances, per map. */
  readonly offset1: number;
  readonly offset2: number;
}

export interface ParameterSpec {
  readonly name: string;
  readonly id: number;
  readonly label: string;
  readonly type: WatlowDataType;
  readonly units: UnitsKind;
  readonly access: Access;
  readonly writable: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Enumeration name → wire code. Names are lower camel case, as users type them ("auto", "pid", "yes"). */
  readonly enumCodes?: Readonly<Record<string, number>>;
  /** Highest instance on a PM (register list `max_instance`); a real SKU may fit fewer. */
  readonly maxInstance: number;
  /** What an instance number means, for messages ("loop 2"). */
  readonly instanceKind: 'input' | 'loop' | 'alarm' | 'output' | 'port' | 'unit';
  readonly modbus: ModbusLocation;
}

// Enumerations shared by several parameters.
const NO_YES = { no: 59, yes: 106 } as const;
const CONTROL_MODE = { off: 62, auto: 10, manual: 54 } as const;
const ALGORITHM = { off: 62, pid: 71, onOff: 64 } as const;
const UNITS = { fahrenheit: 30, celsius: 15 } as const;

/** Temperatures as the PM displays them; the controller's own min/max set point (7003/7004) may be tighter. */
const TEMPERATURE_RANGE = { min: -1999, max: 9999 } as const;

type Row = Omit<ParameterSpec, 'writable' | 'modbus' | 'maxInstance' | 'instanceKind'> & {
  modbus: [map1: number | null, map2: number | null] | null;
  block: Block;
};

/** Instance geometry per register-list class (spec §3.2/§3.3). */
type Block =
  'identity' | 'input' | 'setPoint' | 'loop' | 'alarm' | 'dio' | 'comms' | 'single' | 'inputOfLoop';
const BLOCKS: Record<
  Block,
  { maxInstance: number; instanceKind: ParameterSpec['instanceKind']; offset1: number; offset2: number }
> = {
  identity: { maxInstance: 1, instanceKind: 'unit', offset1: 0, offset2: 0 },
  single: { maxInstance: 1, instanceKind: 'unit', offset1: 0, offset2: 0 },
  input: { maxInstance: 2, instanceKind: 'input', offset1: 80, offset2: 90 },
  // 8031 lives in the analog-input block (same register as 4022), addressed by loop number.
  inputOfLoop: { maxInstance: 2, instanceKind: 'loop', offset1: 80, offset2: 90 },
  setPoint: { maxInstance: 2, instanceKind: 'loop', offset1: 80, offset2: 80 },
  loop: { maxInstance: 2, instanceKind: 'loop', offset1: 70, offset2: 70 },
  alarm: { maxInstance: 4, instanceKind: 'alarm', offset1: 50, offset2: 60 },
  dio: { maxInstance: 8, instanceKind: 'output', offset1: 30, offset2: 30 },
  comms: { maxInstance: 2, instanceKind: 'port', offset1: 20, offset2: 20 },
};

const T = 'temperature' as const;
const rows: Row[] = [
  // Identity (class 1). Strings are Std Bus only.
  {
    name: 'hardwareId',
    id: 1001,
    label: 'Hardware ID',
    type: 's32',
    units: '',
    access: 'R',
    block: 'identity',
    modbus: [0, 0],
  },
  {
    name: 'firmwareId',
    id: 1002,
    label: 'Firmware ID',
    type: 's32',
    units: '',
    access: 'R',
    block: 'identity',
    modbus: [2, 2],
  },
  {
    name: 'softwareRevision',
    id: 1003,
    label: 'Software revision',
    type: 's32',
    units: '',
    access: 'R',
    block: 'identity',
    modbus: [4, 4],
  },
  {
    name: 'softwareBuild',
    id: 1005,
    label: 'Software build',
    type: 's32',
    units: '',
    access: 'R',
    block: 'identity',
    modbus: [8, 8],
  },
  {
    name: 'serialNumber',
    id: 1007,
    label: 'Serial number (numeric)',
    type: 's32',
    units: '',
    access: 'R',
    block: 'identity',
    modbus: [12, 12],
  },
  {
    name: 'manufactureDate',
    id: 1008,
    label: 'Date of manufacture',
    type: 's32',
    units: '',
    access: 'R',
    block: 'identity',
    modbus: [14, 14],
  },
  {
    name: 'partNumber',
    id: 1009,
    label: 'Part number',
    type: 'string',
    units: '',
    access: 'R',
    block: 'identity',
    modbus: null,
  },
  {
    name: 'deviceName',
    id: 1011,
    label: 'Device name',
    type: 'string',
    units: '',
    access: 'RW',
    block: 'identity',
    modbus: null,
  },
  {
    name: 'deviceStatus',
    id: 1016,
    label: 'Device status',
    type: 'enum',
    units: '',
    access: 'R',
    block: 'identity',
    enumCodes: { ok: 138, fail: 32 },
    modbus: [30, null],
  },
  {
    name: 'serialNumberText',
    id: 1032,
    label: 'Serial number (text)',
    type: 'string',
    units: '',
    access: 'R',
    block: 'identity',
    modbus: null,
  },
  // Front panel (class 3).
  {
    name: 'displayUnits',
    id: 3005,
    label: 'Display units',
    type: 'enum',
    units: '',
    access: 'RWES',
    block: 'single',
    enumCodes: UNITS,
    modbus: [1838, null],
  },
  // Analog input (class 4).
  {
    name: 'processValue',
    id: 4001,
    label: 'Process value (analog input, unfiltered)',
    type: 'float',
    units: T,
    access: 'R',
    block: 'input',
    modbus: [360, 360],
  },
  {
    name: 'inputError',
    id: 4002,
    label: 'Input error',
    type: 'enum',
    units: '',
    access: 'R',
    block: 'input',
    enumCodes: {
      none: 61,
      open: 65,
      shorted: 127,
      measurementError: 140,
      badCalibration: 139,
      ambientError: 9,
      rtdError: 141,
      fail: 32,
      notSourced: 246,
    },
    modbus: [362, 362],
  },
  {
    name: 'sensorType',
    id: 4005,
    label: 'Sensor type',
    type: 'enum',
    units: '',
    access: 'RWES',
    block: 'input',
    enumCodes: {
      off: 62,
      thermocouple: 95,
      millivolts: 56,
      volts: 104,
      milliamps: 112,
      rtd100: 113,
      rtd1000: 114,
    },
    modbus: [368, 368],
  },
  {
    name: 'thermocoupleType',
    id: 4006,
    label: 'Thermocouple linearization',
    type: 'enum',
    units: '',
    access: 'RWES',
    block: 'input',
    enumCodes: { j: 46, k: 48, t: 93, e: 26, n: 58, r: 80, s: 84, b: 11, c: 15, d: 23, f: 30 },
    modbus: [370, 370],
  },
  {
    name: 'calibrationOffset',
    id: 4012,
    label: 'Calibration offset',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'input',
    ...TEMPERATURE_RANGE,
    modbus: [382, 382],
  },
  {
    name: 'inputFilter',
    id: 4014,
    label: 'Input filter time',
    type: 'float',
    units: 's',
    access: 'RWES',
    block: 'input',
    min: 0,
    max: 60,
    modbus: [386, 386],
  },
  {
    name: 'displayPrecision',
    id: 4020,
    label: 'Display precision',
    type: 'enum',
    units: '',
    access: 'RWES',
    block: 'input',
    enumCodes: { whole: 105, tenths: 94, hundredths: 40, thousandths: 96 },
    modbus: [398, 398],
  },
  {
    name: 'filteredProcessValue',
    id: 4022,
    label: 'Filtered process value',
    type: 'float',
    units: T,
    access: 'R',
    block: 'input',
    modbus: [402, 402],
  },
  // Digital I/O (class 6). Map 1 address derived (block 880, +12 within the block) [I].
  {
    name: 'digitalOutputState',
    id: 6007,
    label: 'Digital output state',
    type: 'enum',
    units: '',
    access: 'R',
    block: 'dio',
    enumCodes: { on: 63, off: 62 },
    modbus: [892, null],
  },
  // Set point block (class 7).
  {
    name: 'setPoint',
    id: 7001,
    label: 'Set point (closed loop)',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'setPoint',
    ...TEMPERATURE_RANGE,
    modbus: [2160, 2640],
  },
  {
    name: 'manualPower',
    id: 7002,
    label: 'Manual power (open-loop set point)',
    type: 'float',
    units: '%',
    access: 'RWES',
    block: 'setPoint',
    min: -100,
    max: 100,
    modbus: [2162, 2642],
  },
  {
    name: 'minSetPoint',
    id: 7003,
    label: 'Minimum set point',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'setPoint',
    ...TEMPERATURE_RANGE,
    modbus: [2164, 2644],
  },
  {
    name: 'maxSetPoint',
    id: 7004,
    label: 'Maximum set point',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'setPoint',
    ...TEMPERATURE_RANGE,
    modbus: [2166, 2646],
  },
  {
    name: 'activeSetPoint',
    id: 7007,
    label: 'Active closed-loop set point',
    type: 'float',
    units: T,
    access: 'R',
    block: 'setPoint',
    modbus: [2172, 2652],
  },
  {
    name: 'activeManualPower',
    id: 7008,
    label: 'Active open-loop set point',
    type: 'float',
    units: '%',
    access: 'R',
    block: 'setPoint',
    modbus: [2174, 2654],
  },
  {
    name: 'idleSetPoint',
    id: 7009,
    label: 'Idle set point',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'setPoint',
    ...TEMPERATURE_RANGE,
    modbus: [2176, 2656],
  },
  {
    name: 'rampSetPoint',
    id: 7016,
    label: 'Ramping set point',
    type: 'float',
    units: T,
    access: 'R',
    block: 'setPoint',
    modbus: [2190, 2670],
  },
  {
    name: 'rampRate',
    id: 7017,
    label: 'Ramp rate',
    type: 'float',
    units: 'deg/min',
    access: 'RWES',
    block: 'setPoint',
    min: 0,
    max: 9999,
    modbus: [2192, 2672],
  },
  // Control loop (class 8). Members are reordered in the Modbus block, hence the explicit table.
  {
    name: 'controlMode',
    id: 8001,
    label: 'Control mode',
    type: 'enum',
    units: '',
    access: 'RWES',
    block: 'loop',
    enumCodes: CONTROL_MODE,
    modbus: [1880, 2360],
  },
  {
    name: 'activeControlMode',
    id: 8002,
    label: 'Active control mode',
    type: 'enum',
    units: '',
    access: 'R',
    block: 'loop',
    enumCodes: CONTROL_MODE,
    modbus: [1882, 2362],
  },
  {
    name: 'heatAlgorithm',
    id: 8003,
    label: 'Heat algorithm',
    type: 'enum',
    units: '',
    access: 'RWES',
    block: 'loop',
    enumCodes: ALGORITHM,
    modbus: [1884, 2364],
  },
  {
    name: 'coolAlgorithm',
    id: 8004,
    label: 'Cool algorithm',
    type: 'enum',
    units: '',
    access: 'RWES',
    block: 'loop',
    enumCodes: ALGORITHM,
    modbus: [1886, 2366],
  },
  {
    name: 'timeIntegral',
    id: 8006,
    label: 'Time integral',
    type: 'float',
    units: 's',
    access: 'RWES',
    block: 'loop',
    min: 0,
    max: 9999,
    modbus: [1894, 2374],
  },
  {
    name: 'timeDerivative',
    id: 8007,
    label: 'Time derivative',
    type: 'float',
    units: 's',
    access: 'RWES',
    block: 'loop',
    min: 0,
    max: 9999,
    modbus: [1896, 2376],
  },
  {
    name: 'deadBand',
    id: 8008,
    label: 'Dead band',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'loop',
    min: -1000,
    max: 1000,
    modbus: [1898, 2378],
  },
  {
    name: 'heatProportionalBand',
    id: 8009,
    label: 'Heat proportional band',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'loop',
    min: 0.001,
    max: 9999,
    modbus: [1890, 2370],
  },
  {
    name: 'heatHysteresis',
    id: 8010,
    label: 'Heat hysteresis',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'loop',
    min: 0.001,
    max: 9999,
    modbus: [1900, 2380],
  },
  {
    name: 'heatPower',
    id: 8011,
    label: 'Heat power',
    type: 'float',
    units: '%',
    access: 'R',
    block: 'loop',
    modbus: [1904, 2384],
  },
  {
    name: 'coolProportionalBand',
    id: 8012,
    label: 'Cool proportional band',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'loop',
    min: 0.001,
    max: 9999,
    modbus: [1892, 2372],
  },
  {
    name: 'coolHysteresis',
    id: 8013,
    label: 'Cool hysteresis',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'loop',
    min: 0.001,
    max: 9999,
    modbus: [1902, 2382],
  },
  {
    name: 'coolPower',
    id: 8014,
    label: 'Cool power',
    type: 'float',
    units: '%',
    access: 'R',
    block: 'loop',
    modbus: [1906, 2386],
  },
  {
    name: 'autotuneAggressiveness',
    id: 8024,
    label: 'Autotune aggressiveness',
    type: 'enum',
    units: '',
    access: 'RWES',
    block: 'loop',
    enumCodes: { under: 99, critical: 21, over: 69 },
    modbus: [1916, 2396],
  },
  {
    name: 'autotuneSetPoint',
    id: 8025,
    label: 'Autotune set point',
    type: 'float',
    units: '%',
    access: 'RWES',
    block: 'loop',
    min: 50,
    max: 200,
    modbus: [1918, 2398],
  },
  {
    name: 'autotuneRequest',
    id: 8026,
    label: 'Autotune request',
    type: 'enum',
    units: '',
    access: 'RW',
    block: 'loop',
    enumCodes: NO_YES,
    modbus: [1920, 2400],
  },
  {
    name: 'autotuneStatus',
    id: 8027,
    label: 'Autotune status',
    type: 'enum',
    units: '',
    access: 'R',
    block: 'loop',
    // 119–123 and 150 are the "waiting for the process to cross" phases; the names are ours.
    enumCodes: {
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
    },
    modbus: [1932, 2412],
  },
  {
    name: 'activeProcessValue',
    id: 8031,
    label: 'Process value used by the loop',
    type: 'float',
    units: T,
    access: 'R',
    block: 'inputOfLoop',
    modbus: [402, null],
  },
  {
    name: 'outputPower',
    id: 8033,
    label: 'Output power (signed PID output)',
    type: 'float',
    units: '%',
    access: 'R',
    block: 'loop',
    modbus: [1908, 2388],
  },
  {
    name: 'openLoopDetect',
    id: 8039,
    label: 'Open-loop detect enable',
    type: 'enum',
    units: '',
    access: 'RWES',
    block: 'loop',
    enumCodes: NO_YES,
    modbus: [1922, 2402],
  },
  // Alarms (class 9).
  {
    name: 'alarmHighSetPoint',
    id: 9001,
    label: 'Alarm high set point',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'alarm',
    ...TEMPERATURE_RANGE,
    modbus: [1480, 1880],
  },
  {
    name: 'alarmLowSetPoint',
    id: 9002,
    label: 'Alarm low set point',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'alarm',
    ...TEMPERATURE_RANGE,
    modbus: [1482, 1882],
  },
  {
    name: 'alarmHysteresis',
    id: 9003,
    label: 'Alarm hysteresis',
    type: 'float',
    units: T,
    access: 'RWES',
    block: 'alarm',
    min: 0.001,
    max: 9999,
    modbus: [1484, 1884],
  },
  {
    name: 'alarmState',
    id: 9009,
    label: 'Alarm state',
    type: 'enum',
    units: '',
    access: 'R',
    block: 'alarm',
    enumCodes: { startup: 88, none: 61, blocked: 12, alarmLow: 8, alarmHigh: 7, error: 28 },
    modbus: [1496, 1896],
  },
  {
    name: 'alarmLatched',
    id: 9010,
    label: 'Alarm latched',
    type: 'enum',
    units: '',
    access: 'R',
    block: 'alarm',
    enumCodes: NO_YES,
    modbus: [1498, 1898],
  },
  {
    name: 'alarmSilenced',
    id: 9011,
    label: 'Alarm silenced',
    type: 'enum',
    units: '',
    access: 'R',
    block: 'alarm',
    enumCodes: NO_YES,
    modbus: [1500, 1900],
  },
  {
    name: 'alarmClearRequest',
    id: 9013,
    label: 'Alarm clear request (write 0 to clear)',
    type: 'u8',
    units: '',
    access: 'RW',
    block: 'alarm',
    min: 0,
    max: 255,
    modbus: [1504, 1904],
  },
  {
    name: 'alarmSilenceRequest',
    id: 9014,
    label: 'Alarm silence request (write 0 to silence)',
    type: 'u8',
    units: '',
    access: 'RW',
    block: 'alarm',
    min: 0,
    max: 255,
    modbus: [1506, 1906],
  },
  {
    name: 'alarmType',
    id: 9015,
    label: 'Alarm type',
    type: 'enum',
    units: '',
    access: 'RWES',
    block: 'alarm',
    enumCodes: { off: 62, process: 76, deviation: 24 },
    modbus: [1508, 1908],
  },
  // Limit (class 12), current (class 15), diagnostics (class 16).
  {
    name: 'limitState',
    id: 12006,
    label: 'Limit state',
    type: 'enum',
    units: '',
    access: 'R',
    block: 'single',
    enumCodes: { off: 62, none: 61, limitHigh: 51, limitLow: 52, error: 28 },
    modbus: [690, null],
  },
  {
    name: 'currentRms',
    id: 15007,
    label: 'Current transformer RMS',
    type: 'float',
    units: 'A',
    access: 'R',
    block: 'single',
    modbus: [1132, null],
  },
  {
    name: 'tickCounter',
    id: 16006,
    label: 'Tick counter',
    type: 'u32',
    units: '',
    access: 'R',
    block: 'single',
    modbus: [5020, null],
  },
  // Communications (class 17), instance = port.
  {
    name: 'stdBusAddress',
    id: 17001,
    label: 'Std Bus address',
    type: 'u8',
    units: '',
    access: 'RWE',
    block: 'comms',
    min: 1,
    max: 16,
    modbus: [2480, null],
  },
  {
    name: 'modbusBaudRate',
    id: 17002,
    label: 'Modbus baud rate',
    type: 'enum',
    units: '',
    access: 'RWE',
    block: 'comms',
    enumCodes: { b9600: 188, b19200: 189, b38400: 190 },
    modbus: [2484, null],
  },
  {
    name: 'modbusParity',
    id: 17003,
    label: 'Modbus parity',
    type: 'enum',
    units: '',
    access: 'RWE',
    block: 'comms',
    enumCodes: { none: 61, even: 191, odd: 192 },
    modbus: [2486, null],
  },
  {
    name: 'modbusAddress',
    id: 17007,
    label: 'Modbus address',
    type: 'u8',
    units: '',
    access: 'RWE',
    block: 'comms',
    min: 1,
    max: 247,
    modbus: [2482, null],
  },
  {
    name: 'protocol',
    id: 17009,
    label: 'Protocol',
    type: 'enum',
    units: '',
    access: 'RWE',
    block: 'comms',
    enumCodes: { stdbus: 1286, modbus: 1057 },
    modbus: [2492, null],
  },
  {
    name: 'modbusWordOrder',
    id: 17043,
    label: 'Modbus word order',
    type: 'enum',
    units: '',
    access: 'RWE',
    block: 'comms',
    enumCodes: { highLow: 1330, lowHigh: 1331 },
    modbus: [2488, null],
  },
  {
    name: 'commsUnits',
    id: 17050,
    label: 'Comms temperature units',
    type: 'enum',
    units: '',
    access: 'RWE',
    block: 'comms',
    enumCodes: UNITS,
    modbus: [2490, null],
  },
  {
    name: 'nonVolatileSave',
    id: 17051,
    label: 'Non-volatile save',
    type: 'enum',
    units: '',
    access: 'RWE',
    block: 'comms',
    enumCodes: NO_YES,
    modbus: [2494, null],
  },
];

function build(row: Row): ParameterSpec {
  const { block, modbus, ...rest } = row;
  const geometry = BLOCKS[block];
  return Object.freeze({
    ...rest,
    writable: row.access !== 'R',
    maxInstance: geometry.maxInstance,
    instanceKind: geometry.instanceKind,
    modbus: Object.freeze({
      map1: modbus ? modbus[0] : null,
      map2: modbus ? modbus[1] : null,
      offset1: geometry.offset1,
      offset2: geometry.offset2,
    }),
    ...(row.enumCodes ? { enumCodes: Object.freeze({ ...row.enumCodes }) } : {}),
  });
}

/** Every catalogue parameter, in register-list order. */
export const PARAMETERS: readonly ParameterSpec[] = Object.freeze(rows.map(build));

const byName = new Map(PARAMETERS.map((p) => [p.name.toLowerCase(), p]));
const byId = new Map(PARAMETERS.map((p) => [p.id, p]));

/** Looks a parameter up by catalogue name (case-insensitive) or numeric ID (number or digits). */
export function findParameter(nameOrId: string | number): ParameterSpec | undefined {
  if (typeof nameOrId === 'number') return byId.get(nameOrId);
  if (typeof nameOrId !== 'string') return undefined;
  const text = nameOrId.trim();
  if (/^\d+$/.test(text)) return byId.get(Number(text));
  return byName.get(text.toLowerCase());
}

/** Names of every catalogue parameter (for editor drop-downs and error messages). */
export function parameterNames(): string[] {
  return PARAMETERS.map((p) => p.name);
}

/** Enumeration code → name, or undefined when the catalogue does not name that code. */
export function enumNameOf(spec: ParameterSpec, code: number): string | undefined {
  if (!spec.enumCodes) return undefined;
  for (const [name, value] of Object.entries(spec.enumCodes)) if (value === code) return name;
  return undefined;
}
