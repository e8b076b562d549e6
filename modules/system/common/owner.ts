/** Owner and group comparison: a name or a numeric id. */

export interface Ownership {
  owner: string;
  group: string;
  uid: number;
  gid: number;
}

export function ownerMatches(want: string | number | undefined, have: Ownership): boolean {
  if (want === undefined) return true;
  const w = String(want);
  return /^\d+$/.test(w) ? Number(w) === have.uid : w === have.owner;
}

export function groupMatches(want: string | number | undefined, have: Ownership): boolean {
  if (want === undefined) return true;
  const w = String(want);
  return /^\d+$/.test(w) ? Number(w) === have.gid : w === have.group;
}

/** `owner:group` for chown, either part optional. */
export function chownSpec(owner?: string | number, group?: string | number): string {
  return `${owner ?? ''}${group !== undefined ? `:${group}` : ''}`;
}
