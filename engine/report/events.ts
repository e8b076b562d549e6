/**
 * What the executor tells reporters. Every event passes through one redaction point before it
 * reaches any reporter, so no_log results and secret values never reach console, --json or logs.
 */
import type { SourceLoc } from '../errors.ts';
import type { Diff } from '../../modules/api.ts';

export type Vars = Record<string, unknown>;

/** A change as reported: what the console, --json and the recap show. */
export interface ReportedChange {
  summary: string;
  diff?: Diff;
  sensitive?: boolean;
  after?: string;
}

export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type RunEvent =
  | { type: 'run_start'; playbooks: string[]; check: boolean; diff: boolean; time: number }
  | { type: 'play_start'; name: string; hosts: string[]; loc?: SourceLoc; time: number }
  | { type: 'task_start'; name: string; module: string; loc?: SourceLoc; handler: boolean; hosts: string[]; time: number }
  | {
      type: 'host_result';
      host: string;
      task: string;
      module: string;
      status: HostStatus;
      /** For ignored failures (ignore_errors) the status stays 'failed' and ignored is true. */
      ignored?: boolean;
      changes: ReportedChange[];
      msg?: string;
      /** Loop item label, when the result is for one item of a loop. */
      item?: string;
      delegatedTo?: string;
      /** Registered result, for -v and --json. Already masked when no_log. */
      result?: Vars;
      /** True when the task ran with no_log: reporters print nothing beyond the status. */
      censored?: boolean;
      durationMs: number;
      time: number;
    }
  | { type: 'progress'; host: string; task: string; message: string; time: number }
  | { type: 'warning'; message: string; loc?: SourceLoc; time: number }
  | { type: 'recap'; hosts: Record<string, HostStats>; durationMs: number; check: boolean; time: number };

export interface Reporter {
  on(event: RunEvent): void;
  /** Flush buffered output before the process exits. */
  close?(): Promise<void>;
}

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}
