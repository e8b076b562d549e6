#!/usr/bin/env node
// kplay ships TypeScript sources and runs them through tsx, so a fresh clone works after `npm ci`
// with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../engine/cli.ts');
await main(process.argv.slice(2));
