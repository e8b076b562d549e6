/** Modules that never touch the host's state: messages, assertions, facts. */
import type { AnyModule } from '../api.ts';
import { assert } from './assert.ts';
import { debug } from './debug.ts';
import { fail } from './fail.ts';
import { include_vars } from './include_vars.ts';
import { pause } from './pause.ts';
import { stat } from './stat.ts';
import { ping } from './ping.ts';
import { set_fact } from './set_fact.ts';
import { setup } from './setup.ts';

export const coreModules: Record<string, AnyModule> = { assert, debug, fail, include_vars, pause, ping, set_fact, setup, stat };
