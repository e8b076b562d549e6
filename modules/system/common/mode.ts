/**
 * File modes as users write them: an octal string ('0644', '644'), a number whose digits are octal
 * (YAML 1.2 reads `0644` as 644: both mean rw-r--r--), or chmod's symbolic form (`u+rwx,g-w,o=`).
 */

export type ModeArg = string | number;

export function isSymbolic(mode: ModeArg): boolean {
  return typeof mode === 'string' && !/^[0-7]{1,4}$/.test(mode);
}

/** A problem with a mode argument, or undefined when it is well-formed. */
export function modeError(mode: ModeArg): string | undefined {
  if (typeof mode === 'number') {
    return Number.isInteger(mode) && /^[0-7]{1,4}$/.test(String(mode)) ? undefined : `mode ${mode}: write it as an octal string such as '0644'`;
  }
  if (/^[0-7]{1,4}$/.test(mode)) return undefined;
  return SYMBOLIC.test(mode) ? undefined : `mode '${mode}' is neither octal ('0644') nor symbolic ('u+rw,g-w')`;
}

const CLAUSE = '[ugoa]*([-+=]([rwxXst]*|[ugo]))+';
const SYMBOLIC = new RegExp(`^${CLAUSE}(,${CLAUSE})*$`);

/** Four octal digits. */
export function formatMode(bits: number): string {
  return (bits & 0o7777).toString(8).padStart(4, '0');
}

/**
 * The resulting mode, as four octal digits. `current` is the present mode (octal string) when the
 * path exists; a symbolic mode on a new path applies to `base` (what the file gets by default).
 */
export function resolveMode(mode: ModeArg, current: string | undefined, isDir: boolean, base = isDir ? 0o755 : 0o644): string {
  if (!isSymbolic(mode)) return formatMode(parseInt(String(mode), 8));
  const err = modeError(mode);
  if (err) throw new Error(err);
  return formatMode(applySymbolic(String(mode), current !== undefined ? parseInt(current, 8) : base, isDir));
}

const WHO_BITS: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007 };

function applySymbolic(spec: string, start: number, isDir: boolean): number {
  let m = start;
  for (const clause of spec.split(',')) {
    const who = /^[ugoa]*/.exec(clause)![0];
    const whoSet = who === '' || who.includes('a') ? 'ugo' : who;
    for (const action of clause.slice(who.length).match(/[-+=][^-+=]*/g) ?? []) {
      const op = action[0]!;
      const perms = action.slice(1);
      let bits = 0;
      for (const w of whoSet) bits |= permBits(w, perms, m, isDir);
      const mask = [...whoSet].reduce((acc, w) => acc | WHO_BITS[w]!, 0);
      if (op === '+') m |= bits;
      else if (op === '-') m &= ~bits;
      else m = (m & ~mask) | bits;
    }
  }
  return m;
}

function permBits(who: string, perms: string, current: number, isDir: boolean): number {
  const shift = who === 'u' ? 6 : who === 'g' ? 3 : 0;
  let rwx = 0;
  let special = 0;
  for (const p of perms) {
    if (p === 'r') rwx |= 4;
    else if (p === 'w') rwx |= 2;
    else if (p === 'x') rwx |= 1;
    else if (p === 'X') rwx |= isDir || (current & 0o111) !== 0 ? 1 : 0;
    else if (p === 's') special |= who === 'u' ? 0o4000 : who === 'g' ? 0o2000 : 0;
    else if (p === 't') special |= who === 'o' ? 0o1000 : 0;
    else if (p === 'u' || p === 'g' || p === 'o') {
      // copy another class's permissions: g=u
      const from = p === 'u' ? 6 : p === 'g' ? 3 : 0;
      rwx |= (current >> from) & 7;
    }
  }
  return (rwx << shift) | special;
}
