/**
 * What one run leaves in a process for the next: the connection keeper executes one run after
 * another (transport/keeper/run-host.ts), and each must behave as it would in a process of its own.
 * The caches here hold a run's files and secrets; the rest of the module state is content-keyed
 * (compiled templates and schemas) or per run.
 */
import { forgetSourceLines } from '../errors.ts';
import { forgetParsedKeys } from '../transport/ssh-auth.ts';
import { clearSshConfigCache } from '../transport/ssh-config.ts';
import { forgetVerifiedDownloads } from '../../modules/cluster/download/cache.ts';

export function forgetRunState(): void {
  // decrypted private keys, keyed by their passphrase
  forgetParsedKeys();
  // the lines of files that had errors: fixed files show their new lines
  forgetSourceLines();
  // ~/.ssh/config as it was
  clearSshConfigCache();
  // a cached artifact is hashed again before a run uploads it
  forgetVerifiedDownloads();
}
