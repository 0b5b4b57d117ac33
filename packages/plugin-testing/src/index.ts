/**
 * `@cairn/plugin-testing` — the test kit for Cairn plugins. {@link deployForTest} deploys a
 * blueprint locally (a temporary SQLite store, the real engine) and runs the plugin under test
 * in real worker processes, so a test sees what a user would: runtime properties, node states,
 * logs and failures. A plugin lists it in its devDependencies, never in its dependencies.
 */
export {
  deployForTest,
  type ExecuteOperationOptions,
  type TestDeployment,
  type TestDeploymentOptions,
  type TestEvent,
  type TestInstance,
  type TestRun,
} from './test-deployment.js';
export { readPluginUnderTest, type PluginUnderTest } from './plugin-under-test.js';
