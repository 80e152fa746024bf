/**
 * A tiny SCPI instrument for the VISA tests (the real 2281S model lives in src/sim/keithley):
 * *IDN?, an error queue, a range-checked setting, a command refused with 700, a query that never
 * answers, a slow query, long replies, the 2281S "next query is swallowed after a rejected
 * command" quirk, and unplugging.
 */
import type { ScpiDeviceModel } from '../../src/visa/types';

export const IDN = 'KEITHLEY INSTRUMENTS,MODEL 2281S-20-6,4518305,01.08b';

export type QuirkMode = 'none' | 'swallowNextQuery' | 'swallowNextQueryEvenErr';

export class EchoModel implements ScpiDeviceModel {
  readonly messages: string[] = [];
  errors: { code: number; message: string }[] = [];
  voltage = 0;
  quirk: QuirkMode = 'none';
  plugged = true;
  remote: boolean | undefined;
  clears = 0;
  private swallowArmed = false;

  constructor(readonly serial = '4518305') {}

  isConnected(): boolean {
    return this.plugged;
  }

  setRemote(remote: boolean): void {
    this.remote = remote;
  }

  deviceClear(): void {
    this.clears++;
    this.swallowArmed = false;
  }

  private refuse(code: number, message: string): null {
    this.errors.push({ code, message });
    if (this.quirk !== 'none') this.swallowArmed = true;
    return null;
  }

  execute(message: string): string | null | Promise<string | null> {
    if (!this.plugged) throw Object.assign(new Error('EIO: simulated unplug'), { code: 'EIO' });
    this.messages.push(message);
    const [header, ...rest] = message.trim().split(' ');
    const arg = rest.join(' ');
    const h = header.toUpperCase();
    const isQuery = h.endsWith('?');
    if (isQuery && this.swallowArmed) {
      const isErr = h === ':SYST:ERR?' || h === 'SYST:ERR?';
      if (!(isErr && this.quirk === 'swallowNextQuery')) {
        this.swallowArmed = false;
        return null;
      }
      this.swallowArmed = false;
    }
    switch (h) {
      case '*IDN?':
        return IDN;
      case '*CLS':
        this.errors = [];
        return null;
      case ':SYST:ERR?':
      case 'SYST:ERR?': {
        const e = this.errors.shift();
        return e ? `${e.code},"${e.message}"` : '0,"No error"';
      }
      case ':VOLT': {
        const v = Number(arg);
        if (!Number.isFinite(v)) return this.refuse(-104, 'Data type error');
        if (v < 0 || v > 20) return this.refuse(-222, 'Data out of range');
        this.voltage = v;
        return null;
      }
      case ':VOLT?':
        return String(this.voltage);
      case ':BATT:SIM:CAP:LIM':
        return this.refuse(700, 'Command not permitted in this mode');
      case ':BATT:SIM:CAP:LIM?':
        // A "mode-enforcing" query: refused with 700 and no reply.
        return this.refuse(700, 'Command not permitted in this mode');
      case 'ECHO?':
        return arg;
      case 'LONG?':
        return 'x'.repeat(Number(arg));
      case 'SILENT?':
        return null;
      case 'SLOW?': {
        const ms = Number(arg);
        return new Promise((resolve) => setTimeout(() => resolve(`slow ${ms}`), ms));
      }
      default:
        return this.refuse(-113, 'Undefined header');
    }
  }
}
