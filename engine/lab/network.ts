/**
 * The lab network (see docs/lab.md): hosts in their own netns with eth0 on 198.18.K.0/24, a
 * bridge in its own netns (198.18.K.1, forwarding off: a dead end), and a veth to the root netns
 * (198.18.K.254, the controller) with an `unreachable` route behind it, so lab traffic can never
 * fall through to this machine's default route, even while the veth is down or gone.
 */
import * as n from './names.ts';
import { run } from './run.ts';

const ip = (...args: string[]) => run(['ip', ...args]);
const ipQuiet = (...args: string[]) => run(['ip', ...args], { allowFail: true });

export async function setupBridge(lab: string, k: number): Promise<void> {
  const br = n.bridgeNetns(lab);
  await ip('netns', 'add', br);
  await run(['ip', 'netns', 'exec', br, 'sysctl', '-qw', 'net.ipv4.ip_forward=0', 'net.ipv6.conf.all.disable_ipv6=1']);
  await ip('-n', br, 'link', 'set', 'lo', 'up');
  await ip('-n', br, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', br, 'addr', 'add', `${n.bridgeAddress(k)}/24`, 'dev', 'br0');
  await ip('-n', br, 'link', 'set', 'br0', 'up');
  const c = n.controllerVeth(k);
  const peer = n.controllerPeerVeth(k);
  await ip('link', 'add', c, 'type', 'veth', 'peer', 'name', peer, 'netns', br);
  await ip('-n', br, 'link', 'set', peer, 'master', 'br0', 'up');
  await ip('route', 'add', 'unreachable', n.subnetOf(k), 'metric', '9999');
  await ip('addr', 'add', `${n.controllerAddress(k)}/24`, 'dev', c);
  await ip('link', 'set', c, 'up');
}

export async function setupHostNet(lab: string, k: number, i: number): Promise<void> {
  const ns = n.hostNetns(lab, i);
  const br = n.bridgeNetns(lab);
  const veth = n.hostVeth(k, i);
  await ip('netns', 'add', ns);
  await ip('-n', br, 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  await ip('-n', br, 'link', 'set', veth, 'master', 'br0', 'up');
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  await ip('-n', ns, 'addr', 'add', `${n.hostAddress(k, i)}/24`, 'dev', 'eth0');
  await ip('-n', ns, 'link', 'set', 'eth0', 'up');
  await ip('-n', ns, 'route', 'add', 'default', 'via', n.bridgeAddress(k));
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
