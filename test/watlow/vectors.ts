/**
 * Protocol test vectors as hex strings: Std Bus frames captured on EZ-ZONE PM controllers,
 * precomputed header CRCs, and Modbus worked examples.
 */

export function bytes(hexText: string): Buffer {
  return Buffer.from(hexText.replace(/\s+/g, ''), 'hex');
}

/** Std Bus V1–V6: request/response pairs captured on real controllers. */
export const STDBUS_EXCHANGES = [
  {
    name: 'V1/V2 read 4001 addr 1',
    id: 4001,
    request: '55 FF 05 10 00 00 06 E8 01 03 01 04 01 01 E3 99',
    response: '55 FF 06 00 10 00 0B 88 02 03 01 04 01 01 08 45 1E 3C D4 A7 28',
    value: { type: 'float', value: 2531.8018 },
  },
  {
    name: 'V4 read 7001 addr 1',
    id: 7001,
    request: '55 FF 05 10 00 00 06 E8 01 03 01 07 01 01 87 76',
    response: '55 FF 06 00 10 00 0B 88 02 03 01 07 01 01 08 43 C4 00 00 33 9A',
    value: { type: 'float', value: 392.0 },
  },
  {
    name: 'V5 read 8003 addr 1',
    id: 8003,
    request: '55 FF 05 10 00 00 06 E8 01 03 01 08 03 01 F0 0F',
    response: '55 FF 06 00 10 00 0A 76 02 03 01 08 03 01 0F 01 00 47 C5 6B',
    value: { type: 'enum', value: 71 },
  },
  {
    name: 'V6 read 1001 addr 1',
    id: 1001,
    request: '55 FF 05 10 00 00 06 E8 01 03 01 01 01 01 5E A0',
    response: '55 FF 06 00 10 00 0B 88 02 03 01 01 01 01 06 00 00 00 1C 56 66',
    value: { type: 's32', value: 28 },
  },
  {
    name: 'V6 read 1009 addr 1',
    id: 1009,
    request: '55 FF 05 10 00 00 06 E8 01 03 01 01 09 01 9E 6E',
    response:
      '55 FF 06 00 10 00 18 78 02 03 01 01 09 01 09 10 50 4D 33 52 31 43 41 2D 41 41 41 41 41 41 41 00 0A B4',
    value: { type: 'string', value: 'PM3R1CA-AAAAAAA' },
  },
] as const;

/** V3: write 7001 = 392.0 (captured), request and echo reply. */
export const STDBUS_WRITE_V3 = {
  request: '55 FF 05 10 00 00 0A EC 01 04 07 01 01 08 43 C4 00 00 EB 77',
  response: '55 FF 06 00 10 00 0A 76 02 04 07 01 01 08 43 C4 00 00 82 03',
};

/** V9: error replies (address, code). */
export const STDBUS_ERRORS = [
  { address: 2, code: 0x80, frame: '55 FF 06 00 11 00 02 17 02 80 FF B8' },
  { address: 1, code: 0x80, frame: '55 FF 06 00 10 00 02 8F 02 80 FF B8' },
  { address: 1, code: 0x83, frame: '55 FF 06 00 10 00 02 8F 02 83 64 8A' },
  { address: 1, code: 0x85, frame: '55 FF 06 00 10 00 02 8F 02 85 52 EF' },
  { address: 1, code: 0x86, frame: '55 FF 06 00 10 00 02 8F 02 86 C9 DD' },
  { address: 1, code: 0x81, frame: '55 FF 06 00 10 00 02 8F 02 81 76 A9' },
  { address: 1, code: 0x84, frame: '55 FF 06 00 10 00 02 8F 02 84 DB FE' },
] as const;

/** V9: replies with the unknown service 0x05. */
export const STDBUS_UNRECOGNISED = [
  { payload: '02 05 08 03 00', frame: '55 FF 06 00 10 00 05 73 02 05 08 03 00 02 5B' },
  { payload: '02 05 01 08 00', frame: '55 FF 06 00 10 00 05 73 02 05 01 08 00 B4 23' },
] as const;

/** V10: computed requests. */
export const STDBUS_COMPUTED_READS = [
  { address: 1, id: 4001, instance: 2, frame: '55 FF 05 10 00 00 06 E8 01 03 01 04 01 02 78 AB' },
  { address: 1, id: 4002, instance: 1, frame: '55 FF 05 10 00 00 06 E8 01 03 01 04 02 01 8B B3' },
  { address: 1, id: 7007, instance: 1, frame: '55 FF 05 10 00 00 06 E8 01 03 01 07 07 01 57 22' },
  { address: 1, id: 8001, instance: 1, frame: '55 FF 05 10 00 00 06 E8 01 03 01 08 01 01 40 3C' },
  { address: 1, id: 8011, instance: 1, frame: '55 FF 05 10 00 00 06 E8 01 03 01 08 0B 01 30 C1' },
  { address: 1, id: 8033, instance: 1, frame: '55 FF 05 10 00 00 06 E8 01 03 01 08 21 01 73 1F' },
  { address: 1, id: 9009, instance: 1, frame: '55 FF 05 10 00 00 06 E8 01 03 01 09 09 01 5C A8' },
  { address: 1, id: 1002, instance: 1, frame: '55 FF 05 10 00 00 06 E8 01 03 01 01 02 01 36 8A' },
] as const;

