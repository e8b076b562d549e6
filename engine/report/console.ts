/**
 * Ansible-like console output: PLAY/TASK banners, one status line per host (and per loop item),
 * one short line per change, unified diffs with --diff, the registered result with -v, and the
 * PLAY RECAP. Colour and the live progress line are the only TTY-dependent parts, so plain
 * output is stable enough to snapshot in tests.
 */
import type { ReportedChange, Reporter, RunEvent } from './events.ts';
import { renderDiff } from './diff.ts';
import { formatDuration, recapLines } from './recap.ts';
import { createStyler, type StyleRole, type Styler } from './style.ts';
import { valueLines } from './value-text.ts';
import { escapeDeep } from './escape.ts';

export interface ConsoleReporterOptions {
  out: NodeJS.WritableStream;
  color: boolean;
  verbosity: number;
  diff: boolean;
  check: boolean;
  /** Show progress events on one updating line. Default: whether `out` is a TTY. */
  live?: boolean;
  /** Banner width. Default: the terminal's width (at most 100), else 80. */
  width?: number;
  /** Redraw the live line at most this often; a download's per-chunk events would flood the terminal. Default 100. */
  progressIntervalMs?: number;
}

type HostResult = Extract<RunEvent, { type: 'host_result' }>;

export const NO_LOG_MESSAGE = 'the output has been hidden due to no_log: true';

/** Long diffs are cut here; --json always carries the whole diff. */
const MAX_DIFF_LINES = 400;
/** Item labels of loops over big dicts stay on one readable line. */
const MAX_ITEM_LABEL = 120;
/** stderr lines shown under a failure without -v. */
const MAX_FAILURE_OUTPUT_LINES = 20;

const CREATE = /^(create|created|add|added|install|installed|mkdir|new)\b/i;
const REMOVE = /^(remove|removed|delete|deleted|uninstall|uninstalled|rm|drop|purge|absent)\b/i;

export class ConsoleReporter implements Reporter {
  private readonly out: NodeJS.WritableStream;
  private readonly style: Styler;
  private readonly verbosity: number;
  private readonly showDiff: boolean;
  private readonly check: boolean;
  private readonly live: boolean;
  private readonly width: number;
  private currentTask: string | undefined;
  /** Latest progress message per host, shown on the live line. */
  private readonly progress = new Map<string, string>();
  private progressShown = false;
  private readonly progressIntervalMs: number;
  private lastProgressDraw = 0;

  constructor(opts: ConsoleReporterOptions) {
    this.out = opts.out;
    this.style = createStyler(opts.color);
    this.verbosity = opts.verbosity;
    this.showDiff = opts.diff;
    this.check = opts.check;
    const tty = opts.out as { isTTY?: boolean; columns?: number };
    this.live = opts.live ?? tty.isTTY === true;
    this.width = opts.width ?? (tty.isTTY && tty.columns ? Math.min(100, tty.columns) : 80);
    this.progressIntervalMs = opts.progressIntervalMs ?? 100;
  }

