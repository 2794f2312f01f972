/** The report formats we read; `detectFormat` tells them apart by their first bytes. */
export type CoverageFormat =
  'lcov' | 'cobertura' | 'clover' | 'istanbul-summary' | 'istanbul-final' | 'jacoco' | 'go';

export const COVERAGE_FORMATS: readonly CoverageFormat[] = [
  'lcov',
  'cobertura',
  'clover',
  'istanbul-summary',
  'istanbul-final',
  'jacoco',
  'go',
];

export interface BranchCount {
  covered: number;
  total: number;
}

export interface FileCoverage {
  /** Normalised repository-relative path, forward slashes (absolute when outside the root). */
  path: string;
  /** Executable line -> hit count; a line that is absent is not executable. */
  lines: Map<number, number>;
  branches?: BranchCount;
  /**
   * Branches per line, where the format places them on lines. Merging takes the larger count per
   * line, since most formats give counts without saying which branch was taken.
   */
  lineBranches?: Map<number, BranchCount>;
  /**
   * Line totals without line numbers: istanbul's json-summary has only these. `lines` is then empty,
   * and patch coverage cannot use the file.
   */
  lineSummary?: BranchCount;
}

export interface CoverageReport {
  format: CoverageFormat | 'merged';
  files: Map<string, FileCoverage>;
  /** Totals the report itself states, when it has them (for cross-checks). */
  stated?: { lines?: BranchCount; branches?: BranchCount };
}

export interface Totals {
  lines: { covered: number; total: number; percent: number | null };
  branches?: { covered: number; total: number; percent: number | null };
}

export interface PatchFileCoverage {
  path: string;
  covered: number;
  total: number;
  /** Changed executable lines that no test ran, ascending. */
  uncovered: number[];
}

export interface PatchCoverage {
  covered: number;
  total: number;
  percent: number | null;
  files: PatchFileCoverage[];
}

export interface ParseOptions {
  /** Skips detection; detection reads the first few kilobytes otherwise. */
  format?: CoverageFormat;
  /** The repository's root: absolute paths under it become repository-relative. */
  root?: string;
  /**
   * Whether a repository-relative path exists. Cobertura with several `<source>` roots names each
   * file relative to one of them; this picks the right one. Without it, the first root wins.
   */
  fileExists?: (repoPath: string) => boolean;
  /** Go's module path (`module` in go.mod): profiles name files by import path. */
  goModule?: string;
}
