/**
 * The read probes that avoid running programs on the host (fact script, several paths per stat,
 * stat with the content) give on a real host what the programs they replace give.
 */
import { expect } from 'chai';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../../support/lab.ts';
import type { Transport } from '../../../../engine/transport/transport.ts';
import { FACTS_SCRIPT, parseFacts, splitSections } from '../../../../engine/vars/facts.ts';
import { parseDefaultRoute } from '../../../../engine/vars/facts-network.ts';
import { runProbes } from '../../../../modules/facts/batch.ts';
import type { QueryRunner } from '../../../../modules/facts/read-only.ts';
import { stat, statEach } from '../../../../modules/facts/stat.ts';
import { fileContent, statAndContent } from '../../../../modules/facts/content.ts';
import { sysctlValue } from '../../../../modules/facts/sysctl.ts';
import { quote } from '../../../../engine/transport/quote.ts';
import { queryOn } from '../../../../engine/executor/module-context.ts';

describe('read probes on a lab host (real ssh, systemd)', function () {
  let lab: Lab | undefined;
  let t: Transport;
  let reader: QueryRunner;
  const out = async (cmd: string) => (await t.exec(cmd)).stdout.trim();
  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    lab = await startLab(1, { name: 'probes' });
    t = await lab.transport(0);
    reader = { query: queryOn(t) };
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await lab?.stop();
  });

  it('facts: kernel.arch, one date and /proc/net/route say what uname -m, date -u and ip -4 route say', async () => {
    const raw = (await t.exec(FACTS_SCRIPT)).stdout;
    const f = parseFacts(raw);
    expect(f.ansible_machine).to.equal(await out('uname -m'));
    const gw = parseDefaultRoute(await out('ip -4 route show default'));
    expect(gw?.gateway).to.match(/^198\.18\.\d+\.1$/);
    expect(f.ansible_default_ipv4).to.include({ interface: gw!.interface, gateway: gw!.gateway });
    expect(f.ansible_processor_nproc).to.equal(Number(await out('nproc')));
    const hostUtc = Date.parse(await out("date -u '+%Y-%m-%dT%H:%M:%SZ'"));
    expect(Math.abs(Date.parse(f.ansible_date_time!.iso8601) - hostUtc)).to.be.at.most(5000);
    expect(splitSections(raw).get('date')!.split('\n')).to.have.length(1);
    // under a 32-bit personality uname -m says i686, kernel.arch would not: the script asks uname
    const linux32 = splitSections((await t.exec(`linux32 sh -c ${quote(FACTS_SCRIPT)}`)).stdout);
    expect(linux32.get('uname')!.split('\n')[3]).to.equal(await out('linux32 uname -m'));
  });

  it('facts: the IPv4 default route of a table with many routes, an unreachable default first', async () => {
    const gw = parseDefaultRoute(await out('ip -4 route show default'))!;
    const routes = Array.from({ length: 300 }, (_, i) => `route add 10.${i >> 8}.${i & 255}.1/32 dev ${gw.interface}`);
    const setup = ['route add unreachable default metric 5', 'route add 0.0.0.0/8 dev lo', ...routes].join('\n');
    await t.exec(`ip route del default && printf '%s\\n' ${quote(setup)} | ip -batch - && ip route add default via ${gw.gateway} dev ${gw.interface} metric 10`);
    try {
      expect(Number(await out('ip -4 route show | wc -l'))).to.be.above(300);
      const want = parseDefaultRoute(await out('ip -4 route show default'));
      expect(want).to.deep.equal(gw);
      const raw = (await t.exec(FACTS_SCRIPT)).stdout;
      expect(parseFacts(raw).ansible_default_ipv4).to.include({ interface: gw.interface, gateway: gw.gateway });
      // the read stopped after the default routes
      expect(splitSections(raw).get('proc-route')!.split('\n').length).to.be.below(10);
    } finally {
      await t.exec(`ip route flush 10.0.0.0/8; ip route del unreachable default metric 5; ip route del 0.0.0.0/8 dev lo; ip route del default; ip route add default via ${gw.gateway} dev ${gw.interface}`);
    }
    expect(parseDefaultRoute(await out('ip -4 route show default'))).to.deep.equal(gw);
  });

  it('statEach and statAndContent read what stat and fileContent read', async () => {
    await t.exec("rm -rf /tmp/kplay-probes && mkdir -p /tmp/kplay-probes/dir && cd /tmp/kplay-probes && printf 'a\\nb\\n' > small && head -c 100 /dev/zero > big && : > empty && ln -s small link && ln -s gone dangling && chown nobody:nogroup small");
    const paths = ['dir', 'small', 'big', 'empty', 'link', 'dangling', 'missing', 'dir/missing'].map((p) => `/tmp/kplay-probes/${p}`);
    const single = await runProbes(reader, Object.fromEntries(paths.map((p, i) => [`s${i}`, stat(p, true)])));
    const each = await runProbes(reader, { all: statEach(paths) });
    expect(each.all).to.deep.equal(paths.map((_, i) => single[`s${i}`]));
    expect(each.all[1]).to.include({ type: 'file', owner: 'nobody', group: 'nogroup', size: 4 });
    for (const p of paths) {
      const r = await runProbes(reader, { both: statAndContent(p, 50), st: stat(p, true), c: fileContent(p, 50) });
      expect(r.both, p).to.deep.equal({ st: r.st, content: r.c });
    }
  });

  it('sysctl values with several words, and keys that cannot be read', async () => {
    const r = await runProbes(reader, {
      range: sysctlValue('net.ipv4.ip_local_port_range'),
      forward: sysctlValue('net.ipv4.ip_forward'),
      unreadable: sysctlValue('net.ipv6.conf.all.stable_secret'),
      missing: sysctlValue('net.nope.key'),
    });
    expect(r.range).to.equal((await out('cat /proc/sys/net/ipv4/ip_local_port_range')).split(/\s+/).join(' '));
    expect(r.forward).to.match(/^[01]$/);
    expect(r.unreadable).to.equal(undefined);
    expect(r.missing).to.equal(undefined);
  });
});
