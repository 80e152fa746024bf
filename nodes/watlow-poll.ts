/**
 * `watlow-poll` (SPEC §2.1): reads parameters from one labbench-watlow controller, or from every
 * deployed one, on input or on its own interval. Controllers on different ports are polled
 * concurrently, those on one port one after another (and the port's FIFO keeps one transaction in
 * flight). Output per value (chart-ready topics) or per poll (array of samples); failures go to
 * Catch once per poll as E_POLL_FAILED (with `failures`), or inline as samples with `error`.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { NotFoundError, type LabbenchError, toLabbenchError } from '../src/core';
import {
  pollError,
  pollTargets,
  type PollSample,
  type PollTarget,
  type WatlowPollError,
  parseParameterList,
  type ParameterItem,
} from '../src/watlow';
import { parsePeriod } from './shared/config';
import { InputRunner, reportError, showError, type Send } from './shared/errors';
import { IDLE, clip, problem, ready, reasonFor } from './shared/status';
import type { WatlowConfigNode } from './shared/types';
import { deployedControllers, filterByNames, setValueMessage } from './shared/watlow-targets';

interface PollDef extends NodeDef {
  controller?: string;
  parameters?: unknown;
  output?: string;
  errors?: string;
  interval?: number | string;
}

export = function (RED: NodeAPI): void {
  function WatlowPollNode(this: Node, def: PollDef): void {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }

  function setup(node: Node, def: PollDef): void {
    const output = def.output === 'perPoll' ? 'perPoll' : 'perValue';
    const inline = def.errors === 'inline';
    const explicit = typeof def.controller === 'string' && def.controller !== '';
    const config = explicit ? (RED.nodes.getNode(def.controller!) as WatlowConfigNode | null) : null;
    let items: ParameterItem[] = [];
    let interval = 0;
    let propertyError: LabbenchError | undefined;
    try {
      items = parseParameterList(def.parameters, 'The parameters property');
      interval = parsePeriod(def.interval, 'Interval', 50);
    } catch (err) {
      propertyError = toLabbenchError(err);
    }

    /** Config nodes this node is registered with (the explicit one, or those polled so far). */
    const registered = new Map<string, WatlowConfigNode>();
    let closing = false;
    let pollsRunning = 0;
    let skipped = 0;
    let timer: NodeJS.Timeout | undefined;
    let tickInFlight: Promise<void> | undefined;
    let lastTickFailure: string | undefined;

    function register(cfg: WatlowConfigNode): void {
      if (registered.has(cfg.id) || closing) return;
      registered.set(cfg.id, cfg);
      cfg.register(node);
    }

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
      for (const cfg of list) register(cfg);
      return list;
    }

    /** One poll; resolves to the samples (failed ones carry `error`). Throws only for setup errors. */
    async function poll(list: WatlowConfigNode[], wanted: ParameterItem[]): Promise<PollSample[]> {
      const targets = list.map((cfg): PollTarget => {
        const protocol = cfg.watlowConfig?.protocol ?? 'stdbus';
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
          // own code. Among several, or with errors: inline (SPEC §2.1: nothing goes to Catch), it is
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

    function showResult(samples: PollSample[]): void {
      const good = samples.filter((s) => !s.error);
      const bad = samples.length - good.length;
      const note = skipped > 0 ? ` (${skipped} skipped)` : '';
      if (bad > 0 && good.length === 0) {
        node.status(problem(clip(`${bad} failed${note}`)));
        return;
      }
      const first = good[0];
      const text =
        good.length === 1 && first
          ? `${typeof first.value === 'number' ? Number(first.value.toFixed(2)) : String(first.value)}${first.units ? ` ${first.units}` : ''}`
          : `${good.length} values`;
      node.status(bad > 0 ? problem(clip(`${text}, ${bad} failed${note}`)) : ready(`${text}${note}`));
    }

    /** Runs a poll for `msg`; sends the values; returns the poll error (catch mode) if any. */
    async function run(
      msg: NodeMessage & { parameters?: unknown; controllers?: unknown },
      send: (msgs: NodeMessage[]) => void,
    ): Promise<WatlowPollError | undefined> {
      if (propertyError) throw propertyError;
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

    const runner = new InputRunner(node, async (msg: NodeMessageInFlow, send: Send) => {
      const failure = await run(msg as never, (msgs) => send([msgs]));
      if (failure) throw failure;
    });

    function tick(): void {
      if (closing) return;
      if (pollsRunning > 0 || tickInFlight) {
        skipped++;
        return;
      }
      const msg: NodeMessage = { _msgid: RED.util.generateId(), topic: 'interval' } as NodeMessage;
      tickInFlight = run(msg as never, (msgs) => {
        for (const m of msgs) node.send(m);
      })
        .then((failure) => {
          if (!failure) {
            lastTickFailure = undefined;
            return;
          }
          throw failure;
        })
        .catch((err: unknown) => {
          if (closing) return;
          const e = toLabbenchError(err);
          if (e.code === 'E_CLOSED') return;
          const signature = `${e.code}:${e.message}`;
          if (signature === lastTickFailure) {
            showError(node, e);
            return;
          }
          lastTickFailure = signature;
          reportError(node, e, {
            _msgid: RED.util.generateId(),
            topic: 'interval',
            payload: (e as { samples?: unknown }).samples ?? [],
          });
        })
        .finally(() => {
          tickInFlight = undefined;
        });
    }

    if (config && typeof config.register === 'function') register(config);
    if (propertyError) node.status(problem(reasonFor(propertyError.code)));
    else if (explicit && !config) node.status(problem('no controller'));
    else node.status(IDLE);
    if (interval > 0 && !propertyError) {
      timer = setInterval(tick, interval);
      // First poll right after deploy (the other nodes of the flow are started by then).
      setImmediate(tick);
    }

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      Promise.allSettled([runner.drain(), tickInFlight ?? Promise.resolve()]).then(() => {
        for (const cfg of registered.values()) {
          try {
            cfg.deregister(node, removed === true);
          } catch {
            // never throw from close
          }
        }
        registered.clear();
        done();
      });
    });
  }

  RED.nodes.registerType('watlow-poll', WatlowPollNode);
};
