/**
 * For roles that only talk to the Kubernetes API (network_plugin/calico, the add-ons): a real
 * kube-apiserver on loopback (apiserver.ts), an artifact server over a files_repo folder holding
 * the given fixture files at upstream's paths, and an inventory whose kube_control_plane[0] is this
 * machine (ansible_connection=local). Skips the test with a message where no apiserver can run.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { dump } from 'js-yaml';
import { apiserverUnavailable, startApiserver, type Apiserver } from './apiserver.ts';
import { startArtifactServer, type ArtifactServer } from './artifact-server.ts';

export interface ApiTestbed {
  api: Apiserver;
  server: ArtifactServer;
  /** The inventory file (kube_control_plane: localhost; kube_node empty). */
  inventory: string;
  /** A scratch folder for the role's download cache. */
  cache: string;
  /** Writes group_vars/all/<name>.yml (undefined values left out). */
  writeVars(name: string, vars: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** files: upstream path under files_repo → the fixture file to serve there. */
export async function startApiTestbed(ctx: Mocha.Context, name: string, files: Record<string, string>): Promise<ApiTestbed> {
  const why = apiserverUnavailable();
  if (why) {
    console.log(`      skipped: ${why}`);
    ctx.skip();
  }
  const dir = mkdtempSync(join(tmpdir(), `kplay-${name}-`));
  const repo = join(dir, 'repo');
  for (const [path, fixture] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    cpSync(fixture, join(repo, path));
  }
  const inv = join(dir, 'inv');
  mkdirSync(join(inv, 'group_vars/all'), { recursive: true });
  const inventory = join(inv, 'inventory.ini');
  writeFileSync(inventory, '[kube_control_plane]\nlocalhost ansible_connection=local\n\n[kube_node]\n\n[k8s_cluster:children]\nkube_control_plane\nkube_node\n');
  const api = await startApiserver();
  const server = await startArtifactServer({ root: repo });
  return {
    api,
    server,
    inventory,
    cache: join(dir, 'cache'),
    writeVars: (file, vars) =>
      writeFileSync(join(inv, 'group_vars/all', `${file}.yml`), dump(Object.fromEntries(Object.entries(vars).filter(([, v]) => v !== undefined)))),
    close: async () => {
      await server.close();
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
