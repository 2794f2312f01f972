import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { ROOT } from '../support/source.js';

// eslint.config.js keeps the twin out of product code and its insides behind src/twin/index.ts.
const eslint = new ESLint({ cwd: ROOT });

/** The rules the project's ESLint configuration reports for `code` at `path` (need not exist). */
async function rulesBroken(path: string, code: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(code, { filePath: path });
  return (result?.messages ?? []).map((message) => message.ruleId);
}

describe('who may import the twin', () => {
  it.each([
    ['src/dispatch/x.ts', "export { startTwin } from '../twin/index.js';", 'no-restricted-imports'],
    ['src/github/x.ts', "export type { Twin } from '../twin/server.js';", 'no-restricted-imports'],
    [
      'src/ledger/x.ts',
      "export const twin = () => import('../twin/index.js');",
      'no-restricted-syntax',
    ],
    ['src/cli/x.ts', "export { startTwin } from '../twin/server.js';", 'no-restricted-imports'],
    [
      'test/ledger/x.test.ts',
      "export { parseFixture } from '../../src/twin/fixture.js';",
      'no-restricted-imports',
    ],
    [
      'scripts/x.mjs',
      "export { startTwin } from '../build/twin/server.js';",
      'no-restricted-imports',
    ],
  ])('%s may not: %s', async (path, code, rule) => {
    expect(await rulesBroken(path, code)).toEqual([rule]);
  });

  it.each([
    ['src/cli/x.ts', "export { startTwin } from '../twin/index.js';"],
    ['test/ledger/x.test.ts', "export { startTwin } from '../../src/twin/index.js';"],
    ['test/twin/x.test.ts', "export { REST_ROUTES } from '../../src/twin/rest.js';"],
    ['src/twin/x.ts', "export { REST_ROUTES } from './rest.js';"],
    ['test/ledger/x.test.ts', "export { client } from '../support/twin.js';"],
  ])('%s may: %s', async (path, code) => {
    expect(await rulesBroken(path, code)).toEqual([]);
  });
});
