import { expect } from 'chai';
import { encodeBody, planUri, responseResult, uri, type HttpResponse } from '../../../../modules/system/uri.ts';
import { planWaitFor, wait_for } from '../../../../modules/system/wait-for.ts';

const resp = (status: number, body = '', headers: Record<string, string> = {}): HttpResponse => ({ status, statusMessage: 'X', headers, body: Buffer.from(body), url: 'http://h/', redirected: false });

describe('uri: plan', () => {
  it('GET: no change; status mismatch fails with the result kept', () => {
    const ok = planUri({ outcome: { response: resp(200, '{"a":1}', { 'content-type': 'application/json' }) } }, { url: 'http://h/' });
    expect(ok.changes).to.deep.equal([]);
    expect(ok.result).to.deep.include({ status: 200, json: { a: 1 } });
    const bad = planUri({ outcome: { response: resp(500) } }, { url: 'http://h/', status_code: [200, 201] });
    expect(bad.failed).to.match(/Status code was 500 and not \[200,201\]/);
    expect(bad.result).to.deep.include({ status: 500 });
  });
  it('connection errors fail without leaking credentials in the URL', () => {
    const p = planUri({ outcome: { error: 'ECONNREFUSED' } }, { url: 'http://u:pw@h/' });
    expect(p.failed).to.equal('http://***@h/: ECONNREFUSED');
  });
  it('POST: one change, the request as a controller action whose outcome result() reads', () => {
    const a = { url: 'http://h/x', method: 'post', status_code: 201 };
    const p = planUri({}, a);
    expect(p.changes[0]!.summary).to.equal('POST http://h/x');
    const op = p.changes[0]!.ops[0]!;
    expect(op).to.deep.include({ kind: 'controller', action: 'uri.request', input: a });
    expect(uri.result!([{ op, output: { response: resp(201) } }], {}, a)).to.deep.include({ status: 201 });
    expect(uri.result!([{ op, output: { error: 'ECONNRESET' } }], {}, a)).to.deep.include({ failed: true, msg: 'http://h/x: ECONNRESET' });
    expect((uri.checkMode as (a: object) => string)({ url: 'x', method: 'POST' })).to.equal('skip');
    expect((uri.checkMode as (a: object) => string)({ url: 'x' })).to.equal('plan');
  });
  it('bodies', () => {
    expect(encodeBody({ url: 'x', body: { a: 1 }, body_format: 'json' })).to.deep.equal({ body: Buffer.from('{"a":1}'), contentType: 'application/json' });
    expect(encodeBody({ url: 'x', body: { a: 'b c', d: 2 }, body_format: 'form-urlencoded' })).to.deep.equal({ body: Buffer.from('a=b+c&d=2'), contentType: 'application/x-www-form-urlencoded' });
    expect(encodeBody({ url: 'x', body: 'raw' })).to.deep.equal({ body: Buffer.from('raw') });
    expect(encodeBody({ url: 'x' })).to.deep.equal({});
  });
  it('result: headers with _ and content on request', () => {
    const r = responseResult(resp(200, 'hi', { 'x-request-id': '7', 'content-type': 'text/plain' }), { url: 'x', return_content: true });
    expect(r).to.deep.include({ x_request_id: '7', content: 'hi', content_type: 'text/plain', content_length: 2 });
    expect(uri.validate!({ url: 'http://' })[0]!.key).to.equal('url');
  });
});

describe('wait_for: plan', () => {
  it('never a change; timeout fails with a message', () => {
    expect(planWaitFor({ ok: true, elapsed: 1200, what: 'h:1' }, {})).to.deep.equal({ changes: [], result: { elapsed: 1 } });
    expect(planWaitFor({ ok: false, elapsed: 5000, what: '127.0.0.1:80' }, { port: 80 }).failed).to.equal('Timeout when waiting for 127.0.0.1:80 to be started');
    expect(planWaitFor({ ok: false, elapsed: 0, what: 'x' }, { msg: 'custom' }).failed).to.equal('custom');
    expect(planWaitFor({ ok: true, elapsed: 0, what: 'x', match: ['a1', '1'] }, {}).result).to.deep.include({ match_groups: ['1'] });
  });
  it('validate', () => {
    expect(wait_for.validate!({ port: 1, path: '/x' })[0]!.key).to.equal('path');
    expect(wait_for.validate!({ path: '/x', search_regex: '(' })[0]!.key).to.equal('search_regex');
  });
});