  on(raw: RunEvent): void {
    // host text is shown with its control characters escaped (escape.ts): the one point for all lines
    const event = escapeDeep(raw);
    switch (event.type) {
      case 'run_start':
        if (event.check || this.check) this.print([this.style('changed', 'CHECK MODE: nothing will be changed on the hosts.')]);
        return;
      case 'play_start':
        this.currentTask = undefined;
        this.progress.clear();
        this.print(['', this.banner('PLAY', event.name || event.hosts.join(','))]);
        return;
      case 'task_start': {
        this.currentTask = event.name;
        this.progress.clear();
        const lines = ['', this.banner(event.handler ? 'RUNNING HANDLER' : 'TASK', event.name)];
        if (this.verbosity >= 2 && event.loc) lines.push(this.style('dim', `task path: ${event.loc.file}:${event.loc.line}:${event.loc.col}`));
        this.print(lines);
        return;
      }
      case 'host_result':
        this.progress.delete(event.host);
        this.print(this.hostResult(event));
        return;
      case 'progress':
        if (!this.live) return;
        this.progress.set(event.host, `[${event.host}] ${event.message}`);
        if (Date.now() - this.lastProgressDraw >= this.progressIntervalMs) this.drawProgress();
        return;
      case 'warning': {
        const where = event.loc ? `${event.loc.file}:${event.loc.line}:${event.loc.col}: ` : '';
        const [first = '', ...rest] = `${where}${event.message}`.split('\n');
        this.print([this.style('warning', `[WARNING]: ${first}`), ...rest.map((l) => this.style('warning', `  ${l}`))]);
        return;
      }
      case 'recap': {
        this.progress.clear();
        const lines = ['', this.banner('PLAY RECAP'), ...recapLines(event.hosts, this.style), ''];
        lines.push(`Total time: ${formatDuration(event.durationMs)}`);
        if (event.check || this.check) {
          lines.push(this.style('changed', 'CHECK MODE: nothing was changed; "changed" above is what a real run would do.'));
        }
        this.print(lines);
        return;
      }
    }
  }

  close(): Promise<void> {
    this.progress.clear();
    this.clearProgress();
    return new Promise((resolve) => {
      this.out.write('', () => resolve());
    });
  }

  private banner(kind: string, name?: string): string {
    const title = name === undefined ? `${kind} ` : `${kind} [${name}] `;
    return this.style('header', title + '*'.repeat(Math.max(3, this.width - title.length)));
  }

  private hostResult(e: HostResult): string[] {
    const lines: string[] = [];
    if (e.task !== this.currentTask) {
      // The free strategy interleaves tasks: name the task again when its results resume.
      this.currentTask = e.task;
      lines.push('', this.banner('TASK', e.task));
    }
    lines.push(this.statusLine(e));
    if (e.censored) return lines;
    // An ok result can carry planned changes (changed_when: false); they are noise without -v.
    if (e.status === 'changed' || this.verbosity >= 1) for (const c of e.changes) lines.push(...this.changeLines(c));
    lines.push(...this.resultLines(e));
    if (e.status === 'failed' && e.ignored) lines.push(this.style('ignored', '...ignoring'));
    return lines;
  }

  private statusLine(e: HostResult): string {
    const who = e.delegatedTo ? `[${e.host} -> ${e.delegatedTo}]` : `[${e.host}]`;
    // A censored item label says nothing useful; the repeated lines of a loop still show the count.
    const item = e.item !== undefined && !e.censored ? `(item=${truncate(e.item.replace(/\s*\n\s*/g, ' '), MAX_ITEM_LABEL)})` : undefined;
    const msg = e.censored ? NO_LOG_MESSAGE : e.msg;
    switch (e.status) {
      case 'ok':
      case 'changed':
      case 'skipped': {
        const word = e.status === 'skipped' ? 'skipping' : e.status;
        let text = `${word}: ${who}${item ? ` => ${item}` : ''}`;
        if (e.censored) text += ` => (${NO_LOG_MESSAGE})`;
        else if (e.status === 'skipped' && e.msg && this.verbosity >= 1) text += ` => ${e.msg}`;
        return this.style(e.status, text);
      }
      case 'failed': {
        const head = item ? `failed: ${who} ${item} => ` : `fatal: ${who}: FAILED! => `;
        return this.style('failed', indentRest(head + (msg ?? 'failed'), 2));
      }
      case 'unreachable': {
        const head = `fatal: ${who}${item ? ` ${item}` : ''}: UNREACHABLE! => `;
        return this.style('unreachable', indentRest(head + (msg ?? 'unreachable'), 2));
      }
    }
  }

