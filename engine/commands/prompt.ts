/** Reads a secret from the terminal without echoing it. */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { KplayError } from '../errors.ts';

export async function promptSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) return noTerminal(question);
  let muted = false;
  const out = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output: out, terminal: true });
  const answer = new Promise<string>((res) => rl.question(question, res));
  muted = true;
  const value = await answer;
  rl.close();
  process.stderr.write('\n');
  return value;
}

/** What asking does without a terminal. */
export function noTerminal(question: string): Promise<never> {
  return Promise.reject(new KplayError('KPLAY_OPTIONS', `${question.trim()} needs a terminal (stdin is not a TTY)`));
}
