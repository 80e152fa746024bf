/**
 * A controller's Std Bus side: one request per parameter on the shared line, refusals decoded
 * from the Watlow error byte, parameters outside the catalogue typed by what they answer.
 */
import type { LabbenchError } from '../core/errors';
import { DeviceError, ProtocolError } from '../core/errors';
import type { FramedLine } from '../transport/framed-line';
import type { ControllerContext, ReadItem, WatlowProtocolClient, WriteItem } from './controller-context';
import type { ReadOutcome, WatlowReading } from './controller-config';
import type { ResolvedParameter } from './parameters';
import { encodeRequestFrame } from './stdbus/frame';
import type { StdBusRequest, StdBusResponse } from './stdbus/payload';
import { describeStdBusError, encodeRequest, selectorOf } from './stdbus/payload';
import { StdBusReplyReader } from './stdbus/reader';
import type { TypedValue } from './types';
import { hex } from './types';

export class StdBusClient implements WatlowProtocolClient {
  readonly identityParameters = ['partNumber', 'hardwareId', 'firmwareId', 'serialNumberText'] as const;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly line: FramedLine,
  ) {}

  private get address(): number {
    return this.ctx.config.address;
  }

  private silentHint(): string {
    return `Check power, RS-485 wiring (A/B polarity, common ground), that the controller's Std Bus address is ${this.address} and that it speaks Standard Bus (38400 8N1).`;
  }

  /** One request on `line`: the client's own, or the held line of a write's transaction. */
  private transaction(line: FramedLine, request: StdBusRequest, what: string): Promise<StdBusResponse> {
    const frame = encodeRequestFrame(this.address, encodeRequest(request));
    return line.exchange(frame, () => new StdBusReplyReader(this.address, request), {
      what,
      where: this.ctx.description,
      silentHint: this.silentHint(),
    });
  }

  private refusal(
    response: StdBusResponse,
    parameter: ResolvedParameter,
    instance: number,
    what: string,
  ): LabbenchError {
    const where = this.ctx.description;
    if (response.kind === 'error') {
      const code = `0x${response.code.toString(16).toUpperCase()}`;
      const meaning = describeStdBusError(response.code);
      const advice =
        response.code === 0x81 || response.code === 0x83
          ? 'This controller does not have that parameter; remove it from the poll or check the part number.'
          : response.code === 0x84
            ? `Use an instance this controller has (the ${parameter.spec?.instanceKind ?? 'instance'} numbers fitted).`
            : response.code === 0x80
              ? "The parameter may be read-only or locked; check the controller's lock settings."
              : 'Check the value and the parameter type.';
      const err = new DeviceError(`${where} refused to ${what}: error ${code}, ${meaning}. ${advice}`, {
        resource: this.ctx.portLabel,
        deviceCode: response.code,
      });
      // 0x81/0x83 are permanent for the parameter; 0x84 concerns one instance and is not cached
      // (as in watlowlib), nor are refusals of writes.
      if (response.code === 0x81 || response.code === 0x83)
        this.ctx.knowledge().remember(parameter, instance, false, err);
      return err;
    }
    if (response.kind === 'unrecognised') {
      return new ProtocolError(
        `${where} gave an unrecognised reply to ${what} (service 0x${response.service.toString(16)}: ${hex(response.bytes)}). The meaning of such replies is undocumented; check the parameter and instance.`,
        { resource: this.ctx.portLabel },
      );
    }
    return new ProtocolError(`${where} answered ${what} with an unexpected ${response.kind} reply.`, {
      resource: this.ctx.portLabel,
    });
  }

  private async readValue(
    line: FramedLine,
    parameter: ResolvedParameter,
    instance: number,
  ): Promise<TypedValue> {
    const what = `read ${this.ctx.describeParameter(parameter, instance)}`;
    const selector = selectorOf(parameter.id, instance);
    const response = await this.transaction(line, { service: 'read', selector }, what);
    if (response.kind !== 'read') throw this.refusal(response, parameter, instance, what);
    if (!parameter.spec) this.ctx.knowledge().learnedTypes.set(parameter.id, response.value.type);
    return response.value;
  }

  async readItems(items: readonly ReadItem[], results: (ReadOutcome | undefined)[]): Promise<void> {
    for (const item of items) {
      try {
        const value = await this.readValue(this.line, item.parameter, item.instance);
        results[item.index] = {
          ok: true,
          reading: this.ctx.readingOf(item.parameter, item.instance, value.type, value.value),
        };
      } catch (err) {
        results[item.index] = { ok: false, error: this.ctx.contextualise(err) };
      }
    }
  }

  /** The write, the read-back and, for a parameter of unknown type, the read that learns it. */
  async write({ parameter, instance, value, verify }: WriteItem): Promise<WatlowReading> {
    const ctx = this.ctx;
    // Send the tag the parameter answers with: from the catalogue, or learned by reading first.
    const known = parameter.spec?.type ?? ctx.knowledge().learnedTypes.get(parameter.id);
    const checked = known === undefined ? undefined : ctx.wireValue(parameter, known, value);
    const what = `write ${JSON.stringify(value)} to ${ctx.describeParameter(parameter, instance)}`;
    return this.line.inOneTransaction(3, what, async (line) => {
      // Learned by now, perhaps, by a write queued before this one.
      const type =
        known ??
        ctx.knowledge().learnedTypes.get(parameter.id) ??
        (await this.readValue(line, parameter, instance)).type;
      const wire = checked ?? ctx.wireValue(parameter, type, value);
      const selector = selectorOf(parameter.id, instance);
      const response = await this.transaction(
        line,
        { service: 'write', selector, value: { type, value: wire } },
        what,
      );
      if (response.kind !== 'write') throw this.refusal(response, parameter, instance, what);
      if (!verify) return ctx.readingOf(parameter, instance, response.value.type, response.value.value);
      ctx.checkStored(parameter, instance, type, wire, response.value.value, 'echoed');
      const readBack = await this.readValue(line, parameter, instance);
      ctx.checkStored(parameter, instance, type, wire, readBack.value, 'reads back');
      return ctx.readingOf(parameter, instance, readBack.type, readBack.value);
    });
  }
}
