import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { COVERAGE_USAGE } from '../../src/cli/usage.js';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('ai-scrum coverage', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ai-scrum-coverage-cli-'));
    writeFileSync(
      file('lcov.info'),
      `SF:${file('src/a.js')}\nDA:1,1\nDA:2,0\nDA:3,0\nDA:4,2\nBRDA:4,0,0,1\nBRDA:4,0,1,0\nend_of_record\n`,
    );
    writeFileSync(file('go.out'), 'mode: set\nexample.com/m/b.go:1.1,2.2 1 1\n');
    writeFileSync(
      file('change.diff'),
      '--- a/src/a.js\n+++ b/src/a.js\n@@ -1,0 +1,4 @@\n+one\n+two\n+three\n+four\n',
    );
    writeFileSync(file('broken.info'), 'SF:a.js\nDA:1,1\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints totals and the patch coverage of a diff', async () => {
    expect(
      await cli('coverage', file('lcov.info'), '--diff', file('change.diff'), '--root', dir),
    ).toEqual({
      code: 0,
      out: [
        'lcov: 1 file',
        'lines     50.00% (2/4)',
        'branches  50.00% (1/2)',
        'patch     50.00% (2/4) of the changed executable lines',
        '  src/a.js  2/4  not covered: 2-3',
      ].join('\n'),
      err: '',
    });
  });

  it('merges several reports and prints JSON', async () => {
    const result = await cli(
      'coverage',
      '--json',
      file('lcov.info'),
      file('go.out'),
      `--root=${dir}`,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({
      format: 'merged',
      files: 2,
      lines: { covered: 4, total: 6, percent: (100 * 4) / 6 },
      branches: { covered: 1, total: 2, percent: 50 },
    });
  });

  it('prints its usage', async () => {
    expect(await cli('help', 'coverage')).toEqual({ code: 0, out: COVERAGE_USAGE, err: '' });
  });

  it.each([
    [
      [],
      "ai-scrum coverage: name at least one report FILE. Run 'ai-scrum help coverage' for its usage.",
    ],
    [
      ['x.info', '--format', 'xml'],
      "ai-scrum coverage: --format must be one of lcov, cobertura, clover, istanbul-summary, istanbul-final, jacoco, go, not 'xml'.",
    ],
    [['x.info', '--diff'], "ai-scrum coverage: option '--diff' needs a value."],
    [['x.info', '--threshold', '80'], "ai-scrum coverage: unknown option '--threshold'."],
  ])('exits 2 with one line for %p', async (args, message) => {
    const result = await cli('coverage', ...args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.err.split('\n')).toHaveLength(1);
  });

  it('exits 1 naming the file and line of a broken report, or an unreadable one', async () => {
    expect(await cli('coverage', file('broken.info'))).toEqual({
      code: 1,
      out: '',
      err: expect.stringMatching(
        /^ai-scrum coverage: .*broken\.info:2: ends inside the record for a\.js/,
      ),
    });
    const missing = await cli('coverage', file('missing.info'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/missing\.info: cannot read the report: ENOENT/);
  });
});
