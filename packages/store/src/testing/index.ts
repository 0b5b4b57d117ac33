/**
 * `@cairn/store/testing` — the conformance suite every `Store` implementation runs, and record
 * builders for tests of code that uses a store. Imports vitest: for test code only.
 */
export {
  describeStoreConformance,
  expectCairnError,
  type ConformanceDatabase,
  type ConformanceHarness,
} from './store-conformance.js';
export {
  aBlueprint,
  aDeployment,
  anEvent,
  anExecution,
  anInstance,
  aTask,
  T0,
} from './fixtures.js';
