/**
 * --json: one JSON object per event per line (NDJSON) and nothing else on the stream. Field names
 * are the event's own (see docs/output.md); changes carry their diff as {path, before, after}
 * plus a ready `unified` string. Durations are milliseconds, times are epoch milliseconds.
 */
import type { ReportedChange, Reporter, RunEvent } from './events.ts';
import { unifiedDiff } from './diff.ts';
import { toJsonSafe } from './json-safe.ts';

export interface JsonChange {
  summary: string;
  sensitive?: boolean;
  after?: string;
  diff?: { path?: string; before: string; after: string; unified: string };
}

export class JsonReporter implements Reporter {
  constructor(private readonly out: NodeJS.WritableStream) {}

  on(event: RunEvent): void {
    this.out.write(JSON.stringify(toJsonSafe(jsonEvent(event))) + '\n');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.out.write('', () => resolve());
    });
  }
}

/** The object written for an event (exported for tests and for log files). */
export function jsonEvent(event: RunEvent): Record<string, unknown> {
  if (event.type !== 'host_result') return { ...event };
  if (event.censored) {
    // Reporters are the last line of defence: a censored result carries its status only.
    const { result: _r, changes: _c, msg: _m, ...rest } = event;
    return { ...rest, changes: [], censored: true };
  }
  return { ...event, changes: event.changes.map(jsonChange) };
}

export function jsonChange(c: ReportedChange): JsonChange {
  const out: JsonChange = { summary: c.summary };
  if (c.sensitive) out.sensitive = true;
  if (c.after) out.after = c.after;
  if (c.diff && !c.sensitive) {
    out.diff = {
      ...(c.diff.path !== undefined ? { path: c.diff.path } : {}),
      before: c.diff.before,
      after: c.diff.after,
      unified: unifiedDiff(c.diff),
    };
  }
  return out;
}
