/**
 * The one place where values become words of a POSIX shell command. Nothing else in kplay builds
 * shell strings by concatenating values.
 */

/** Quote one word for POSIX sh: safe for any byte string, including newlines and quotes. */
export function quote(word: string | number): string {
  const s = String(word);
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quote each word and join them: an argv as one shell command. */
export function quoteArgv(argv: readonly (string | number)[]): string {
  return argv.map(quote).join(' ');
}

/**
 * Tagged template for shell snippets: the literal parts are trusted script, every interpolated
 * value is quoted (arrays become several quoted words).
 *   sh`test -e ${path} && cat ${path}`
 */
export function sh(strings: TemplateStringsArray, ...values: (string | number | readonly (string | number)[])[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += Array.isArray(v) ? quoteArgv(v) : quote(v as string | number);
    out += strings[i + 1] ?? '';
  });
  return out;
}
