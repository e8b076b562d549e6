/** The KplayError a function throws (fails the test when it throws something else, or nothing). */
import { expect } from 'chai';
import { KplayError } from '../../engine/errors.ts';

export function thrownKplayError(fn: () => unknown): KplayError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(KplayError);
    return err as KplayError;
  }
  throw new Error('expected a KplayError');
}
