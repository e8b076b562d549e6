/**
 * Environment for a remote or become'd command as `export K=V;` words. sshd accepts only AcceptEnv
 * names through `env` requests and silently drops the rest, and sudo resets the environment, so a
 * quoted prefix inside the script is the one way that works everywhere.
 */
import { quote } from './quote.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function envPrefix(env: Record<string, string> | undefined): string {
  if (!env) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_NAME.test(k)) throw new Error(`invalid environment variable name: ${JSON.stringify(k)}`);
    parts.push(`${k}=${quote(v)}`);
  }
  return parts.length ? `export ${parts.join(' ')}; ` : '';
}
