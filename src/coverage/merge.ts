import { LineBranches } from './line-branches.js';
import { LineHits } from './line-hits.js';
import { maxBranchCount } from './report-builder.js';
import type { BranchCount, CoverageReport, FileCoverage } from './types.js';

/**
 * Several reports as one, file by file on the normalised path: hits add up, and a line listed as
 * executable in any report is executable. Branches per line take the larger count (the formats do
 * not say which branch ran), and so do branch totals given per file only. The result does not
 * depend on the order of the reports.
 */
export function mergeReports(reports: CoverageReport[]): CoverageReport {
  const byPath = new Map<string, FileCoverage[]>();
  for (const report of reports)
    for (const file of report.files.values()) {
      const same = byPath.get(file.path);
      if (same) same.push(file);
      else byPath.set(file.path, [file]);
    }
  const files = new Map<string, FileCoverage>();
  for (const path of [...byPath.keys()].sort())
    files.set(path, mergeFiles(path, byPath.get(path)!));
  return { format: 'merged', files };
}

function mergeFiles(path: string, copies: FileCoverage[]): FileCoverage {
  const lines = new LineHits();
  let lineBranches: LineBranches | undefined;
  let fileBranches: BranchCount | undefined;
  let lineSummary: BranchCount | undefined;
  for (const copy of copies) {
    for (const [line, hits] of copy.lines) lines.add(line, hits);
    if (copy.lineBranches) {
      lineBranches ??= new LineBranches();
      for (const [line, count] of copy.lineBranches)
        lineBranches.set(line, maxBranchCount(lineBranches.get(line), count));
    } else if (copy.branches) fileBranches = maxBranchCount(fileBranches, copy.branches);
    // Totals without line numbers cannot be combined with lines: the larger total stands for both.
    if (copy.lineSummary && (!lineSummary || isLarger(copy.lineSummary, lineSummary)))
      lineSummary = copy.lineSummary;
  }
  lines.compact();
  const merged: FileCoverage = { path, lines };
  if (lineBranches) {
    merged.lineBranches = lineBranches;
    merged.branches = lineBranches.sum();
  } else if (fileBranches) merged.branches = fileBranches;
  if (lineSummary && lines.size === 0) merged.lineSummary = lineSummary;
  return merged;
}

function isLarger(a: BranchCount, b: BranchCount): boolean {
  return a.total !== b.total ? a.total > b.total : a.covered > b.covered;
}
