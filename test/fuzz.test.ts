import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeFailure, runCampaign } from './fuzz/campaign.ts';
import { fuzzSettings } from './fuzz/settings.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

describe('the fuzz suite (bounded run; `npm run fuzz` runs longer)', () => {
  it('no bad request to an API operation, a page form or a page gets a 5xx or an error logged; no answer, log line or email holds a secret', async () => {
    const settings = fuzzSettings('bounded');
    console.log(`fuzz seed ${settings.seed} (replay: FUZZ_SEED=${settings.seed} npm run fuzz)`);
    const report = await runCampaign(platform, settings);
    const { failures, secretsFound, byTarget: _byTarget, ...summary } = report;
    console.log(JSON.stringify({ ...summary, failures: failures.length, secretsFound: secretsFound.length }));

    assert.deepEqual(failures.map(describeFailure), [], failures.map(describeFailure).join('\n\n'));
    assert.deepEqual(secretsFound, [], 'no log line or email holds a secret');
    assert.equal(report.errorLines, 0, `logged as errors:\n${report.errorsLogged.join('\n')}`);
    if (settings.only === undefined) {
      // Every operation and form was attacked, as the signed-in owner too.
      assert.ok(report.operations.api >= 70, `the OpenAPI document's operations (${report.operations.api})`);
      assert.ok(report.operations.pageForms >= 30, `the pages' forms (${report.operations.pageForms})`);
      assert.ok(report.operations.pages >= 20, `the pages read (${report.operations.pages})`);
      assert.ok(report.answers['2xx']! > 0, 'some requests went through: the owner reached the handlers');
      assert.ok(report.secretsWatched.length >= 8, `secrets watched: ${report.secretsWatched.join(', ')}`);
    }
  });
});
