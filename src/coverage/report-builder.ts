import { LineBranches } from './line-branches.js';
import { LineHits } from './line-hits.js';
import type { BranchCount, CoverageFormat, CoverageReport, FileCoverage } from './types.js';

/** A file's coverage while a parser fills it in. */
export interface FileBuilder {
  readonly path: string;
  readonly lines: LineHits;
  lineBranches: LineBranches | undefined;
  /** Branch totals a format gives per file only (json-summary). */
  branches: BranchCount | undefined;
  lineSummary: BranchCount | undefined;
}

/** Collects files by normalised path; a file named twice in one report is combined. */
export class ReportBuilder {
  private readonly files = new Map<string, FileBuilder>();
  stated: CoverageReport['stated'];

  constructor(private readonly format: CoverageFormat) {}

  file(path: string): FileBuilder {
    let file = this.files.get(path);
    if (!file) {
      file = {
        path,
        lines: new LineHits(),
        lineBranches: undefined,
        branches: undefined,
        lineSummary: undefined,
      };
      this.files.set(path, file);
    }
    return file;
  }

  build(): CoverageReport {
    const files = new Map<string, FileCoverage>();
    for (const path of [...this.files.keys()].sort())
      files.set(path, finishFile(this.files.get(path)!));
    return this.stated
      ? { format: this.format, files, stated: this.stated }
      : { format: this.format, files };
  }
}

/**
 * Merges one block of branch counts (an lcov record, a Cobertura class) into a file's. Within a
 * block counts are exact; across blocks the larger count per line wins, since the formats do not
 * say which branch was taken.
 */
export function mergeLineBranches(file: FileBuilder, block: Map<number, BranchCount>): void {
  if (block.size === 0) return;
  if (!file.lineBranches && block instanceof LineBranches) {
    file.lineBranches = block; // the first block of a file: nothing to merge with
    return;
  }
  const target = (file.lineBranches ??= new LineBranches());
  for (const [line, count] of block) target.set(line, maxBranchCount(target.get(line), count));
}

export function maxBranchCount(a: BranchCount | undefined, b: BranchCount): BranchCount {
  if (!a) return { covered: b.covered, total: b.total };
  return { covered: Math.max(a.covered, b.covered), total: Math.max(a.total, b.total) };
}

function finishFile(file: FileBuilder): FileCoverage {
  file.lines.compact();
  const result: FileCoverage = { path: file.path, lines: file.lines };
  if (file.lineBranches && file.lineBranches.size > 0) {
    result.lineBranches = file.lineBranches;
    result.branches = file.lineBranches.sum();
  } else if (file.branches) result.branches = file.branches;
  if (file.lineSummary) result.lineSummary = file.lineSummary;
  return result;
}
