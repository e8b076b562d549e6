/**
 * For a describe whose tests are steps that build on each other (a cluster brought up, then used):
 * after one fails, the rest are skipped, since they would only repeat that failure at length.
 * Call it in the describe's body.
 */
export function skipAfterFailure(): void {
  let failed = false;
  beforeEach(function () {
    if (failed) this.skip();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });
}
