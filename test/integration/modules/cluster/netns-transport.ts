/**
 * A LocalTransport whose commands run inside a throw-away network namespace, so iptables tests
 * can change a real netfilter table without touching the controller's. `backend: 'legacy'`
 * puts iptables-legacy first in PATH as `iptables` (the host's alternatives stay as they are).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../../../engine/transport/local.ts';
import type { ExecOptions, ExecResult } from '../../../../engine/transport/transport.ts';
import { quote, quoteArgv } from '../../../../engine/transport/quote.ts';

export class NetnsTransport extends LocalTransport {
  readonly ns = `kplay-t-${randomBytes(4).toString('hex')}`;
  private readonly pathPrefix: string = '';

  constructor(readonly backend: 'nft' | 'legacy' = 'nft') {
    super(`netns-${backend}`);
    execFileSync('ip', ['netns', 'add', this.ns]);
    if (backend === 'legacy') {
      const bin = mkdtempSync(join(tmpdir(), 'kplay-legacy-'));
      for (const v of ['iptables', 'ip6tables']) {
        for (const suffix of ['', '-save', '-restore']) symlinkSync(`/usr/sbin/${v}-legacy${suffix}`, join(bin, `${v}${suffix}`));
      }
      this.pathPrefix = `PATH=${quote(bin)}:$PATH; export PATH; `;
    }
  }

  override exec(cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const script = Array.isArray(cmd) ? quoteArgv(cmd) : cmd;
    return super.exec(['ip', 'netns', 'exec', this.ns, 'sh', '-c', this.pathPrefix + script], opts);
  }

  /** iptables-save of a table inside the namespace, without the comment lines (they hold dates). */
  async save(table = 'filter', ipv6 = false): Promise<string> {
    const r = await this.exec(`${ipv6 ? 'ip6tables-save' : 'iptables-save'} -t ${table}`);
    return r.stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  }

  override async close(): Promise<void> {
    execFileSync('ip', ['netns', 'delete', this.ns]);
  }
}
