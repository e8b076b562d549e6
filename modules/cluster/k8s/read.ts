/**
 * The k8s module's reads, on the host with its kubectl: the live objects (`kubectl get -f -`) and a
 * server-side dry run of the apply, in one round trip. Both are read-only, so check mode runs them.
 * The manifest goes to kubectl on stdin (never in argv or a file); each command's stdout goes to
 * the output directly and its stderr is kept in a shell variable, so no temp file holds anything.
 * A batch that fails for one object (a kind whose CRD comes with this apply, a namespace not yet
 * there) is repeated one object at a time.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadContext } from '../../api.ts';
import { runProbe } from '../../facts/batch.ts';
import { presence } from '../../facts/command.ts';
import { applyOrder, flattenObjects, sameObject, type K8sObject } from './objects.ts';
import type { K8sArgs } from './schema.ts';
import { readQuery, UNREACHABLE, waitQueries } from './probes.ts';
import { planK8s, type DryRun, type K8sState } from './plan.ts';

const MANIFEST_EXT = /\.(ya?ml|json|hbs)$/;

/** The manifest's objects, from src (file, template, directory) or definition. */
export function loadObjects(ctx: ReadContext, a: K8sArgs): K8sObject[] {
  if (a.definition !== undefined) return flattenObjects(a.definition, 'definition');
  const src = a.src!;
  const path = src.endsWith('.hbs') ? ctx.findFile('templates', src) : ctx.findFile('files', src);
  const one = (p: string): K8sObject[] => {
    const text = readFileSync(p, 'utf8');
    return flattenObjects(p.endsWith('.hbs') ? ctx.renderTemplate(text) : text, p);
  };
  if (!statSync(path).isDirectory()) return one(path);
  return readdirSync(path)
    .filter((n) => MANIFEST_EXT.test(n))
    .sort()
    .flatMap((n) => one(join(path, n)));
}

export interface Section {
  label: string;
  rc: number;
  out: string;
  err: string;
}

/** Cut the script's output into its kubectl runs. */
export function parseSections(stdout: string, nonce: string): { sections: Section[]; missing?: 'kubectl' | 'kubeconfig' } {
  const M = `KP-${nonce}`;
  if (stdout.includes(`${M} NOKUBECTL\n`)) return { sections: [], missing: 'kubectl' };
  if (stdout.includes(`${M} NOKUBECONFIG\n`)) return { sections: [], missing: 'kubeconfig' };
  const sections: Section[] = [];
  let from = 0;
  for (;;) {
    const end = stdout.indexOf(`\n${M}-END `, from);
    if (end < 0) break;
    const nl = stdout.indexOf('\n', end + 1);
    const [label = '', rc = ''] = stdout.slice(end + M.length + 6, nl).split(' ');
    const errEnd = stdout.indexOf(`\n${M}-ERR\n`, nl);
    if (errEnd < 0) throw new Error('k8s: the read script output is cut short');
    sections.push({ label, rc: Number(rc), out: stdout.slice(from, end), err: stdout.slice(nl + 1, errEnd) });
    from = errEnd + M.length + 6;
  }
  return { sections };
}

function itemsOf(out: string): K8sObject[] {
  if (!out.trim()) return [];
  const v = JSON.parse(out) as K8sObject & { items?: K8sObject[] };
  return Array.isArray(v.items) && v.kind.endsWith('List') ? v.items : [v];
}

const firstLine = (s: string): string =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^E\d{4} /.test(l))
    .join('; ') || '(no message)';

const kindUnknown = (err: string): boolean => /no matches for kind|resource mapping not found|the server doesn't have a resource type/.test(err);

