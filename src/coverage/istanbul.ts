import { CoverageError } from './errors.js';
import type { ParseContext, ReportInput } from './input.js';
import { forEachJsonEntry } from './json-entries.js';
import { LineBranches } from './line-branches.js';
import { normalisePath } from './paths.js';
import { ReportBuilder } from './report-builder.js';
import type { BranchCount, CoverageReport } from './types.js';

interface Location {
  start?: { line?: unknown };
}

interface IstanbulFileCoverage {
  path?: unknown;
  statementMap?: Record<string, Location>;
  s?: Record<string, unknown>;
  branchMap?: Record<string, { line?: unknown; loc?: Location }>;
  b?: Record<string, unknown>;
  /** Line hits, as istanbul 0.x wrote them beside the statements. */
  l?: Record<string, unknown>;
}

/**
 * istanbul's `coverage-final.json` (the `json` reporter): one entry per file with `statementMap`
 * and `s` (statement hits), `branchMap` and `b`. Lines follow istanbul-lib-coverage's
 * `getLineCoverage`: each statement counts on the line it starts on, and a line keeps the largest
 * hit count of its statements. Branches follow `getBranchCoverageByLine`: each branch sits on its
 * `line` (or the start line of its `loc`), covered when its count is above 0.
 */
export async function parseIstanbulFinal(
  input: ReportInput,
  context: ParseContext,
): Promise<CoverageReport> {
  const report = new ReportBuilder('istanbul-final');
  await forEachJsonEntry(input, context, (key, value, offset) => {
    const fail = (reason: string): never => {
      throw new CoverageError(context.name, { byte: offset }, `the entry for "${key}" ${reason}`);
    };
    if (typeof value !== 'object' || value === null) return fail('is not an object');
    const data = value as IstanbulFileCoverage;
    const file = report.file(
      normalisePath(typeof data.path === 'string' ? data.path : key, context.root),
    );
    if (data.statementMap && data.s) {
      for (const [id, hits] of Object.entries(data.s)) {
        const line = data.statementMap[id]?.start?.line;
        if (line === undefined) continue; // istanbul skips a count without a statement too
        file.lines.max(lineNumber(line, fail), count(hits, fail));
      }
    } else if (data.l) {
      for (const [line, hits] of Object.entries(data.l))
        file.lines.max(lineNumber(Number(line), fail), count(hits, fail));
    } else fail('has neither statementMap and s nor l');
    if (data.branchMap && data.b) {
      const byLine = new LineBranches();
      for (const [id, branch] of Object.entries(data.branchMap)) {
        const hits = data.b[id];
        if (!Array.isArray(hits)) continue;
        const line = lineNumber(branch.line || branch.loc?.start?.line, fail);
        for (const taken of hits) byLine.add(line, count(taken, fail) > 0 ? 1 : 0, 1);
      }
      if (byLine.size > 0) file.lineBranches = byLine;
    }
  });
  return report.build();
}

/**
 * istanbul's `coverage-summary.json` (the `json-summary` reporter): totals per file and a `total`
 * entry, without line numbers. Files get `lineSummary` and `branches`; `total` is the stated total.
 */
export async function parseIstanbulSummary(
  input: ReportInput,
  context: ParseContext,
): Promise<CoverageReport> {
  const report = new ReportBuilder('istanbul-summary');
  await forEachJsonEntry(input, context, (key, value, offset) => {
    const fail = (reason: string): never => {
      throw new CoverageError(context.name, { byte: offset }, `the entry for "${key}" ${reason}`);
    };
    const entry = value as { lines?: unknown; branches?: unknown } | null;
    const lines = metric(entry?.lines, 'lines', fail);
    const branches =
      entry?.branches === undefined ? undefined : metric(entry.branches, 'branches', fail);
    if (key === 'total') {
      report.stated = { lines, ...(branches && { branches }) };
      return;
    }
    const file = report.file(normalisePath(key, context.root));
    file.lineSummary = lines;
    if (branches) file.branches = branches;
  });
  return report.build();
}

function metric(value: unknown, name: string, fail: (reason: string) => never): BranchCount {
  const { covered, total } = (value ?? {}) as { covered?: unknown; total?: unknown };
  if (typeof covered !== 'number' || typeof total !== 'number' || covered < 0 || covered > total)
    return fail(`has no valid ${name} {covered, total}`);
  return { covered, total };
}

function lineNumber(line: unknown, fail: (reason: string) => never): number {
  return typeof line === 'number' && Number.isSafeInteger(line) && line >= 0
    ? line
    : fail(`has a location without a line number (${JSON.stringify(line)})`);
}

function count(hits: unknown, fail: (reason: string) => never): number {
  return typeof hits === 'number' && hits >= 0
    ? hits
    : fail(`has a hit count that is not one: ${JSON.stringify(hits)}`);
}
