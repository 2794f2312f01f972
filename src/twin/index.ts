/**
 * The twin's public entry module. Code outside src/twin (the CLI, tests, scripts) imports the
 * twin from here only; the modules beside it are its insides, free to change, and only the twin's
 * own tests (test/twin) reach into them. Product code does not import the twin at all: it is a
 * test double and must never reach an action's bundle. eslint.config.js enforces both rules.
 */
export {
  startTwin,
  TWIN_MARKER,
  type Twin,
  type TwinOptions,
  type TwinStats,
  type TwinUrls,
} from './server.js';
export { FixtureError, parseFixture, type Fixture, type FixtureInput } from './fixture.js';
export { backlogScenario, scenarioFile, type BacklogScenario } from './scenarios.js';
export { seededRandom } from './faults.js';
export { githubGraphqlSchema } from './graphql.js';
