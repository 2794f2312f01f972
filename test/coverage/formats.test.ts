import { describe, expect, it } from '@jest/globals';
import {
  CoverageError,
  detectFormat,
  parseCoverageStream,
  parseCoverageText,
  totals,
} from '../../src/coverage/index.js';
import { plainReport } from './support.js';

/** Feeds text in chunks of `size` bytes, so that every boundary falls inside something. */
async function* inChunks(text: string, size: number) {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CoverageError);
  return error as Error;
}

const FINAL = JSON.stringify({
  '/repo/src/é.js': {
    path: '/repo/src/é.js',
    statementMap: {
      0: { start: { line: 1, column: 0 }, end: { line: 1, column: 9 } },
      1: { start: { line: 1, column: 10 }, end: { line: 1, column: 20 } },
      2: { start: { line: 3, column: 2 }, end: { line: 4, column: 1 } },
    },
    fnMap: {},
    branchMap: {
      0: { line: 3, type: 'if', loc: { start: { line: 3, column: 2 } }, locations: [{}, {}] },
      1: { type: 'cond-expr', loc: { start: { line: 5, column: 0 } }, locations: [{}, {}] },
    },
    s: { 0: 0, 1: 4, 2: 0 },
    f: {},
    b: { 0: [0, 2], 1: [1, 1] },
    inputSourceMap: { sourcesContent: ['a "quoted" } brace { in a string \\ backslash'] },
  },
});

describe('istanbul coverage-final.json', () => {
  it('counts lines as getLineCoverage does, whatever the chunk boundaries', async () => {
    for (const size of [1, 7, 1 << 20]) {
      const report = await parseCoverageStream(inChunks(FINAL, size), {
        name: 'coverage-final.json',
        root: '/repo',
      });
      expect(plainReport(report).files['src/é.js']).toEqual({
        path: 'src/é.js',
        lines: { 1: 4, 3: 0 },
        branches: { covered: 3, total: 4 },
        lineBranches: { 3: { covered: 1, total: 2 }, 5: { covered: 2, total: 2 } },
        lineSummary: undefined,
      });
    }
  });

  it('names the byte where a truncated or corrupt report breaks', async () => {
    const cut = FINAL.slice(0, 200);
    expect(
      (await failure(parseCoverageText(cut, { name: 'f.json', format: 'istanbul-final' }))).message,
    ).toBe(
      `f.json at byte ${Buffer.byteLength(cut)}: the report ends inside the entry for "/repo/src/é.js": it looks truncated`,
    );
    const corrupt = '{"a.js": {"s": {"0": 1}, "statementMap": {"0": {"start": {"line": 1}}}}, 7}';
    expect(
      (await failure(parseCoverageText(corrupt, { name: 'f.json', format: 'istanbul-final' })))
        .message,
    ).toBe(`f.json at byte ${corrupt.lastIndexOf('7')}: expected the name of an entry`);
    const badCount = '{"a.js": {"s": {"0": "x"}, "statementMap": {"0": {"start": {"line": 1}}}}}';
    expect(
      (await failure(parseCoverageText(badCount, { name: 'f.json', format: 'istanbul-final' })))
        .message,
    ).toMatch(/^f\.json at byte 8: the entry for "a\.js" has a hit count that is not one/);
  });

  it('reads an empty object or file as no files', async () => {
    for (const text of ['{}', ''])
      expect((await parseCoverageText(text, { name: 'coverage-final.json' })).files.size).toBe(0);
  });
});

describe('istanbul json-summary', () => {
  it('keeps per-file totals without line numbers, and the total as stated', async () => {
    const text = `{"total": {"lines":{"total":4,"covered":3,"skipped":0,"pct":75},"branches":{"total":2,"covered":1,"skipped":0,"pct":50}}
,"/repo/a.js": {"lines":{"total":4,"covered":3,"skipped":0,"pct":75},"branches":{"total":2,"covered":1,"skipped":0,"pct":50}}
}`;
    const report = await parseCoverageText(text, { name: 'coverage-summary.json', root: '/repo' });
    expect(report.format).toBe('istanbul-summary');
    expect(report.files.get('a.js')).toMatchObject({
      lineSummary: { covered: 3, total: 4 },
      branches: { covered: 1, total: 2 },
    });
    expect(totals(report)).toEqual({
      lines: { covered: 3, total: 4, percent: 75 },
      branches: { covered: 1, total: 2, percent: 50 },
    });
    expect(report.stated).toEqual({
      lines: { covered: 3, total: 4 },
      branches: { covered: 1, total: 2 },
    });
  });
});

