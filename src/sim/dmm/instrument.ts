/**
 * A simulated digital multimeter: a generic SCPI instrument (not the 2281S) for the `scpi` node,
 * its examples and the binary-block benchmark. What it answers:
 *
 *   *IDN?  *RST  *CLS  *OPC?  *ESR?
 *   CONFigure[:VOLTage][:DC] [range[,resolution]]   READ?   MEASure[:VOLTage][:DC]? [range[,res]]
 *   FORMat[:DATA] REAL[,32]|ASCii[,n]   FORMat[:DATA]?   FORMat:BORDer NORMal|SWAPped   FORMat:BORDer?
 *   TRACe:POINts n (1..MAX_TRACE_POINTS)   TRACe:POINts?   TRACe:DATA?   SYSTem:ERRor[:NEXT]?
 *
 * TRAC:DATA? answers an IEEE 488.2 definite block of N float32 samples (REAL,32; byte order per
 * FORM:BORD, NORMal = big-endian) or a comma list (ASCii). Readings are deterministic (a slow
 * sine around 1.25 V), so tests can check values. Errors use the standard SCPI codes (-102
 * syntax, -108 parameter not allowed, -109 missing parameter, -113 undefined header, -222 out of
 * range, -224 illegal value). Compound messages (`a;b?;c?`) answer with replies joined by ';'.
 */
import { ErrorQueue } from '../keithley/errors';
import type { HeaderPattern, ParsedCommand } from '../keithley/scpi-parser';
import {
  ScpiParamError,
  choiceParam,
  compilePattern,
  matchHeader,
  numericParam,
  parseCommand,
  splitProgramMessage,
} from '../keithley/scpi-parser';
import type { ScpiDeviceModel, ScpiModelReply } from '../../visa/types';

/** Most samples TRAC:DATA? returns: 8 Mi float32 samples (32 MiB), beyond the 16 MiB benchmark. */
export const MAX_TRACE_POINTS = 8 * 1024 * 1024;

export type DmmDataFormat = 'real32' | 'ascii';
export type DmmByteOrder = 'normal' | 'swapped';

type Handler = (cmd: ParsedCommand) => string | Buffer | undefined;

interface CommandDef {
  pattern: HeaderPattern;
  set?: Handler;
  query?: Handler;
}

export class SimulatedDmm implements ScpiDeviceModel {
  readonly serial: string;
  readonly usbIdentity = {
    vendorId: 0x05e6,
    productId: 0x6500,
    manufacturer: 'LABBENCH',
    product: 'SIM-DMM',
  };
  /** Every command received, in order (tests count round trips and commands). */
  readonly log: string[] = [];
  /** Program messages received (one per round trip). */
  messages = 0;
  format: DmmDataFormat = 'ascii';
  byteOrder: DmmByteOrder = 'normal';
  tracePoints = 10;
  configured = 'VOLT:DC';
  private readingIndex = 0;
  private readonly errors = new ErrorQueue(20);
  private eventStatus = 0;
  private readonly commands: CommandDef[];

  constructor(serial: string) {
    this.serial = serial;
    this.commands = this.buildCommands();
  }

  get identity(): string {
    return `LABBENCH,SIM-DMM,${this.serial},1.0`;
  }

  /** Sample `i` of the simulated signal, V. */
  static sample(i: number): number {
    return 1.25 + 0.01 * Math.sin(i / 16);
  }

  execute(message: string): ScpiModelReply {
    this.messages++;
    const replies: (string | Buffer)[] = [];
    for (const text of splitProgramMessage(message)) {
      this.log.push(text);
      if (this.log.length > 10_000) this.log.splice(0, 5_000);
      const parsed = parseCommand(text);
      if (!parsed) {
        this.fail(-102);
        continue;
      }
      const reply = this.dispatch(parsed);
      if (reply !== undefined) replies.push(reply);
    }
    if (replies.length === 0) return null;
    if (replies.every((r) => typeof r === 'string')) return replies.join(';');
    const parts: Buffer[] = [];
    replies.forEach((r, i) => {
      if (i > 0) parts.push(Buffer.from(';'));
      parts.push(typeof r === 'string' ? Buffer.from(r, 'latin1') : r);
    });
    return Buffer.concat(parts);
  }

  deviceClear(): void {
    // Nothing buffered between messages here; settings and the error queue survive a clear.
  }

  /** Codes queued now (tests). */
  errorCodes(): number[] {
    return this.errors.codes();
  }

  private fail(code: number): void {
    this.errors.push(code);
    this.eventStatus |= code <= -100 && code > -200 ? 32 : code <= -200 && code > -300 ? 16 : 8;
  }

  private dispatch(cmd: ParsedCommand): string | Buffer | undefined {
    for (const def of this.commands) {
      if (!matchHeader(cmd.tokens, def.pattern)) continue;
      const handler = cmd.isQuery ? def.query : def.set;
      if (!handler) continue;
      try {
        return handler(cmd);
      } catch (err) {
        if (err instanceof ScpiParamError) {
          this.fail(err.code);
          return undefined;
        }
        throw err;
      }
    }
    this.fail(-113);
    return undefined;
  }

