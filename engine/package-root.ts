/**
 * Where kplay itself is installed: this file sits one level below the package root both in the
 * sources (engine/) and in the bundle (dist/), so the same URL works from either.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The playbooks kplay ships (site.yml and its stages). */
export const SHIPPED_PLAYBOOKS = join(PACKAGE_ROOT, 'playbooks');

/** The sample inventory that `kplay init` copies. */
export const SAMPLE_INVENTORY = join(PACKAGE_ROOT, 'inventory', 'sample');