  private changeLines(c: ReportedChange): string[] {
    let text = `  ${sigil(c)} ${c.summary}`;
    if (c.after) text += ` (after: ${c.after})`;
    if (c.sensitive) text += ' (content hidden)';
    const lines = [this.style('changed', text)];
    if (!this.showDiff || !c.diff || c.sensitive) return lines;
    const d = renderDiff(c.diff);
    if (d.kind === 'inline') {
      if (!c.summary.includes(d.text)) lines.push(`      ${d.text}`);
    } else if (d.kind === 'unified') {
      const shown = d.lines.slice(0, MAX_DIFF_LINES);
      lines.push(...shown.map((l) => `    ${this.diffLine(l)}`));
      if (d.lines.length > shown.length) {
        lines.push(this.style('dim', `    … ${d.lines.length - shown.length} more diff lines (the --json output has the whole diff)`));
      }
    }
    return lines;
  }

  private diffLine(line: string): string {
    let role: StyleRole | undefined;
    if (line.startsWith('+++') || line.startsWith('---')) role = 'header';
    else if (line.startsWith('+')) role = 'added';
    else if (line.startsWith('-')) role = 'removed';
    else if (line.startsWith('@@')) role = 'hunk';
    else if (line.startsWith('\\')) role = 'dim';
    return role ? this.style(role, line) : line;
  }

  /** debug always shows its value; -v shows every registered result; failures show their stderr. */
  private resultLines(e: HostResult): string[] {
    const result = e.result;
    if (!result || Object.keys(result).length === 0) return [];
    if (e.module === 'debug' || this.verbosity >= 1) {
      const shown = e.module === 'debug' && this.verbosity < 1 ? debugValue(result) : result;
      return valueLines(shown).map((l) => `    ${l}`);
    }
    if (e.status === 'failed') {
      const output = pickFailureOutput(result);
      if (output === undefined) return [];
      const all = output.text.replace(/\n$/, '').split('\n');
      const shown = all.slice(-MAX_FAILURE_OUTPUT_LINES);
      const lines = [this.style('failed', `  ${output.key}:`)];
      if (all.length > shown.length) lines.push(this.style('dim', `    … ${all.length - shown.length} earlier lines (-v shows the whole result)`));
      lines.push(...shown.map((l) => this.style('failed', `    ${l}`)));
      return lines;
    }
    return [];
  }

  private print(lines: string[]): void {
    this.clearProgress();
    this.out.write(lines.map((l) => l + '\n').join(''));
    if (this.progress.size > 0) this.drawProgress();
  }

  private drawProgress(): void {
    const latest = [...this.progress.values()].at(-1) ?? '';
    const more = this.progress.size > 1 ? ` (+${this.progress.size - 1} hosts)` : '';
    const text = truncate(latest.replace(/\s+/g, ' ') + more, this.width - 1);
    this.out.write(`\r\u001b[2K${this.style('dim', text)}`);
    this.progressShown = true;
    this.lastProgressDraw = Date.now();
  }

  private clearProgress(): void {
    if (!this.progressShown) return;
    this.out.write('\r\u001b[2K');
    this.progressShown = false;
  }
}

/** `+` for what a change creates, `-` for what it removes, `~` for what it modifies. */
function sigil(c: ReportedChange): string {
  if (CREATE.test(c.summary)) return '+';
  if (REMOVE.test(c.summary)) return '-';
  if (c.diff && !c.sensitive) {
    if (c.diff.before === '' && c.diff.after !== '') return '+';
    if (c.diff.after === '' && c.diff.before !== '') return '-';
  }
  return '~';
}

/** debug registers `{msg}` or `{<var>: value}`; without -v only that value is interesting. */
function debugValue(result: Record<string, unknown>): unknown {
  const keys = Object.keys(result).filter((k) => k !== 'changed' && k !== 'failed');
  return keys.length === 1 ? { [keys[0]!]: result[keys[0]!] } : result;
}

function pickFailureOutput(result: Record<string, unknown>): { key: string; text: string } | undefined {
  for (const key of ['stderr', 'stdout']) {
    const v = result[key];
    if (typeof v === 'string' && v.trim() !== '') return { key, text: v };
  }
  return undefined;
}

function indentRest(text: string, spaces: number): string {
  return text.split('\n').join('\n' + ' '.repeat(spaces));
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, Math.max(0, max - 1)) + '…';
}
