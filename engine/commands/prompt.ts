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

/**
 * A secret from stdin that is not a terminal (`echo pw | kplay run -K …`, as ansible-playbook -K
 * reads it): the first line, without its line ending. Reads only up to that line.
 */
export function readSecretLine(question: string, input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (err?: Error) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
      if (err) return reject(err);
      const text = buf.toString('utf8');
      const nl = text.indexOf('\n');
      resolve((nl >= 0 ? text.slice(0, nl) : text).replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer | string) => {
      buf = Buffer.concat([buf, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)]);
      if (buf.includes(10)) done();
    };
    const onEnd = () => (buf.length ? done() : done(new KplayError('KPLAY_OPTIONS', `${question.trim().replace(/:$/, '')}: stdin ended before a line was read`)));
    const onError = (e: Error) => done(new KplayError('KPLAY_OPTIONS', `${question.trim()} cannot be read from stdin: ${e.message}`));
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.resume();
  });
}

/** What asking does without a terminal. */
export function noTerminal(question: string): Promise<never> {
  return Promise.reject(new KplayError('KPLAY_OPTIONS', `${question.trim()} needs a terminal (stdin is not a TTY)`));
}
