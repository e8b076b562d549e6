/** What the run knows about one host: its status, facts, set_facts/registers, notified handlers, counters. */
import type { Vars } from '../playbook/model.ts';
import { emptyStats, type HostStats } from '../report/events.ts';
import { HostLedger } from './ledger.ts';
import { factsLayer } from '../vars/precedence.ts';
import { dataKeySet, markData } from '../template/lazy-vars.ts';

export class HostState {
  readonly stats: HostStats = emptyStats();
  readonly ledger = new HostLedger();
  /** set_fact and register, across plays (Ansible keeps them for the whole run). */
  readonly facts: Vars = {};
  private gathered?: Vars;
  private gatheredLayer?: Vars;
  /** Targeted by a play (not only a delegate_facts owner): only these appear in the recap. */
  inPlay = false;
  failed = false;
  unreachable = false;
  /** meta: end_host — done with this play only. */
  ended = false;
  readonly notified = new Set<string>();
  /** Registered results whose task was skipped in check mode: conditions on them are unknown, not errors. */
  readonly checkSkipped = new Set<string>();
  /** The latest failure, for ansible_failed_task / ansible_failed_result in rescue. */
  lastFailure?: { task: Vars; result: Vars };

  constructor(readonly name: string) {}

  get gatheredFacts(): Vars | undefined {
    return this.gathered;
  }

  set gatheredFacts(facts: Vars | undefined) {
    this.gathered = facts;
    this.gatheredLayer = undefined;
  }

  /** The facts as variables (ansible_* and ansible_facts.*), built once per gathering, not per task. */
  get factsLayer(): Vars {
    this.gatheredLayer ??= factsLayer(this.gathered);
    return this.gatheredLayer;
  }

  /**
   * Store a registered result or facts at set_fact precedence. Host output is data (never rendered
   * as a template again: docs/variables.md); only include_vars' variables, read from a vars file
   * on the controller, stay templates.
   */
  setFacts(values: Vars, source: 'data' | 'vars-file' = 'data'): void {
    const keys = dataKeySet(this.facts);
    for (const [k, v] of Object.entries(values)) {
      if (source === 'data') {
        markData(v);
        keys.add(k);
      } else keys.delete(k);
      this.facts[k] = v;
    }
  }

  get alive(): boolean {
    return !this.failed && !this.unreachable && !this.ended;
  }
}
