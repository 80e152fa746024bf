/**
 * `watlow-poll`: reads parameters from one labbench-watlow controller, or from every
 * deployed one, on input or on its own interval. Controllers on different ports are polled
 * concurrently, those on one port one after another (and the port's FIFO keeps one transaction in
 * flight). Output per value (chart-ready topics) or per poll (array of samples); failures go to
 * Catch once per poll as E_POLL_FAILED (with `failures`), or inline as samples with `error`.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { NotFoundError, type ErrorCode, toLabbenchError } from '../src/core';
import {
  pollError,
  pollTargets,
  type PollSample,
  type PollTarget,
  WatlowPollError,
  parseParameterList,
  type ParameterItem,
} from '../src/watlow';
import {
  errorOf,
  MIN_POLL_INTERVAL_MS,
  parsePeriod,
  parseProperties,
  parsePollParameters,
  settingsOf,
  validOrUndefined,
} from './shared/config';
import { configNode } from './shared/config-nodes';
import type { Send } from './shared/errors';
import { FlowNode, recoveryMessage, type Repeater } from './shared/flow-node';
import { plural } from './shared/i18n';
import { registerNode } from './shared/register';
import { problem, ready, reasonFor, valueText } from './shared/status';
import type { WatlowConfigNode } from './shared/types';
import { deployedControllers, filterByNames, setValueMessage } from './shared/watlow-targets';

interface PollDef extends NodeDef {
  controller?: string;
  parameters?: unknown;
  output?: string;
  errors?: string;
  interval?: number | string;
  recovery?: boolean;
}

export = function (RED: NodeAPI): void {
  registerNode(RED, 'watlow-poll', (node: Node, def: PollDef) => {
    const output = def.output === 'perPoll' ? 'perPoll' : 'perValue';
    const inline = def.errors === 'inline';
    const recovery = def.recovery === true;
    const explicit = typeof def.controller === 'string' && def.controller !== '';
    const config = configNode<WatlowConfigNode>(RED, def.controller);
    const props = parseProperties(() => ({
      items: parsePollParameters(def.parameters),
      interval: parsePeriod(def.interval, 'Interval', MIN_POLL_INTERVAL_MS),
    }));

    const flow = new FlowNode({
      RED,
      node,
      type: 'watlow-poll',
      propertyError: errorOf(props),
      config: explicit ? config : undefined,
      missingConfigText: 'common.status.noController',
    });
    const t = flow.t;
    let pollsRunning = 0;

    function targets(names: unknown): WatlowConfigNode[] {
      let list: WatlowConfigNode[];
      if (explicit) {
        if (!config || typeof config.controller !== 'function') {
          throw new NotFoundError(
            'This watlow-poll node has no controller: its labbench-watlow config node is missing or disabled.',
          );
        }
        list = [config];
      } else {
        list = deployedControllers(RED);
        if (list.length === 0) {
          throw new NotFoundError(
            'No labbench-watlow controller is deployed; add one (or choose one in this node).',
          );
        }
      }
      list = filterByNames(list, names);
      // The node is a user of every controller it has polled (deregistered when it closes).
      for (const cfg of list) flow.use(cfg);
      return list;
    }

    /** One poll; resolves to the samples (failed ones carry `error`). Throws only for setup errors. */
    async function poll(list: WatlowConfigNode[], wanted: ParameterItem[]): Promise<PollSample[]> {
      const targets = list.map((cfg): PollTarget => {
        const protocol = validOrUndefined(cfg.watlowConfig)?.protocol ?? 'stdbus';
        try {
          // Taking the lease here: a protocol or settings conflict is a setup error of that controller.
          const controller = cfg.controller();
          return {
            controller: cfg.controllerName,
            protocol,
            portKey: controller.lease.key,
            readMany: (requests) => cfg.keeper.use(() => controller.readMany(requests)),
          };
        } catch (err) {
          // Polling one controller in catch mode: its setup error (a conflict) is the error, under its
          // own code. Among several, or with errors: inline (where nothing goes to Catch), it is
          // a failed sample like any other failure.
          if (list.length === 1 && !inline) throw err;
          const failure = toLabbenchError(err);
          return {
            controller: cfg.controllerName,
            protocol,
            portKey: `unusable:${cfg.id}`,
            readMany: () => Promise.reject(failure),
          };
        }
      });
      return pollTargets(targets, wanted);
    }

    function messagesFor(samples: PollSample[], base: NodeMessage): NodeMessage[] {
      if (output === 'perPoll') {
        base.payload = samples;
        if (base.topic === undefined) base.topic = explicit && config ? config.controllerName : 'watlow';
        return [base];
      }
      return samples.map((s, i) => {
        const m = (i === 0 ? base : RED.util.cloneMessage(base)) as NodeMessage & Record<string, unknown>;
        setValueMessage(m, s);
        return m;
      });
    }

    /**
     * One text per failure condition, the same on every tick: the short reason shared by all
     * failed reads (`timeout`, `not found`), or `poll failed` when they differ.
     */
    function failureText(codes: readonly ErrorCode[]): string {
      const first = codes[0];
      return first !== undefined && codes.every((c) => c === first)
        ? reasonFor(t, first)
        : reasonFor(t, 'E_POLL_FAILED');
    }

    function showResult(samples: PollSample[]): void {
      const good = samples.filter((s) => !s.error);
      const failed = samples.filter((s) => s.error).map((s) => s.error!.code);
      const skipped = ticker?.skipped ?? 0;
      const note = (text: string): string => (skipped > 0 ? t('status.skipped', { text, skipped }) : text);
      if (failed.length > 0 && good.length === 0) {
        flow.show(problem(note(failureText(failed))));
        return;
      }
      const first = good[0];
      const text =
        good.length === 1 && first
          ? valueText(first.value, first.units)
          : plural(t, 'status.values', good.length);
      if (failed.length > 0) {
        flow.show(
          problem(note(t('status.someFailed', { text, failed: plural(t, 'status.failed', failed.length) }))),
        );
      } else {
        flow.show(ready(t, note(text)));
      }
    }

    /** Runs a poll for `msg`; sends the values; returns the poll error (catch mode) if any. */
    async function run(
      msg: NodeMessage & { parameters?: unknown; controllers?: unknown },
      send: (msgs: NodeMessage[]) => void,
    ): Promise<WatlowPollError | undefined> {
      const { items } = settingsOf(props);
      const wanted =
        msg.parameters === undefined ? items : parseParameterList(msg.parameters, 'msg.parameters');
      const list = targets(msg.controllers);
      pollsRunning++;
      try {
        const samples = await poll(list, wanted);
        showResult(samples);
        const failure = inline ? undefined : pollError(samples, 'sent');
        const toSend = inline ? samples : samples.filter((s) => !s.error);
        if (toSend.length > 0) send(messagesFor(toSend, msg));
        return failure;
      } finally {
        pollsRunning--;
      }
    }

    flow.onInput(async (msg: NodeMessageInFlow, send: Send) => {
      const failure = await run(msg as never, (msgs) => send([msgs]));
      if (failure) throw failure;
    });

    const baseTopic = (): string => (explicit && config ? config.controllerName : 'watlow');
    const interval = validOrUndefined(props)?.interval ?? 0;
    const ticker: Repeater | undefined =
      interval > 0
        ? flow.repeat({
            run: async () => {
              const msg = { _msgid: RED.util.generateId(), topic: 'interval' } as NodeMessage;
              const failure = await run(msg as never, (msgs) => {
                for (const m of msgs) node.send(m);
              });
              if (failure) throw failure;
            },
            busy: () => pollsRunning > 0,
            failureMessage: (e) => ({
              _msgid: RED.util.generateId(),
              topic: 'interval',
              payload: (e as { samples?: unknown }).samples ?? [],
            }),
            // A failed poll has shown its samples' failure (run → showResult); a setup error has not.
            failureStatus: (e) => (e instanceof WatlowPollError ? undefined : problem(reasonFor(t, e.code))),
            recoveryMessage: recovery
              ? (r) => recoveryMessage(RED, `${baseTopic()}/recovered`, r)
              : undefined,
          })
        : undefined;
    // First poll right after deploy (the other nodes of the flow are started by then).
    ticker?.start(interval);
  });
};
