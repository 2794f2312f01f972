import { describe, expect, it } from '@jest/globals';
import {
  CoverageError,
  parseCoverageStream,
  parseCoverageText,
  totals,
} from '../../src/coverage/index.js';
import { plainReport } from './support.js';

const parse = (text: string) => parseCoverageText(text, { name: 'lcov.info', root: '/repo' });

/** Feeds text in chunks of `size` bytes, so that every boundary falls inside something. */
async function* inChunks(text: string, size: number) {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const parseInChunks = (text: string, size: number) =>
  parseCoverageStream(inChunks(text, size), { name: 'lcov.info', root: '/repo', format: 'lcov' });

describe('lcov', () => {
  it('reads lines, branches and the totals each record states', async () => {
    const report = await parse(
      [
        'TN:',
        'SF:/repo/src/a.js',
        'FN:1,f',
        'FNDA:2,f',
        'DA:1,2',
        'DA:2,0',
        'DA:3,4,Zm9v',
        'BRDA:3,0,0,1',
        'BRDA:3,0,1,-',
        'BRDA:5,e0,(a, b) == true,0',
        'BRF:3',
        'BRH:1',
        'LF:3',
        'LH:2',
        'end_of_record',
        'SF:src\\b.js',
        'DA:7,1',
        'LF:1',
        'LH:1',
        'end_of_record',
      ].join('\r\n'),
    );
    expect(plainReport(report)).toEqual({
      format: 'lcov',
      stated: { lines: { covered: 3, total: 4 }, branches: { covered: 1, total: 3 } },
      files: {
        'src/a.js': {
          path: 'src/a.js',
          lines: { 1: 2, 2: 0, 3: 4 },
          branches: { covered: 1, total: 3 },
          lineBranches: { 3: { covered: 1, total: 2 }, 5: { covered: 0, total: 1 } },
          lineSummary: undefined,
        },
        'src/b.js': {
          path: 'src/b.js',
          lines: { 7: 1 },
          branches: undefined,
          lineBranches: undefined,
          lineSummary: undefined,
        },
      },
    });
    expect(totals(report)).toEqual({
      lines: { covered: 3, total: 4, percent: 75 },
      branches: { covered: 1, total: 3, percent: 100 / 3 },
    });
  });

  it('adds the hits of a file named in several records, as lcov merges test names', async () => {
    const report = await parse(
      'TN:one\nSF:a.js\nDA:1,1\nDA:2,0\nend_of_record\nTN:two\nSF:./a.js\nDA:2,3\nDA:4,0\nend_of_record\n',
    );
    expect(Object.fromEntries(report.files.get('a.js')!.lines)).toEqual({ 1: 1, 2: 3, 4: 0 });
    expect(report.stated).toBeUndefined();
  });

  it('reads an empty report as no files', async () => {
    expect((await parse('')).files.size).toBe(0);
    expect((await parseCoverageText('', { name: 'lcov.info', format: 'lcov' })).files.size).toBe(0);
  });

  it.each([
    ['a truncated record', 'SF:a.js\nDA:1,1\n', 'lcov.info:2: ends inside the record for a.js'],
    ['a line cut in the middle', 'SF:a.js\nDA:1', "lcov.info:2: DA needs <line>,<hits>: 'DA:1'"],
    [
      'a record inside a record',
      'SF:a.js\nSF:b.js\n',
      'lcov.info:2: SF: inside the record for a.js',
    ],
    [
      'hits that are not a number',
      'SF:a.js\nDA:1,x\n',
      'lcov.info:2: DA needs a whole number of hits',
    ],
    ['binary garbage', 'SF:a.js\n\u0000\u0001\u0002\n', "lcov.info:2: not an lcov line: '\u0000"],
    ['data before any record', 'TN:\nDA:1,1\n', 'lcov.info:2: DA outside a record'],
    ['a bad branch', 'SF:a.js\nBRDA:1,0,0,x\n', "lcov.info:2: BRDA taken must be a number or '-'"],
  ])('names the file and line of %s', async (_, text, message) => {
    const error = await parseCoverageText(text, { name: 'lcov.info', format: 'lcov' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CoverageError);
    expect((error as Error).message).toContain(message);
  });

  it('reads the same report whatever the chunk boundaries, line endings and last newline', async () => {
    const lines = [
      'TN:',
      'SF:/repo/src/é.js',
      'FN:1,f',
      'FNDA:2,f',
      'FNF:1',
      'FNH:1',
      'DA:1,2',
      'DA:12,0',
      'DA:3,40,Zm9v',
      'DA:1,5',
      '',
      'BRDA:3,0,0,17',
      'BRDA:3,0,1,-',
      'BRDA:12,e0,(a, b) == true,0',
      'BRF:3',
      'BRH:1',
      'LF:3',
      'LH:2',
      'end_of_record',
      'SF:/repo/src/é.js',
      'DA:2000000000,3',
      'DA:12,0',
      'BRDA:12,0,0,2',
      'end_of_record',
    ];
    const expected = {
      path: 'src/é.js',
      lines: { 1: 7, 3: 40, 12: 0, 2000000000: 3 },
      branches: { covered: 2, total: 3 },
      lineBranches: { 3: { covered: 1, total: 2 }, 12: { covered: 1, total: 1 } },
      lineSummary: undefined,
    };
    for (const newline of ['\n', '\r\n'])
      for (const last of ['', newline]) {
        const text = lines.join(newline) + last;
        for (const size of [1, 2, 3, 5, 8, 13, 64, 1 << 20]) {
          const report = await parseInChunks(text, size);
          expect(plainReport(report).files['src/é.js']).toEqual(expected);
          expect(totals(report).lines).toEqual({ covered: 3, total: 4, percent: 75 });
        }
      }
  });

  it('names the right line whatever the chunk boundaries', async () => {
    const text = 'TN:\r\nSF:a.js\r\nFN:1,f\r\nDA:1,1\r\n\r\nBRDA:1,0,0,1\r\nDA:2,1 \r\n';
    for (const size of [1, 4, 9, 1 << 20]) {
      const error = await parseInChunks(text, size).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CoverageError);
      expect((error as Error).message).toContain(
        "lcov.info:7: DA needs a whole number of hits: 'DA:2,1 '",
      );
    }
  });
});
