/**
 * `@cairn/store/testing` — the conformance suites every `Store` and `ManagerStore`
 * implementation runs, record builders for tests of code that uses a store, and the throwaway
 * PostgreSQL server tests run against. Imports vitest: for test code only.
 */
export {
  describeStoreConformance,
  expectCairnError,
  type ConformanceDatabase,
  type ConformanceHarness,
} from './store-conformance.js';
export { describeManagerStoreConformance } from './manager-store-conformance.js';
export {
  aBlueprint,
  aDeployment,
  anEvent,
  anExecution,
  anInstance,
  aTask,
  T0,
} from './fixtures.js';
export { aPlugin, aResource, aSecret, aTenant, aToken, aUser } from './manager-fixtures.js';
export { databaseForBlock, type DatabaseKind } from './database-per-block.js';
export {
  freshDatabase,
  freshSchemaName,
  startTestPostgres,
  type TestDatabase,
  type TestPostgres,
} from './postgres-server.js';
