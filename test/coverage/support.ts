import type { CoverageReport, FileCoverage } from '../../src/coverage/index.js';

/** A file's coverage as plain objects, so that `toEqual` compares it whatever Map holds it. */
export function plainFile(file: FileCoverage) {
  return {
    path: file.path,
    lines: Object.fromEntries(file.lines),
    branches: file.branches,
    lineBranches: file.lineBranches && Object.fromEntries(file.lineBranches),
    lineSummary: file.lineSummary,
  };
}

export function plainReport(report: CoverageReport) {
  return {
    format: report.format,
    stated: report.stated,
    files: Object.fromEntries([...report.files].map(([path, file]) => [path, plainFile(file)])),
  };
}
