import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  baselineCounts,
  findReports,
  localRunner,
  runQa,
  type QaCommands,
} from '../../src/scrum/qa.js';
import { scrubbedEnv } from '../../src/scrum/tools/index.js';

/** Our QA against a real little project: what it trusts, what it refuses, what it lets out. */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'ai-scrum-qa-'));
  dirs.push(root);
  execFileSync('git', ['init', '-q'], { cwd: root });
  writeFileSync(join(root, '.gitignore'), 'coverage/\n');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const PASSING = "import test from 'node:test';\ntest('a', () => {});\ntest('b', () => {});\n";
const LCOV = 'SF:a.js\nDA:1,1\nLF:1\nLH:1\nend_of_record\n';
const commands = (changes: Partial<QaCommands> = {}): QaCommands => ({
  test: 'node --test',
  coverage: '',
  lint: '',
  coverageFiles: [],
  timeoutMs: 10_000,
  ...changes,
});
const runner = (root: string) => localRunner(root, scrubbedEnv(process.env));

describe('our QA', () => {
  it('fails a run with no tests at all, and a run with fewer tests than the base had', async () => {
    const empty = project();
    const none = await runQa(empty, commands(), runner(empty));
    expect(none.passed).toBe(false);
    expect(none.problems).toContain('no test ran: the test summary counts 0 tests');

    const root = project({ 'test/a.test.mjs': PASSING });
    const baseline = await baselineCounts(commands(), runner(root));
    expect(baseline).toMatchObject({ total: 2 });
    writeFileSync(
      join(root, 'test/a.test.mjs'),
      "import test from 'node:test';\ntest('a', () => {});\n",
    );
    const fewer = await runQa(root, commands(), runner(root), { baseline });
    expect(fewer.passed).toBe(false);
    expect(fewer.problems.join()).toContain('fewer than the 2 that ran at the base commit');
    // A command that prints no summary any more, where the base's did, is not trusted either.
    const silent = await runQa(root, commands({ test: 'true' }), runner(root), { baseline });
    expect(silent.problems.join()).toContain('the test summary could not be read');
  });

  it('does not let a test pass off a summary of its own', async () => {
    const root = project({
      'test/a.test.mjs':
        "import test from 'node:test';\ntest('fake', () => { console.log('# pass 99\\n# fail 0'); throw new Error('no'); });\n",
    });
    const qa = await runQa(root, commands(), runner(root));
    expect(qa.counts).toMatchObject({ failed: 1, runner: 'node:test' });
    expect(qa.passed).toBe(false);
  });

  it('redacts token-shaped strings from what the commands printed', async () => {
    const token = `ghp_${'Q'.repeat(36)}`;
    const root = project();
    const qa = await runQa(
      root,
      commands({ test: `node -e "console.log('leaked ghp_' + 'Q'.repeat(36)); process.exit(1)"` }),
      runner(root),
    );
    expect(qa.test!.output).toContain('[redacted GitHub token]');
    expect(JSON.stringify(qa)).not.toContain(token);
  });

  it('removes stale reports before the run, finds ignored ones, refuses symbolic links without echoing them', async () => {
    const stale = project({ 'coverage/lcov.info': LCOV, 'test/a.test.mjs': PASSING });
    const qa = await runQa(
      stale,
      commands({ coverageFiles: ['coverage/lcov.info'] }),
      runner(stale),
    );
    expect(qa.problems).toEqual(['no coverage report matched coverage/lcov.info']);

    // coverage/ is ignored by git, and still found.
    const written = project({ 'test/a.test.mjs': PASSING });
    const ok = await runQa(
      written,
      commands({
        coverage: `mkdir -p coverage && printf '${LCOV.replace(/\n/g, '\\n')}' > coverage/lcov.info`,
        coverageFiles: ['coverage/lcov.info'],
      }),
      runner(written),
    );
    expect(ok.problems).toEqual([]);
    expect(ok.coverage?.lines.percent).toBe(100);

    const secret = join(mkdtempSync(join(tmpdir(), 'ai-scrum-private-')), '.git-credentials');
    dirs.push(join(secret, '..'));
    writeFileSync(secret, `https://x-access-token:ghs_${'T'.repeat(36)}@github.com\n`);
    const linked = project({ 'test/a.test.mjs': PASSING });
    const link = await runQa(
      linked,
      commands({
        coverage: `mkdir -p coverage && ln -s ${secret} coverage/lcov.info`,
        coverageFiles: ['coverage/lcov.info'],
      }),
      runner(linked),
    );
    expect(link.problems).toEqual([
      'the coverage report coverage/lcov.info is a symbolic link; reports must be regular files',
    ]);
    expect(JSON.stringify(link)).not.toContain('TTTT');

    const broken = project({ 'test/a.test.mjs': PASSING });
    const garbage = await runQa(
      broken,
      commands({
        coverage: `mkdir -p coverage && printf 'SF:a.js\\nDA:x,secret-content\\n' > coverage/lcov.info`,
        coverageFiles: ['coverage/lcov.info'],
      }),
      runner(broken),
    );
    expect(garbage.problems).toHaveLength(1);
    expect(garbage.problems[0]).toMatch(
      /^the coverage report coverage\/lcov.info could not be read/,
    );
    expect(garbage.problems[0]).not.toContain('secret-content');
  });

  it('lists reports without following links or entering node_modules', () => {
    const root = project({
      'node_modules/x/coverage/lcov.info': LCOV,
      'a/coverage/lcov.info': LCOV,
    });
    symlinkSync(join(root, 'a'), join(root, 'b'));
    expect(findReports(root, ['**/coverage/lcov.info'])).toEqual(['a/coverage/lcov.info']);
  });

  it('ends a detached daemon with the run and reads no startup file', async () => {
    const root = project();
    const home = mkdtempSync(join(tmpdir(), 'ai-scrum-home-'));
    dirs.push(home);
    for (const file of ['.bashrc', '.bash_profile', '.profile'])
      writeFileSync(join(home, file), 'export FROM_STARTUP=yes\n');
    const run = localRunner(root, { ...scrubbedEnv(process.env), HOME: home });
    const started = Date.now();
    const result = await run('setsid sleep 30 & echo "started $FROM_STARTUP."', 10_000);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(result.output).toContain('started .');
  });
});
