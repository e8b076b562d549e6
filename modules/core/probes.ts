/** The core modules' read-only commands on the host: ping's echo and setup's facts script. */
import { defineQuery } from '../facts/read-only.ts';
import { FACTS_SCRIPT } from '../../engine/vars/facts.ts';

export const pingQuery = defineQuery('ping', { cmd: 'echo pong' });

/** The same script gather_facts runs (engine/vars/facts.ts): it only reads. */
export const factsQuery = defineQuery('facts', { cmd: FACTS_SCRIPT });
