/**
 * INI inventory values, read the way Ansible reads them: Ansible passes each value through
 * Python's `ast.literal_eval` and keeps the raw string when that fails. So `port=22` is a number,
 * `x=[1,2]` a list, `ip=10.0.0.1` and `mode=0755` stay strings. One deliberate extension: the
 * lowercase YAML spellings `true`/`false` are booleans too (Ansible keeps them as strings, which
 * makes `when: flag` true for `flag=false`; kplay's expressions would inherit that trap).
 */

export type IniValue = string | number | boolean | null | IniValue[] | { [key: string]: IniValue };

/** The value of `key=value` in an INI inventory, after Ansible's literal evaluation. */
export function parseIniValue(raw: string): IniValue {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  const parsed = new LiteralParser(raw).parseWhole();
  return parsed === NOT_LITERAL ? raw : parsed;
}

const NOT_LITERAL = Symbol('not a literal');

/** A small recursive-descent reader of Python literals: numbers, strings, True/False/None, lists, tuples, dicts. */
class LiteralParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parseWhole(): IniValue | typeof NOT_LITERAL {
    try {
      this.skipSpace();
      const value = this.value();
      this.skipSpace();
      // A trailing Python comment is fine for literal_eval: `x=1  # one` is 1.
      return this.pos === this.src.length || this.src[this.pos] === '#' ? value : NOT_LITERAL;
    } catch (err) {
      if (err === NOT_LITERAL) return NOT_LITERAL;
      throw err;
    }
  }

  private fail(): never {
    throw NOT_LITERAL;
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private value(): IniValue {
    const c = this.src[this.pos];
    if (c === undefined) this.fail();
    if (c === '[') return this.sequence('[', ']');
    if (c === '(') return this.sequence('(', ')');
    if (c === '{') return this.dict();
    if (c === '"' || c === "'") return this.string();
    if (c === '-' || c === '+' || c === '.' || /[0-9]/.test(c)) return this.number();
    const word = /^[A-Za-z_]\w*/.exec(this.src.slice(this.pos))?.[0];
    this.pos += word?.length ?? 0;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    return this.fail();
  }

  private sequence(open: string, close: string): IniValue {
    this.pos++; // the opening bracket
    const items: IniValue[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === close) break;
      items.push(this.value());
      this.skipSpace();
      if (this.src[this.pos] === ',') {
        this.pos++;
        sawComma = true;
      } else if (this.src[this.pos] !== close) this.fail();
    }
    this.pos++;
    // `(1)` is just 1 in Python; only `(1,)` is a tuple.
    if (open === '(' && items.length === 1 && !sawComma) return items[0]!;
    return items;
  }

  private dict(): { [key: string]: IniValue } {
    this.pos++;
    const out: { [key: string]: IniValue } = {};
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === '}') break;
      const key = this.value();
      if (typeof key === 'object' && key !== null) this.fail();
      this.skipSpace();
      if (this.src[this.pos] !== ':') this.fail();
      this.pos++;
      this.skipSpace();
      out[String(key)] = this.value();
      this.skipSpace();
      if (this.src[this.pos] === ',') this.pos++;
      else if (this.src[this.pos] !== '}') this.fail();
    }
    this.pos++;
    return out;
  }

  private string(): string {
    const quote = this.src[this.pos]!;
    this.pos++;
    let out = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos++]!;
      if (c === quote) {
        // Python joins adjacent literals: 'a' 'b' == 'ab'.
        this.skipSpace();
        const next = this.src[this.pos];
        if (next === '"' || next === "'") return out + this.string();
        return out;
      }
      if (c === '\\') out += this.escape();
      else out += c;
    }
    return this.fail();
  }

  private escape(): string {
    const c = this.src[this.pos++];
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };
    if (c !== undefined && c in simple) return simple[c]!;
    const hexLen = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const hex = this.src.slice(this.pos, this.pos + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex)) this.fail();
      this.pos += hexLen;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    // Python keeps unknown escapes verbatim.
    return `\\${c ?? ''}`;
  }

  private number(): number {
    const rest = this.src.slice(this.pos);
    const m =
      /^[+-]?\s*(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?)/.exec(
        rest,
      );
    if (!m) return this.fail();
    const text = m[0].replace(/[\s_]/g, '');
    this.pos += m[0].length;
    const sign = text.startsWith('-') ? -1 : 1;
    const body = text.replace(/^[+-]/, '');
    if (/^0[xXoObB]/.test(body)) return sign * Number(body.toLowerCase());
    // Python 3 rejects decimal integers with leading zeros (`0755`), so they stay strings.
    if (/^0[0-9]+$/.test(body)) return this.fail();
    return sign * Number(body);
  }
}
