/**
 * Parsers against reports that real tools write. Jest (istanbul's reporters) runs on every machine;
 * coverage.py and Go run when installed, and their committed samples are read everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  detectFormat,
  parseCoverageFile,
  totals,
  type CoverageFormat,
  type CoverageReport,
} from '../../src/coverage/index.js';
import { ROOT } from '../support/source.js';
import { plainReport } from './support.js';

const run = promisify(execFile);
const FIXTURES = join(ROOT, 'test/fixtures/coverage');

/** Whether a command runs and exits 0: the tool is installed. */
function answers(command: string[]): boolean {
  try {
    execFileSync(command[0]!, command.slice(1), { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Lines and branches only: what every format agrees on for the same run. */
function linesAndBranches(report: CoverageReport) {
  return Object.fromEntries(
    [...report.files].map(([path, file]) => [
      path,
      { lines: Object.fromEntries(file.lines), branches: file.branches },
    ]),
  );
}

describe('reports written by jest (istanbul reporters)', () => {
  let dir: string;
  const reports = {} as Record<CoverageFormat & string, CoverageReport>;
  const files: [CoverageFormat, string][] = [
    ['lcov', 'lcov.info'],
    ['cobertura', 'cobertura-coverage.xml'],
    ['clover', 'clover.xml'],
    ['istanbul-summary', 'coverage-summary.json'],
    ['istanbul-final', 'coverage-final.json'],
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ai-scrum-jest-sample-'));
    cpSync(join(FIXTURES, 'sample'), dir, { recursive: true });
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/jest/bin/jest.js'),
        '--config=jest.config.json',
        `--rootDir=${dir}`,
        '--coverage',
        '--coverageProvider=babel',
        `--coverageDirectory=${join(dir, 'out')}`,
        '--ci',
        '--no-watchman',
      ],
      { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    for (const [format, name] of files) {
      const file = join(dir, 'out', name);
      expect(detectFormat(readFileSync(file, 'utf8').slice(0, 16384), file)).toBe(format);
      reports[format] = await parseCoverageFile(file, { root: dir });
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(files)('%s: our totals are the ones the report states', (format) => {
    const report = reports[format]!;
    expect([...report.files.keys()]).toEqual(['src/format.js', 'src/shapes.js']);
    const ours = totals(report);
    const stated = report.stated!;
    if (format !== 'istanbul-final') {
      expect(stated.lines).toBeDefined();
      expect({ covered: ours.lines.covered, total: ours.lines.total }).toEqual(stated.lines);
      expect({ covered: ours.branches!.covered, total: ours.branches!.total }).toEqual(
        stated.branches,
      );
    }
  });

  it('gives the same lines and branches in every format that has line numbers', () => {
    const lcov = linesAndBranches(reports.lcov!);
    expect(lcov['src/shapes.js']!.lines).toMatchObject({ 4: 2, 5: 0, 6: 0, 8: 0, 17: 0, 18: 0 });
    for (const format of ['cobertura', 'clover', 'istanbul-final'] as const)
      expect(linesAndBranches(reports[format]!)).toEqual(lcov);
  });

  it('agrees with the per-file totals of json-summary', () => {
    const summary = reports['istanbul-summary']!;
    for (const [path, file] of reports.lcov!.files) {
      const covered = [...file.lines.values()].filter((hits) => hits > 0).length;
      expect(summary.files.get(path)!.lineSummary).toEqual({ covered, total: file.lines.size });
      expect(summary.files.get(path)!.branches).toEqual(file.branches);
    }
  });
});

describe('coverage.py Cobertura XML', () => {
  const sample = join(FIXTURES, 'coverage.py-6.5.0.xml');
  // coverage.py 6.5.0 wrote the sample in this folder (its <source>).
  const sampleRoot = '/tmp/ai-scrum-coverage-py';
  const tool = [['python3-coverage'], ['coverage'], ['python3', '-m', 'coverage']].find((command) =>
    answers([...command, '--version']),
  );

  it('reads the committed sample (coverage.py 6.5.0, --branch)', async () => {
    const report = await parseCoverageFile(sample, { root: sampleRoot });
    expect(plainReport(report).files['shapes/area.py']).toEqual({
      path: 'shapes/area.py',
      lines: {
        2: 1,
        5: 1,
        6: 1,
        7: 1,
        8: 0,
        9: 0,
        10: 0,
        13: 1,
        14: 1,
        15: 1,
        16: 1,
        17: 0,
        18: 1,
        21: 1,
        22: 0,
        23: 0,
      },
      branches: { covered: 4, total: 8 },
      lineBranches: {
        6: { covered: 1, total: 2 },
        8: { covered: 0, total: 2 },
        15: { covered: 2, total: 2 },
        16: { covered: 1, total: 2 },
      },
      lineSummary: undefined,
    });
    const ours = totals(report);
    expect({ covered: ours.lines.covered, total: ours.lines.total }).toEqual(report.stated!.lines);
    expect({ covered: ours.branches!.covered, total: ours.branches!.total }).toEqual(
      report.stated!.branches,
    );
  });

  (tool ? it : it.skip)(
    'reads what the installed coverage.py writes now, as the sample',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-coverage-py-'));
      try {
        cpSync(join(FIXTURES, 'python'), dir, { recursive: true });
        const [command, ...prefix] = tool!;
        await run(command!, [...prefix, 'run', '--branch', '--source=shapes', 'run.py'], {
          cwd: dir,
        });
        await run(command!, [...prefix, 'xml', '-o', 'coverage.xml'], { cwd: dir });
        const fresh = await parseCoverageFile(join(dir, 'coverage.xml'), { root: dir });
        const committed = await parseCoverageFile(sample, { root: sampleRoot });
        expect(linesAndBranches(fresh)).toEqual(linesAndBranches(committed));
        expect(fresh.stated).toEqual(committed.stated);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('Go cover profiles', () => {
  const sample = join(FIXTURES, 'go1.19.8-count.out');
  const tool = answers(['go', 'version']);
  // Every line a block with statements spans, hits of overlapping blocks added (line 7: 2 + 2).
  const expected = {
    6: 2,
    7: 4,
    8: 2,
    9: 2,
    10: 0,
    11: 0,
    14: 1,
    15: 1,
    16: 2,
    17: 1,
    18: 1,
    19: 1,
    22: 0,
    23: 0,
    24: 0,
    25: 0,
    26: 0,
    27: 0,
  };

  it('reads the committed sample (go 1.19.8, -covermode=count) with the module path taken off', async () => {
    const report = await parseCoverageFile(sample, { goModule: 'example.com/shapes' });
    expect(plainReport(report)).toEqual({
      format: 'go',
      stated: undefined,
      files: {
        'shapes.go': {
          path: 'shapes.go',
          lines: expected,
          branches: undefined,
          lineBranches: undefined,
          lineSummary: undefined,
        },
      },
    });
  });

  (tool ? it : it.skip)('reads what the installed go writes now, as the sample', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-coverage-go-'));
    try {
      cpSync(join(FIXTURES, 'go'), dir, { recursive: true });
      await run('go', ['test', '-covermode=count', '-coverprofile=cover.out', './...'], {
        cwd: dir,
        env: {
          ...process.env,
          GOFLAGS: '-mod=mod',
          GOCACHE: join(tmpdir(), 'ai-scrum-go-cache'),
          GOTOOLCHAIN: 'local',
        },
      });
      // The module path comes from go.mod under the root.
      const fresh = await parseCoverageFile(join(dir, 'cover.out'), { root: dir });
      expect(Object.fromEntries(fresh.files.get('shapes.go')!.lines)).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
