/**
 * Host patterns, with Ansible's semantics: `all`/`*`, globs, `~regex` (anchored at the start),
 * unions `a:b` / `a,b`, intersections `a:&b`, exclusions `a:!b`, subscripts `g[0]`, `g[-1]`,
 * `g[1:3]` (inclusive) and `g[2:]`, plain host and group names, and the implicit localhost.
 * Unlike Ansible, the result is always in inventory order (duplicates removed), so a play's
 * host order does not depend on how its pattern was spelled.
 */
import { KplayError } from '../errors.ts';

/** Names that mean the controller itself when the inventory does not declare them. */
export const LOCALHOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

export interface PatternTarget {
  /** Every inventory host, in inventory order. */
  hostOrder: readonly string[];
  isHost(name: string): boolean;
  allGroupNames(): Iterable<string>;
  /** A group's hosts (children included) in inventory order; undefined for an unknown group. */
  groupHosts(name: string): readonly string[] | undefined;
}

/** Split a pattern into its terms: on commas if there are any, else on colons outside brackets. */
export function splitPattern(pattern: string): string[] {
  const p = pattern.trim();
  let parts: string[];
  if (p.includes(',')) parts = p.split(',');
  else if (isIpv6(p)) parts = [p];
  else parts = p.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((s) => s.trim()).filter(Boolean);
}

function isIpv6(p: string): boolean {
  return /^\[?[0-9a-fA-F:.]+(?:%\w+)?\]?$/.test(p) && (p.match(/:/g)?.length ?? 0) >= 2;
}

/** Regular terms first, then `&` intersections, then `!` exclusions; `all` when only filters are given. */
function orderTerms(terms: string[]): string[] {
  const plain = terms.filter((t) => !t.startsWith('&') && !t.startsWith('!'));
  const and = terms.filter((t) => t.startsWith('&'));
  const not = terms.filter((t) => t.startsWith('!'));
  return [...(plain.length ? plain : ['all']), ...and, ...not];
}

/** The hosts a pattern selects; may contain an implicit localhost name, listed after inventory hosts. */
export function matchPattern(target: PatternTarget, pattern: string): string[] {
  let selected: string[] = [];
  for (const term of orderTerms(splitPattern(pattern))) {
    if (target.isHost(term)) {
      if (!selected.includes(term)) selected.push(term);
      continue;
    }
    const hosts = matchTerm(target, term);
    if (term.startsWith('!')) {
      const drop = new Set(hosts);
      selected = selected.filter((h) => !drop.has(h));
    } else if (term.startsWith('&')) {
      const keep = new Set(hosts);
      selected = selected.filter((h) => keep.has(h));
    } else {
      const have = new Set(selected);
      for (const h of hosts) if (!have.has(h)) selected.push(h);
    }
  }
  return inInventoryOrder(target, selected);
}

/** Inventory hosts first, in inventory order; then names the inventory lacks (implicit localhost). */
function inInventoryOrder(target: PatternTarget, hosts: string[]): string[] {
  const chosen = new Set(hosts);
  const out = target.hostOrder.filter((h) => chosen.has(h));
  if (out.length < chosen.size) for (const h of hosts) if (!target.isHost(h)) out.push(h);
  return out;
}

interface Subscript {
  start: number;
  /** Inclusive end; undefined for a single index; -1 for "to the end". */
  end?: number;
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;

function splitSubscript(term: string): { expr: string; sub?: Subscript } {
  if (term.startsWith('~')) return { expr: term };
  const m = SUBSCRIPT.exec(term);
  if (!m) return { expr: term };
  if (m[2] !== undefined) return { expr: m[1]!, sub: { start: Number(m[2]) } };
  // Ansible: `[x:]` runs to the end, and `[x:0]` behaves as a single index.
  const end = m[5] === '' ? -1 : Number(m[5]);
  return { expr: m[1]!, sub: end === 0 ? { start: Number(m[3]) } : { start: Number(m[3]), end } };
}

function applySubscript(hosts: string[], sub?: Subscript): string[] {
  if (!sub) return hosts;
  if (sub.end === undefined) {
    const i = sub.start < 0 ? hosts.length + sub.start : sub.start;
    return i >= 0 && i < hosts.length ? [hosts[i]!] : [];
  }
  const end = sub.end === -1 ? hosts.length - 1 : sub.end;
  return hosts.slice(sub.start, end + 1);
}

function matchTerm(target: PatternTarget, term: string): string[] {
  const bare = term.startsWith('&') || term.startsWith('!') ? term.slice(1) : term;
  const { expr, sub } = splitSubscript(bare);
  return applySubscript(enumerate(target, expr), sub);
}

function enumerate(target: PatternTarget, expr: string): string[] {
  const test = compile(expr);
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (h: string): void => {
    if (!seen.has(h)) {
      seen.add(h);
      found.push(h);
    }
  };
  const groups = [...target.allGroupNames()].filter(test);
  for (const g of groups) for (const h of target.groupHosts(g) ?? []) add(h);
  // Hosts are tried when no group matched, and always for globs and regexes.
  if (groups.length === 0 || expr.startsWith('~') || /[.?*[]/.test(expr)) {
    for (const h of target.hostOrder) if (test(h)) add(h);
  }
  if (found.length === 0 && LOCALHOST_NAMES.includes(expr)) add(expr);
  return found;
}

function compile(expr: string): (name: string) => boolean {
  if (expr.startsWith('~')) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${expr.slice(1)})`);
    } catch (err) {
      throw new KplayError('KPLAY_INVENTORY', `bad regular expression in host pattern "${expr}": ${(err as Error).message}`);
    }
    return (name) => re.test(name);
  }
  if (!/[*?[]/.test(expr)) return (name) => name === expr;
  const re = globToRegExp(expr);
  return (name) => re.test(name);
}

/** Python's fnmatch.translate: `*`, `?`, `[seq]`, `[!seq]`; whole-name, case-sensitive. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      let j = i + 1;
      if (glob[j] === '!') j++;
      if (glob[j] === ']') j++;
      while (j < glob.length && glob[j] !== ']') j++;
      if (j >= glob.length) out += '\\[';
      else {
        let body = glob.slice(i + 1, j).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        else if (body.startsWith('^')) body = '\\' + body;
        out += `[${body}]`;
        i = j;
      }
    } else out += c.replace(/[.+^${}()|\\/\]]/g, '\\$&');
  }
  return new RegExp(`^(?:${out})$`, 's');
}
