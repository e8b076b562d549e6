/** containerd_image's pure part: what ctr lists (and whether ctr and the archive are there) + the wanted state → changes. */
import type { Op, Plan, Vars } from '../../api.ts';
import type { Presence } from '../../facts/command.ts';
import { DEFAULT_ADDRESS, DEFAULT_NAMESPACE, type ContainerdImageArgs } from './schema.ts';


/** `ctr images ls -q`: the names, or why containerd could not be asked. */
export type Listing = { images: string[] } | { unreachable: string };

export interface ContainerdImageState {
  ctr: Presence;
  list: Listing;
  /** Only read when an archive is given. */
  archive?: Presence;
}

export function socketOf(a: ContainerdImageArgs): string {
  return (a.address ?? DEFAULT_ADDRESS).replace(/^unix:\/\//, '');
}

/** ctr with the socket and namespace: the same for the read and the ops, so they cannot ask different stores. */
export function ctrBase(a: ContainerdImageArgs): string[] {
  return [a.ctr ?? 'ctr', '--address', socketOf(a), '-n', a.namespace ?? DEFAULT_NAMESPACE];
}

/**
 * A reference in the full form containerd stores (Docker's normalization): docker.io for a name
 * without a registry, library/ for an official image, :latest without a tag or digest.
 */
export function normalizeRef(ref: string): string {
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const digest = at < 0 ? '' : ref.slice(at);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const domain = hasDomain ? first : 'docker.io';
  let path = hasDomain ? name.slice(slash + 1) : name;
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const last = path.slice(path.lastIndexOf('/') + 1);
  const tag = last.includes(':') || digest ? '' : ':latest';
  return `${domain}/${path}${tag}${digest}`;
}

/** The listed name that is `name` (spelled as listed, for `ctr images rm`), if any. */
export function findImage(listed: readonly string[], name: string): string | undefined {
  if (listed.includes(name)) return name;
  const want = normalizeRef(name);
  return listed.find((l) => normalizeRef(l) === want);
}

/** The names `ctr images import` says it stored: "unpacking NAME (sha256:…)" (ctr 1.x) or "NAME  saved" (2.x). */
export function importedNames(stdout: string): string[] {
  const names = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /^unpacking (\S+) \(/.exec(line) ?? /^(\S+)\s+saved\s*$/.exec(line);
    if (m) names.add(m[1]!);
  }
  return [...names];
}

export function planContainerdImage(s: ContainerdImageState, a: ContainerdImageArgs, check: boolean): Plan {
  const ns = a.namespace ?? DEFAULT_NAMESPACE;
  const ctr = a.ctr ?? 'ctr';
  const result: Vars = { image: a.name, namespace: ns };
  const listed = 'images' in s.list ? findImage(s.list.images, a.name) : undefined;
  const unreachable = 'unreachable' in s.list ? s.list.unreachable : undefined;
  const diffPath = `containerd ${ns}: ${a.name}`;

  if (a.state === 'absent') {
    // no ctr, no containerd to hold the image
    if (!s.ctr.exists) return { changes: [], result };
    if (unreachable !== undefined) {
      return check ? { changes: [], result: { ...result, msg: `cannot list containerd's images (${unreachable}): nothing to remove` } } : { changes: [], failed: `cannot list containerd's images: ${unreachable}` };
    }
    if (!listed) return { changes: [], result };
    const rm: Op = { kind: 'exec', cmd: [...ctrBase(a), 'images', 'rm', listed] };
    return { changes: [{ summary: `image ${a.name}: present → absent (ctr images rm)`, ops: [rm], diff: { path: diffPath, before: 'present', after: 'absent' } }], result };
  }

  if (listed) return { changes: [], result };
  if (!a.archive) return { changes: [], failed: 'archive is required with state present', result };
  if (!s.ctr.exists) return { changes: [], failed: `cannot import ${a.name}: ${ctr} is not on the host (is containerd installed?)`, result };
  if (!s.archive?.exists) return { changes: [], failed: `cannot import ${a.name}: the archive ${a.archive} is not on the host`, result };
  let note = '';
  let after = s.archive.plannedBy;
  if (unreachable !== undefined) {
    if (!check) return { changes: [], failed: `cannot list containerd's images: ${unreachable}`, result };
    // check mode on a fresh host: an earlier task installs ctr, or starts containerd; its store is empty then
    if (s.ctr.plannedBy) after ??= s.ctr.plannedBy;
    else note = `; containerd cannot be asked yet (${unreachable}), so the image counts as absent`;
  }
  const ops: Op[] = [
    { kind: 'exec', cmd: [...ctrBase(a), 'images', 'import', a.archive] },
    // read back by result(): the archive must have held `name`
    { kind: 'exec', cmd: [...ctrBase(a), 'images', 'ls', '-q'] },
  ];
  return {
    changes: [{ summary: `image ${a.name}: absent → present (import ${a.archive})${note}`, ops, diff: { path: diffPath, before: 'absent', after: 'present' }, ...(after ? { after } : {}) }],
    result,
  };
}

/** After the import: fails the task when `ctr images ls` still lacks the image (the archive holds another name). */
export function verifyImport(importOut: string, listOut: string, a: ContainerdImageArgs): Vars & { failed?: boolean; msg?: string } {
  const imported = importedNames(importOut);
  if (findImage(listOut.split('\n').map((l) => l.trim()).filter(Boolean), a.name)) return { imported };
  const held = imported.length ? `it holds ${imported.join(', ')}` : 'ctr named no image it imported';
  return { imported, failed: true, msg: `imported ${a.archive ?? ''}, but ${a.name} is not in containerd's ${a.namespace ?? DEFAULT_NAMESPACE} namespace: ${held}` };
}