/** Live objects and dry runs per object from the sections. */
export function interpret(objects: K8sObject[], sections: Section[]): Pick<K8sState, 'live' | 'dry' | 'readErrors' | 'unreachable'> {
  const live: (K8sObject | null)[] = objects.map(() => null);
  const dry: (DryRun | null)[] = objects.map(() => null);
  const readErrors: (string | undefined)[] = objects.map(() => undefined);
  const byLabel = new Map(sections.map((s) => [s.label, s]));
  const last = sections[sections.length - 1];
  if (last && last.rc !== 0 && UNREACHABLE.test(last.err) && !/\.\d+$/.test(last.label)) return { live, dry, unreachable: { reason: firstLine(last.err) } };
  const get = byLabel.get('get');
  if (get?.rc === 0) {
    const items = itemsOf(get.out);
    objects.forEach((o, i) => (live[i] = items.find((x) => sameObject(o, x)) ?? null));
  } else {
    objects.forEach((o, i) => {
      const s = byLabel.get(`get.${i}`);
      if (!s) return void (readErrors[i] = firstLine(get?.err ?? 'not read'));
      if (s.rc === 0) live[i] = itemsOf(s.out).find((x) => sameObject(o, x)) ?? null;
      else if (!kindUnknown(s.err)) readErrors[i] = firstLine(s.err);
    });
  }
  const d = byLabel.get('dry');
  if (d?.rc === 0) {
    const items = itemsOf(d.out);
    objects.forEach((o, i) => {
      const x = items.find((y) => sameObject(o, y));
      dry[i] = x ? { obj: x } : { error: 'missing from the dry-run result' };
    });
  } else if (d) {
    objects.forEach((_, i) => {
      const s = byLabel.get(`dry.${i}`);
      dry[i] = !s ? { error: firstLine(d.err) } : s.rc === 0 ? { obj: itemsOf(s.out)[0]! } : { error: firstLine(s.err) };
    });
  }
  return { live, dry, readErrors };
}

export async function readK8s(ctx: ReadContext, a: K8sArgs): Promise<K8sState> {
  let objects: K8sObject[];
  try {
    objects = applyOrder(flattenCheck(loadObjects(ctx, a), a));
  } catch (e) {
    return { objects: [], live: [], dry: [], error: (e as Error).message };
  }
  const empty = { objects, live: objects.map(() => null), dry: objects.map(() => null) };
  if (!objects.length) return empty;
  const present = (a.state ?? 'present') === 'present';
  const nonce = randomBytes(8).toString('hex');
  const r = await ctx.query(readQuery(a, nonce, present, objects));
  let parsed: ReturnType<typeof parseSections>;
  try {
    parsed = parseSections(r.stdout, nonce);
  } catch (e) {
    return { ...empty, error: `${(e as Error).message}: ${r.stderr.trim()}` };
  }
  if (parsed.missing) {
    const path = parsed.missing === 'kubectl' ? (a.kubectl ?? 'kubectl') : (a.kubeconfig ?? '/etc/kubernetes/admin.conf');
    // check mode: an earlier task that installs it is what the plan comes after (presence's planned answer)
    const after = ctx.check ? (await runProbe(ctx, presence(path))).plannedBy : undefined;
    return { ...empty, unreachable: { reason: `${parsed.missing === 'kubectl' ? 'kubectl' : 'the kubeconfig'} ${path} is not on the host`, ...(after ? { after } : {}) } };
  }
  if (!parsed.sections.length) return { ...empty, error: `k8s: reading the objects failed (exit ${r.rc}): ${r.stderr.trim()}` };
  const state: K8sState = { objects, ...interpret(objects, parsed.sections) };
  if (!ctx.check && (a.wait || a.wait_condition) && !state.unreachable) {
    // nothing to apply: the waits run now (they read only); with changes they follow the apply
    const plan = planK8s(state, a, false);
    if (!plan.failed && plan.changes.length === 0) {
      const objs = present ? objects : [];
      for (const q of waitQueries(objs, a)) {
        const w = await ctx.query(q);
        if (w.rc !== 0) {
          state.waitFailed = `${(q.cmd as string[]).slice(3).join(' ')}: ${w.timedOut ? 'timed out' : firstLine(w.stderr)}`;
          break;
        }
      }
    }
  }
  return state;
}

/** The namespace argument and the objects' own must agree (kubectl refuses otherwise). */
function flattenCheck(objs: K8sObject[], a: K8sArgs): K8sObject[] {
  if (a.namespace) {
    const other = objs.find((o) => o.metadata.namespace !== undefined && o.metadata.namespace !== a.namespace);
    if (other) throw new Error(`${other.kind} ${other.metadata.name} names namespace ${other.metadata.namespace}, not ${a.namespace} (the namespace argument)`);
  }
  return objs;
}