  private reading(): number {
    return SimulatedDmm.sample(this.readingIndex++);
  }

  private reset(): void {
    this.format = 'ascii';
    this.byteOrder = 'normal';
    this.tracePoints = 10;
    this.configured = 'VOLT:DC';
  }

  private traceData(): string | Buffer {
    const n = this.tracePoints;
    if (this.format === 'ascii') {
      const out: string[] = new Array<string>(n);
      for (let i = 0; i < n; i++) out[i] = scientific(SimulatedDmm.sample(i));
      return out.join(',');
    }
    const length = n * 4;
    const digits = String(length);
    const header = `#${digits.length}${digits}`;
    const block = Buffer.allocUnsafe(header.length + length);
    block.write(header, 0, 'latin1');
    const little = this.byteOrder === 'swapped';
    const view = new DataView(block.buffer, block.byteOffset + header.length, length);
    for (let i = 0; i < n; i++) view.setFloat32(i * 4, SimulatedDmm.sample(i), little);
    return block;
  }

  private buildCommands(): CommandDef[] {
    const noParams = (cmd: ParsedCommand): void => {
      if (cmd.params.length > 0) throw new ScpiParamError(-108, 'Parameter not allowed');
    };
    const rangeParams = (cmd: ParsedCommand): void => {
      if (cmd.params.length > 2) throw new ScpiParamError(-108, 'Parameter not allowed');
      if (cmd.params[0] !== undefined) numericParam(cmd.params[0], { min: 0.1, max: 1000, def: 10 }, ['V']);
      if (cmd.params[1] !== undefined) numericParam(cmd.params[1], { min: 1e-9, max: 1, def: 1e-6 }, ['V']);
    };
    const defs: [string, Handler | undefined, Handler | undefined][] = [
      ['*IDN', undefined, (c) => (noParams(c), this.identity)],
      [
        '*RST',
        (c) => {
          noParams(c);
          this.reset();
          return undefined;
        },
        undefined,
      ],
      [
        '*CLS',
        (c) => {
          noParams(c);
          this.errors.clear();
          this.eventStatus = 0;
          return undefined;
        },
        undefined,
      ],
      ['*OPC', () => undefined, (c) => (noParams(c), '1')],
      [
        '*ESR',
        undefined,
        (c) => {
          noParams(c);
          const value = this.eventStatus;
          this.eventStatus = 0;
          return String(value);
        },
      ],
      [
        'CONFigure:[VOLTage]:[DC]',
        (c) => {
          rangeParams(c);
          this.configured = 'VOLT:DC';
          return undefined;
        },
        (c) => (noParams(c), '"VOLT:DC"'),
      ],
      ['READ', undefined, (c) => (noParams(c), scientific(this.reading()))],
      ['MEASure:[VOLTage]:[DC]', undefined, (c) => (rangeParams(c), scientific(this.reading()))],
      [
        'FORMat:[DATA]',
        (c) => {
          if (c.params.length === 0) throw new ScpiParamError(-109, 'Missing parameter');
          if (c.params.length > 2) throw new ScpiParamError(-108, 'Parameter not allowed');
          const format = choiceParam(c.params[0], { REAL: 'real32', ASCii: 'ascii' } as const);
          if (c.params[1] !== undefined) {
            const width = numericParam(c.params[1], { min: 0, max: 64 });
            if (format === 'real32' && width !== 32)
              throw new ScpiParamError(-224, 'Illegal parameter value');
          }
          this.format = format;
          return undefined;
        },
        (c) => (noParams(c), this.format === 'real32' ? 'REAL,32' : 'ASC,7'),
      ],
      [
        'FORMat:BORDer',
        (c) => {
          if (c.params.length > 1) throw new ScpiParamError(-108, 'Parameter not allowed');
          this.byteOrder = choiceParam(c.params[0], { NORMal: 'normal', SWAPped: 'swapped' } as const);
          return undefined;
        },
        (c) => (noParams(c), this.byteOrder === 'normal' ? 'NORM' : 'SWAP'),
      ],
      [
        'TRACe:POINts',
        (c) => {
          if (c.params.length > 1) throw new ScpiParamError(-108, 'Parameter not allowed');
          const n = numericParam(c.params[0], { min: 1, max: MAX_TRACE_POINTS, def: 10 });
          if (!Number.isInteger(n)) throw new ScpiParamError(-224, 'Illegal parameter value');
          this.tracePoints = n;
          return undefined;
        },
        (c) => (noParams(c), String(this.tracePoints)),
      ],
      ['TRACe:[DATA]', undefined, (c) => (noParams(c), this.traceData())],
      ['SYSTem:ERRor:[NEXT]', undefined, (c) => (noParams(c), this.errors.next())],
    ];
    return defs.map(([source, set, query]) => ({ pattern: compilePattern(source), set, query }));
  }
}

/** A reading as the DMM prints it: `+1.250000E+00`. */
function scientific(value: number): string {
  const [mantissa, exponent] = value.toExponential(6).split('e');
  const sign = mantissa.startsWith('-') ? '' : '+';
  const exp = Number(exponent);
  return `${sign}${mantissa}E${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}
