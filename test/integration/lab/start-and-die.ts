/** Child process for the stale-lab test: starts a lab, then dies without stopping it (SIGKILL). */
import { upLab } from '../../../engine/lab/lab.ts';

const name = process.argv[2] ?? 'stale';
const lab = await upLab(1, { name, persistent: false });
process.stdout.write(`${JSON.stringify({ k: lab.k })}\n`, () => process.kill(process.pid, 'SIGKILL'));
