import type {
  BranchCount,
  CoverageReport,
  PatchCoverage,
  PatchFileCoverage,
  Totals,
} from './types.js';
import { LineHits } from './line-hits.js';
import { normalisePath } from './paths.js';

/** Line and branch totals over every file. Percentages are null when nothing is executable. */
export function totals(report: CoverageReport): Totals {
  let linesCovered = 0;
  let linesTotal = 0;
  let branches: BranchCount | undefined;
  for (const file of report.files.values()) {
    if (file.lines.size === 0 && file.lineSummary) {
      linesCovered += file.lineSummary.covered;
      linesTotal += file.lineSummary.total;
    } else if (file.lines instanceof LineHits) {
      linesCovered += file.lines.coveredCount();
      linesTotal += file.lines.size;
    } else {
      for (const hits of file.lines.values()) if (hits > 0) linesCovered++;
      linesTotal += file.lines.size;
    }
    if (file.branches) {
      branches ??= { covered: 0, total: 0 };
      branches.covered += file.branches.covered;
      branches.total += file.branches.total;
    }
  }
  const result: Totals = { lines: withPercent({ covered: linesCovered, total: linesTotal }) };
  if (branches) result.branches = withPercent(branches);
  return result;
}

/**
 * The share of changed executable lines that tests ran. A changed line the report does not list
 * is not executable (a comment, a blank line, a file the tests do not measure) and does not count.
 */
export function patchCoverage(
  report: CoverageReport,
  changed: Map<string, Set<number>>,
): PatchCoverage {
  const files: PatchFileCoverage[] = [];
  let covered = 0;
  let total = 0;
  for (const [path, lines] of changed) {
    const file = report.files.get(normalisePath(path));
    if (!file) continue;
    const entry: PatchFileCoverage = { path: file.path, covered: 0, total: 0, uncovered: [] };
    for (const line of [...lines].sort((a, b) => a - b)) {
      const hits = file.lines.get(line);
      if (hits === undefined) continue;
      entry.total++;
      if (hits > 0) entry.covered++;
      else entry.uncovered.push(line);
    }
    if (entry.total === 0) continue;
    files.push(entry);
    covered += entry.covered;
    total += entry.total;
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ...withPercent({ covered, total }), files };
}

function withPercent(count: BranchCount): BranchCount & { percent: number | null } {
  return { ...count, percent: count.total === 0 ? null : (100 * count.covered) / count.total };
}
