/**
 * What test/run.ts provides to every test file: one Temporal dev server for the whole run and one workflow
 * bundle, so that test files only create their own database and task queue.
 */
export function testTemporalAddress(): string {
  const address = process.env.SESAME_TEST_TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('Run the tests with `npm test` (test/run.ts starts the Temporal dev server).');
  return address;
}

export function testWorkflowBundle(): string {
  const bundle = process.env.SESAME_TEST_WORKFLOW_BUNDLE;
  if (!bundle) throw new Error('Run the tests with `npm test` (test/run.ts builds the workflow bundle).');
  return bundle;
}

export const uniqueSuffix = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
