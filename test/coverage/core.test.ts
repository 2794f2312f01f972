import { describe, expect, it } from '@jest/globals';
import {
  LineHits,
  mergeReports,
  normalisePath,
  parseCoverageText,
  totals,
  type CoverageReport,
} from '../../src/coverage/index.js';
import { plainReport } from './support.js';

/** A small deterministic generator, so that the property tests are repeatable. */
function random(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function randomReport(next: () => number): Promise<CoverageReport> {
  const records: string[] = [];
  for (let f = 0; f < 1 + Math.floor(next() * 4); f++) {
    const lines = [`SF:${['a.js', './b.js', '/repo/c.js', 'd\\e.js'][Math.floor(next() * 4)]}`];
    for (let l = 1; l < 30; l++) if (next() < 0.4) lines.push(`DA:${l},${Math.floor(next() * 3)}`);
    for (let l = 1; l < 30; l += 7)
      if (next() < 0.5) lines.push(`BRDA:${l},0,0,${next() < 0.5 ? '-' : 1}`);
    records.push(lines.join('\n') + '\nend_of_record\n');
  }
  return parseCoverageText(records.join(''), { name: 'r.info', root: '/repo' });
}

describe('merging', () => {
  it('does not depend on the order of the reports (200 random triples)', async () => {
    const next = random(7);
    for (let round = 0; round < 200; round++) {
      const [a, b, c] = await Promise.all([
        randomReport(next),
        randomReport(next),
        randomReport(next),
      ]);
      const abc = plainReport(mergeReports([a, b, c]));
      expect(plainReport(mergeReports([c, a, b]))).toEqual(abc);
      expect(plainReport(mergeReports([b, c, a]))).toEqual(abc);
      expect(plainReport(mergeReports([mergeReports([a, b]), c]))).toEqual(abc);
    }
  });

  it('adds hits, keeps every executable line, and joins files by normalised path', async () => {
    const a = await parseCoverageText('SF:/repo/src/x.js\nDA:1,1\nDA:2,0\nend_of_record\n', {
      name: 'a',
      root: '/repo',
    });
    const b = await parseCoverageText(
      '<coverage><class filename="src\\x.js"><lines><line number="2" hits="3"/><line number="5" hits="0"/></lines></class></coverage>',
      { name: 'b' },
    );
    const merged = mergeReports([a, b]);
    expect(merged.format).toBe('merged');
    expect(Object.fromEntries(merged.files.get('src/x.js')!.lines)).toEqual({ 1: 1, 2: 3, 5: 0 });
    expect(totals(merged).lines).toEqual({ covered: 2, total: 3, percent: (100 * 2) / 3 });
  });

  it('has no percentage for nothing executable', () => {
    expect(totals(mergeReports([]))).toEqual({ lines: { covered: 0, total: 0, percent: null } });
  });
});

describe('path normalisation', () => {
  it.each([
    ['/repo/src/a.js', '/repo', 'src/a.js'],
    ['/repo/src/a.js', '/repo/', 'src/a.js'],
    ['./src/./lib/../a.js', undefined, 'src/a.js'],
    ['src\\lib\\a.js', undefined, 'src/lib/a.js'],
    ['C:\\work\\repo\\src\\a.js', 'c:/work/repo', 'src/a.js'],
    ['D:\\other\\a.js', 'C:\\work\\repo', 'D:/other/a.js'],
    ['/elsewhere/a.js', '/repo', '/elsewhere/a.js'],
    ['/repository/a.js', '/repo', '/repository/a.js'],
    ['file:///repo/src/a%20b.js', '/repo', 'src/a b.js'],
    ['//repo/a.js', '/repo', 'a.js'],
  ])('%p under %p is %p', (path, root, expected) => {
    expect(normalisePath(path, root)).toBe(expected);
  });

  it('is idempotent (random paths)', () => {
    const next = random(11);
    const parts = ['a', 'b', '.', '..', '', 'c.js', 'D:', '\\'];
    for (let round = 0; round < 500; round++) {
      const path = Array.from(
        { length: 1 + Math.floor(next() * 6) },
        () => parts[Math.floor(next() * parts.length)],
      ).join(next() < 0.5 ? '/' : '\\');
      const once = normalisePath(path, '/repo');
      expect(normalisePath(once, '/repo')).toBe(once);
      expect(once).not.toContain('\\');
    }
  });
});

describe('LineHits', () => {
  it('behaves as a Map, also for lines far beyond the others', () => {
    const hits = new LineHits([[3, 1]]);
    hits.set(2_000_000_000, 5);
    hits.add(3, 2);
    hits.set(10, 0);
    hits.set(5000, 1); // beyond the array, then inside it once it grows
    for (let line = 11; line < 3000; line++) hits.set(line, 1);
    hits.set(6000, 1);
    expect(hits.get(3)).toBe(3);
    expect(hits.get(5000)).toBe(1);
    expect(hits.get(4)).toBeUndefined();
    expect(hits.has(2_000_000_000)).toBe(true);
    expect(hits.size).toBe(2994);
    expect([...hits.keys()].slice(0, 3)).toEqual([3, 10, 11]);
    expect([...hits.keys()].slice(-3)).toEqual([5000, 6000, 2_000_000_000]);
    expect(hits.delete(3)).toBe(true);
    expect(hits.delete(3)).toBe(false);
    expect(hits.size).toBe(2993);
    expect(() => hits.set(1.5, 1)).toThrow(RangeError);
  });

  it('keeps exact counts, trims on compact and reads nothing at fractional lines', () => {
    const hits = new LineHits();
    hits.add(2, 2 ** 40);
    hits.add(2, 2 ** 40 + 1);
    hits.set(40, 0);
    expect(hits.get(2)).toBe(2 ** 41 + 1);
    expect(hits.get(2.5)).toBeUndefined();
    expect(hits.has(0.5)).toBe(false);
    expect(hits.delete(1.5)).toBe(false);
    expect(hits.delete(40)).toBe(true);
    hits.compact();
    expect([...hits]).toEqual([[2, 2 ** 41 + 1]]);
    hits.set(7, 3); // past the trimmed end: the room it grows into is not executable
    expect([...hits]).toEqual([
      [2, 2 ** 41 + 1],
      [7, 3],
    ]);
    expect(hits.coveredCount()).toBe(2);
    hits.clear();
    expect(hits.size).toBe(0);
    expect([...hits]).toEqual([]);
  });

  it('keeps the files of one lcov report apart though their lines share slabs', async () => {
    const records = [];
    for (let file = 0; file < 300; file++) {
      const lines = [`SF:f${file}.js`];
      for (let line = 1; line <= 300; line++)
        if ((line + file) % 3 !== 0) lines.push(`DA:${line},${file}`);
      records.push(lines.join('\n'), 'end_of_record');
    }
    records.push('SF:f7.js', 'DA:1,1', 'DA:301,2', 'end_of_record'); // a file's second record grows it
    const report = await parseCoverageText(records.join('\n'), { name: 'x', format: 'lcov' });
    for (let file = 0; file < 300; file++) {
      const lines = report.files.get(`f${file}.js`)!.lines;
      expect(lines.size).toBe(200 + (file === 7 ? 1 : 0));
      expect(lines.get(3 - (file % 3))).toBeUndefined();
      expect(lines.get(1 + ((file + 1) % 3 === 0 ? 1 : 0))).toBe(file + (file === 7 ? 1 : 0));
    }
    expect(report.files.get('f7.js')!.lines.get(301)).toBe(2);
    expect(totals(report).lines.total).toBe(300 * 200 + 1);
  });

  it('keeps a hostile line number from costing memory', async () => {
    const report = await parseCoverageText('SF:a.js\nDA:2000000000,1\nDA:1,1\nend_of_record\n', {
      name: 'x',
    });
    expect(Object.fromEntries(report.files.get('a.js')!.lines)).toEqual({ 1: 1, 2000000000: 1 });
  });
});
