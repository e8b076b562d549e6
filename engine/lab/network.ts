/**
 * The lab network (see docs/lab.md): hosts in their own netns with eth0 on 198.18.K.0/24, a
 * bridge in its own netns (198.18.K.1, forwarding off: a dead end), and a veth to the root netns
 * (198.18.K.254, the controller) with an `unreachable` route behind it, so lab traffic can never
 * fall through to this machine's default route, even while the veth is down or gone.
 */
import * as n from './names.ts';
import { run, runAll } from './run.ts';

const ipQuiet = (...args: string[]) => run(['ip', ...args], { allowFail: true });

/** One `ip` process for many commands (in netns `ns` when given): spawns are what cost under load. */
function ipBatch(lines: readonly string[][], ns?: string) {
  return run(['ip', ...(ns ? ['-n', ns] : []), '-batch', '-'], { input: lines.map((l) => l.join(' ')).join('\n') + '\n' });
}

export async function setupBridge(lab: string, k: number): Promise<void> {
  const br = n.bridgeNetns(lab);
  const c = n.controllerVeth(k);
  const peer = n.controllerPeerVeth(k);
  await run(['ip', 'netns', 'add', br]);
  await run(['ip', 'netns', 'exec', br, 'sysctl', '-qw', 'net.ipv4.ip_forward=0', 'net.ipv6.conf.all.disable_ipv6=1']);
  await ipBatch(
    [
      ['link', 'set', 'lo', 'up'],
      ['link', 'add', 'br0', 'type', 'bridge'],
      ['addr', 'add', `${n.bridgeAddress(k)}/24`, 'dev', 'br0'],
      ['link', 'set', 'br0', 'up'],
    ],
    br,
  );
  // the unreachable route goes in before the address, so the subnet is never without a guard
  await ipBatch([
    ['link', 'add', c, 'type', 'veth', 'peer', 'name', peer, 'netns', br],
    ['route', 'add', 'unreachable', n.subnetOf(k), 'metric', '9999'],
    ['addr', 'add', `${n.controllerAddress(k)}/24`, 'dev', c],
    ['link', 'set', c, 'up'],
  ]);
  await ipBatch([['link', 'set', peer, 'master', 'br0', 'up']], br);
}

/** Netns, veth to the bridge, address and default route for hosts `indexes` (1-based). */
export async function setupHostsNet(lab: string, k: number, indexes: readonly number[]): Promise<void> {
  const br = n.bridgeNetns(lab);
  await ipBatch(indexes.map((i) => ['netns', 'add', n.hostNetns(lab, i)]));
  await ipBatch(
    indexes.flatMap((i) => [
      ['link', 'add', n.hostVeth(k, i), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.hostNetns(lab, i)],
      ['link', 'set', n.hostVeth(k, i), 'master', 'br0', 'up'],
    ]),
    br,
  );
  await runAll(indexes, 8, (i) =>
    ipBatch(
      [
        ['link', 'set', 'lo', 'up'],
        ['addr', 'add', `${n.hostAddress(k, i)}/24`, 'dev', 'eth0'],
        ['link', 'set', 'eth0', 'up'],
        ['route', 'add', 'default', 'via', n.bridgeAddress(k)],
      ],
      n.hostNetns(lab, i),
    ).then(() => undefined),
  );
}

/** Idempotent: removes whatever of the host's network exists. */
export async function teardownHostNet(lab: string, i: number): Promise<void> {
  await ipQuiet('netns', 'del', n.hostNetns(lab, i));
}

/** Idempotent. Removes the controller veth explicitly: netns deletion frees its devices only later. */
export async function teardownBridge(lab: string, k: number): Promise<void> {
  await ipQuiet('link', 'del', n.controllerVeth(k));
  await ipQuiet('netns', 'del', n.bridgeNetns(lab));
  // the unreachable route is removed last, so nothing ever falls through in between
  for (;;) {
    const r = await ipQuiet('route', 'del', 'unreachable', n.subnetOf(k), 'metric', '9999');
    if (r.rc !== 0) break;
  }
}

/** 198.18.K.0/24 subnets that some route in the root netns already mentions. */
export async function routedLabSubnets(): Promise<Set<string>> {
  const out = new Set<string>();
  const r = await run(['ip', '-4', 'route', 'show', 'table', 'all']);
  for (const m of r.stdout.matchAll(/\b198\.18\.(\d+)\.0\/24\b/g)) out.add(`198.18.${m[1]}.0/24`);
  return out;
}

export async function netnsList(): Promise<string[]> {
  const r = await run(['ip', 'netns', 'list'], { allowFail: true });
  return r.stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}
