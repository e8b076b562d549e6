// The entry point of dist/keeper.cjs (scripts/build.mjs), started by keeper/locate.ts.
import { keeperProcess } from './process.ts';

void keeperProcess(process.argv[2]!).then((code) => process.exit(code));
