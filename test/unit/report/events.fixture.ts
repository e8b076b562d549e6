/** Event builders for reporter tests: fixed times so output is stable. */
import type { HostStats, RunEvent } from '../../../engine/report/events.ts';
import { emptyStats } from '../../../engine/report/events.ts';

export type HostResult = Extract<RunEvent, { type: 'host_result' }>;

export function result(over: Partial<HostResult> = {}): HostResult {
  return {
    type: 'host_result',
    host: 'web1',
    task: 'configure',
    module: 'copy',
    status: 'ok',
    changes: [],
    durationMs: 12,
    time: 1_700_000_000_000,
    ...over,
  };
}

export function taskStart(name = 'configure', over: Partial<Extract<RunEvent, { type: 'task_start' }>> = {}): RunEvent {
  return { type: 'task_start', name, module: 'copy', handler: false, hosts: ['web1'], time: 1_700_000_000_000, ...over };
}

export function playStart(name = 'site', hosts = ['web1']): RunEvent {
  return { type: 'play_start', name, hosts, time: 1_700_000_000_000 };
}

export function stats(over: Partial<HostStats> = {}): HostStats {
  return { ...emptyStats(), ...over };
}