export const STDBUS_COMPUTED_WRITES = [
  {
    address: 3,
    id: 7001,
    value: { type: 'float', value: 75.0 },
    frame: '55 FF 05 12 00 00 0A FD 01 04 07 01 01 08 42 96 00 00 0B 5D',
  },
  {
    address: 1,
    id: 8001,
    value: { type: 'enum', value: 10 },
    frame: '55 FF 05 10 00 00 09 ED 01 04 08 01 01 0F 01 00 0A 38 7C',
  },
  {
    address: 1,
    id: 8026,
    value: { type: 'enum', value: 106 },
    frame: '55 FF 05 10 00 00 09 ED 01 04 08 1A 01 0F 01 00 6A AB 70',
  },
] as const;

/** Poll-For-Master (frame type 01, no payload); the PM ignores it. */
export const POLL_FOR_MASTER = '55 FF 01 10 00 00 00 F4';

/** pywatlow's read requests at address 1: [id, data CRC bytes]. Prefix 55 FF 05 10 00 00 06 E8 01 03 01. */
export const PYWATLOW_READS: readonly [number, string][] = [
  [4005, '04 05 01 83 FE'],
  [4007, '04 07 01 33 CD'],
  [4042, '04 2A 01 78 5E'],
  [4012, '04 0C 01 9B 29'],
  [4014, '04 0E 01 2B 1A'],
  [4015, '04 0F 01 F3 03'],
  [4016, '04 10 01 AA 15'],
  [4017, '04 11 01 72 0C'],
  [4018, '04 12 01 1A 26'],
  [4020, '04 14 01 CA 72'],
  [4028, '04 1C 01 0A BC'],
  [4030, '04 1E 01 BA 8F'],
  [4031, '04 1F 01 62 96'],
  [4037, '04 25 01 B0 DD'],
  [6001, '06 01 01 5B 2C'],
  [8003, '08 03 01 F0 0F'],
  [26021, '1A 15 01 9C FE'],
  [26026, '1A 1A 01 54 7D'],
  [26028, '1A 1C 01 84 29'],
  [26029, '1A 1D 01 5C 30'],
  [26030, '1A 1E 01 34 1A'],
  [34005, '22 05 01 61 2B'],
  [34008, '22 08 01 19 9B'],
  [34018, '22 12 01 F8 F3'],
  [34029, '22 1D 01 30 70'],
];
export const PYWATLOW_PREFIX = '55 FF 05 10 00 00 06 E8 01 03 01';

/** Std Bus header CRCs (BACnet MS/TP CRC-8), precomputed: address → [req06, req09, req0A, rsp02, rsp09, rsp0A, rsp0B]. */
export const HEADER_CRC_TABLE: readonly [number, string][] = [
  [1, 'E8 ED EC 8F 77 76 88'],
  [2, '61 64 65 17 EF EE 10'],
  [3, 'F9 FC FD BC 44 45 BB'],
  [4, '70 75 74 24 DC DD 23'],
  [5, 'CA CF CE E9 11 10 EE'],
  [6, '43 46 47 71 89 88 76'],
  [7, 'DB DE DF DA 22 23 DD'],
  [8, '52 57 56 42 BA BB 45'],
  [9, 'AC A9 A8 43 BB BA 44'],
  [10, '25 20 21 DB 23 22 DC'],
  [11, 'BD B8 B9 70 88 89 77'],
  [12, '34 31 30 E8 10 11 EF'],
  [13, '8E 8B 8A 25 DD DC 22'],
  [14, '07 02 03 BD 45 44 BA'],
  [15, '9F 9A 9B 16 EE EF 11'],
  [16, '16 13 12 8E 76 77 89'],
];

/** Modbus RTU worked examples (EZ-ZONE PM registers, standard Modbus CRC). */
export const MODBUS = {
  readPv: '01 03 01 68 00 02 44 2B',
  replyPvLowHigh: '01 03 04 00 00 42 91 0B 3F',
  replyPvHighLow: '01 03 04 42 91 00 00 BF A6',
  writeSpLowHigh: '01 10 08 70 00 02 04 00 00 42 96 23 85',
  writeSpHighLow: '01 10 08 70 00 02 04 42 96 00 00 67 1F',
  writeSpReply: '01 10 08 70 00 02 42 73',
  writeControlMode: '01 06 07 58 00 0A 89 6A',
  readHardwareId: '01 03 00 00 00 02 C4 0B',
  readLoopBlock: '01 03 07 58 00 1E 45 65',
  exceptionIllegalAddress: '01 83 02 C0 F1',
};
