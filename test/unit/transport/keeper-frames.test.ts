import { expect } from 'chai';
import { encodeFrame, FrameReader } from '../../../engine/transport/keeper/frames.ts';

describe('keeper frames', () => {
  it('round-trips a header and binary body, whatever the chunking', () => {
    const body = Buffer.from([0, 1, 2, 255, 10, 13]);
    const bytes = Buffer.concat([encodeFrame({ id: 1, op: 'put', path: '/a b' }, body), encodeFrame({ id: 2 })]);
    for (const size of [1, 3, 7, bytes.length]) {
      const r = new FrameReader();
      const got = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...r.push(bytes.subarray(i, i + size)));
      expect(got.map((f) => f.header)).to.deep.equal([{ id: 1, op: 'put', path: '/a b' }, { id: 2 }]);
      expect(got[0]!.body.equals(body)).to.equal(true);
      expect(got[1]!.body.length).to.equal(0);
    }
  });

  it('gives back the bytes after the last frame (a raw stream that follows)', () => {
    const r = new FrameReader();
    const frames = r.push(Buffer.concat([encodeFrame({ id: 9 }), Buffer.from('SSH-2.0-x\r\n')]));
    expect(frames).to.have.length(1);
    expect(r.rest().toString()).to.equal('SSH-2.0-x\r\n');
  });
});