describe('Clover', () => {
  it("reads OpenClover's flavour: cond counts are true and false evaluations, one branch each", async () => {
    const xml = `<?xml version="1.0"?>
<coverage generated="1" clover="4.4.1"><project timestamp="1">
  <metrics statements="3" coveredstatements="2" conditionals="2" coveredconditionals="1"/>
  <package name="com.acme"><file name="A.java" path="/repo/src/A.java">
    <line num="3" signature="f()" type="method" count="2"/>
    <line num="4" type="stmt" count="2"/>
    <line num="4" type="stmt" count="5"/>
    <line num="5" type="cond" truecount="2" falsecount="0"/>
    <line num="6" type="stmt" count="0"/>
  </file></package>
</project></coverage>`;
    const report = await parseCoverageText(xml, { name: 'clover.xml', root: '/repo' });
    expect(report.format).toBe('clover');
    expect(plainReport(report).files['src/A.java']).toEqual({
      path: 'src/A.java',
      lines: { 3: 2, 4: 5, 5: 2, 6: 0 },
      branches: { covered: 1, total: 2 },
      lineBranches: { 5: { covered: 1, total: 2 } },
      lineSummary: undefined,
    });
    expect(report.stated).toBeUndefined(); // OpenClover's statements are not lines
  });
});

describe('JaCoCo', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="shapes"><sessioninfo id="s" start="1" dump="2"/><package name="com/acme"><class name="com/acme/Shapes" sourcefilename="Shapes.java"><method name="area" desc="(I)I" line="3"><counter type="LINE" missed="0" covered="1"/></method></class><sourcefile name="Shapes.java"><line nr="3" mi="0" ci="3" mb="0" cb="0"/><line nr="4" mi="2" ci="2" mb="1" cb="1"/><line nr="5" mi="4" ci="0" mb="0" cb="0"/><counter type="LINE" missed="1" covered="2"/></sourcefile><counter type="LINE" missed="1" covered="2"/></package><counter type="INSTRUCTION" missed="6" covered="5"/><counter type="BRANCH" missed="1" covered="1"/><counter type="LINE" missed="1" covered="2"/></report>`;

  it('reads lines with instructions, covered when one ran, and branches per line', async () => {
    const report = await parseCoverageText(xml, { name: 'jacoco.xml' });
    expect(plainReport(report)).toEqual({
      format: 'jacoco',
      stated: { lines: { covered: 2, total: 3 }, branches: { covered: 1, total: 2 } },
      files: {
        'com/acme/Shapes.java': {
          path: 'com/acme/Shapes.java',
          lines: { 3: 1, 4: 1, 5: 0 },
          branches: { covered: 1, total: 2 },
          lineBranches: { 4: { covered: 1, total: 2 } },
          lineSummary: undefined,
        },
      },
    });
  });
});

describe('Go cover profiles', () => {
  it('merges blocks at one position as go tool cover does', async () => {
    const text = 'mode: count\nm/a.go:1.1,2.2 1 3\nm/a.go:1.1,2.2 1 4\nm/a.go:3.1,3.9 0 0\n';
    const report = await parseCoverageText(text, { name: 'c.out', goModule: 'm' });
    expect(Object.fromEntries(report.files.get('a.go')!.lines)).toEqual({ 1: 7, 2: 7 });
    const set = await parseCoverageText(text.replace('count', 'set'), {
      name: 'c.out',
      goModule: 'm',
    });
    expect(Object.fromEntries(set.files.get('a.go')!.lines)).toEqual({ 1: 4, 2: 4 });
  });

  it.each([
    [
      'no mode line',
      'm/a.go:1.1,2.2 1 3\n',
      "c.out:1: a Go cover profile starts with 'mode: set|count|atomic'",
    ],
    [
      'a truncated block',
      'mode: set\nm/a.go:1.1,2.2 1',
      "c.out:2: not a Go cover block: 'm/a.go:1.1,2.2 1'",
    ],
    [
      'inconsistent blocks',
      'mode: set\na.go:1.1,2.2 1 1\na.go:1.1,2.2 2 1\n',
      'c.out:3: block a.go:1.1,2.2 has 2 statements here and 1 before',
    ],
  ])('names the line of %s', async (_, text, message) => {
    expect(
      (await failure(parseCoverageText(text, { name: 'c.out', format: 'go' }))).message,
    ).toContain(message);
  });
});

describe('detection', () => {
  it.each([
    ['TN:\nSF:a.js\n', undefined, 'lcov'],
    ['\uFEFFSF:a.js\n', undefined, 'lcov'],
    ['mode: atomic\n', undefined, 'go'],
    ['<?xml version="1.0"?>\n<coverage line-rate="1" lines-valid="0">', undefined, 'cobertura'],
    [
      '<?xml version="1.0"?>\n<!-- a comment --><coverage generated="1" clover="3.2.0">',
      undefined,
      'clover',
    ],
    [
      '<?xml version="1.0"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="x">',
      undefined,
      'jacoco',
    ],
    ['{"total": {"lines":{"total":0}}}', undefined, 'istanbul-summary'],
    ['{"/a.js": {"path":"/a.js","statementMap":{}}}', undefined, 'istanbul-final'],
    ['{}', 'out/coverage-final.json', 'istanbul-final'],
    ['', 'C:\\ci\\lcov.info', 'lcov'],
    ['hello', 'notes.txt', undefined],
  ])('%p (%p) is %p', (head, name, format) => {
    expect(detectFormat(head, name)).toBe(format);
  });

  it('refuses what it cannot tell, naming the file', async () => {
    expect((await failure(parseCoverageText('hello', { name: 'notes.txt' }))).message).toMatch(
      /^notes\.txt: not a coverage report this reads \(lcov, cobertura/,
    );
  });
});
