/**
 * Coverage reports as plain data: streaming parsers for lcov, Cobertura, Clover, istanbul, JaCoCo
 * and Go profiles, merging, totals and patch coverage. The merge gate and the worker read reports
 * through this module only. Counting rules and their sources: docs/coverage.md.
 */
export type {
  BranchCount,
  CoverageFormat,
  CoverageReport,
  FileCoverage,
  ParseOptions,
  PatchCoverage,
  PatchFileCoverage,
  Totals,
} from './types.js';
export { COVERAGE_FORMATS } from './types.js';
export { CoverageError, type ReportPosition } from './errors.js';
export { detectFormat } from './detect.js';
export { changedLines } from './diff.js';
export { LineHits } from './line-hits.js';
export { mergeReports } from './merge.js';
export {
  isCoverageFormat,
  parseCoverageFile,
  parseCoverageStream,
  parseCoverageText,
} from './parse.js';
export { normalisePath } from './paths.js';
export { patchCoverage, totals } from './summary.js';
