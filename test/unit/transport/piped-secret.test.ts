import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { readSecretLine } from '../../../engine/commands/prompt.ts';
import { BECOME_PASSWORD_REFUSED } from '../../../engine/transport/become.ts';

describe('-K without a terminal (issue 18)', () => {
  it('reads the first line of a piped stdin, without its line ending', async () => {
    const s = new PassThrough();
    const p = readSecretLine('BECOME password: ', s);
    s.write('se');
    s.write('cret\r\nnext line\n');
    expect(await p).to.equal('secret');
  });
  it('takes a last line without a newline, and refuses an empty stdin', async () => {
    const s = new PassThrough();
    const p = readSecretLine('BECOME password: ', s);
    s.end('pw');
    expect(await p).to.equal('pw');
    const e = new PassThrough();
    const q = readSecretLine('BECOME password: ', e);
    e.end();
    await q.then(
      () => expect.fail('no line'),
      (err: Error) => expect(err.message).to.equal('BECOME password: stdin ended before a line was read'),
    );
  });
  it("knows sudo's and su's words for a refused password", () => {
    expect(BECOME_PASSWORD_REFUSED.test('Sorry, try again.\nsudo: 3 incorrect password attempts\n')).to.equal(true);
    expect(BECOME_PASSWORD_REFUSED.test('su: Authentication failure\n')).to.equal(true);
    expect(BECOME_PASSWORD_REFUSED.test('cat: x: No such file or directory\n')).to.equal(false);
  });
});
