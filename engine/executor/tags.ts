/** Ansible's tag selection, including the special tags always, never, tagged, untagged and all. */
export function tagsSelect(taskTags: readonly string[], only: readonly string[], skip: readonly string[]): boolean {
  const tags = new Set(taskTags);
  if (skip.length > 0) {
    if (skip.includes('all') && !(tags.has('always') && !skip.includes('always'))) return false;
    if (skip.includes('tagged') && tags.size > 0 && !tags.has('always')) return false;
    if (skip.includes('untagged') && tags.size === 0) return false;
    for (const t of tags) if (skip.includes(t) && (t !== 'always' || skip.includes('always'))) return false;
  }
  const wanted = only.length === 0 ? ['all'] : only;
  if (tags.has('always')) return true;
  if (tags.has('never')) return wanted.some((w) => w !== 'all' && tags.has(w));
  if (wanted.includes('all')) return true;
  if (wanted.includes('tagged') && tags.size > 0) return true;
  if (wanted.includes('untagged') && tags.size === 0) return true;
  return wanted.some((w) => tags.has(w));
}
