import { readFileSync } from 'node:fs';
import {
  changedLines,
  COVERAGE_FORMATS,
  CoverageError,
  isCoverageFormat,
  mergeReports,
  parseCoverageFile,
  patchCoverage,
  totals,
  type CoverageReport,
  type PatchCoverage,
  type Totals,
} from '../coverage/index.js';
import { errorMessage } from '../errors.js';
import { describeArgsProblem, parseCommandLine, usageError } from './args.js';
import type { CliIo } from './main.js';
import { COVERAGE_OPTIONS } from './usage.js';

/** `ai-scrum coverage`: totals of one or more reports, and patch coverage for a diff. */
export async function runCoverageCommand(args: readonly string[], io: CliIo): Promise<number> {
  // `--json` takes no value; the shared parser reads only options that do.
  const end = args.indexOf('--');
  const options = end === -1 ? args : args.slice(0, end);
  const json = options.includes('--json');
  const rest = [
    ...options.filter((arg) => arg !== '--json'),
    ...(end === -1 ? [] : args.slice(end)),
  ];
  const parsed = parseCommandLine(rest, { options: COVERAGE_OPTIONS, positionals: Infinity });
  if ('problem' in parsed) {
    io.err(usageError('coverage', describeArgsProblem(parsed.problem)));
    return 2;
  }
  const { format, diff, root } = parsed.values;
  if (parsed.positionals.length === 0) {
    io.err(usageError('coverage', 'name at least one report FILE'));
    return 2;
  }
  if (format !== undefined && !isCoverageFormat(format)) {
    io.err(
      usageError(
        'coverage',
        `--format must be one of ${COVERAGE_FORMATS.join(', ')}, not '${format}'`,
      ),
    );
    return 2;
  }
  let diffText: string | undefined;
  if (diff !== undefined) {
    try {
      diffText = readFileSync(diff, 'utf8');
    } catch (error) {
      io.err(`ai-scrum coverage: cannot read the diff ${diff}: ${errorMessage(error)}`);
      return 1;
    }
  }
  const reports: CoverageReport[] = [];
  for (const file of parsed.positionals) {
    try {
      reports.push(await parseCoverageFile(file, { format, root }));
    } catch (error) {
      if (!(error instanceof CoverageError)) throw error;
      io.err(`ai-scrum coverage: ${error.message}`);
      return 1;
    }
  }
  const report = reports.length === 1 ? reports[0]! : mergeReports(reports);
  const summary = totals(report);
  const patch = diffText === undefined ? undefined : patchCoverage(report, changedLines(diffText));
  if (json)
    io.out(
      JSON.stringify(
        { format: report.format, files: report.files.size, ...summary, ...(patch && { patch }) },
        null,
        2,
      ),
    );
  else for (const line of describeCoverage(report, summary, patch)) io.out(line);
  return 0;
}

function describeCoverage(
  report: CoverageReport,
  summary: Totals,
  patch?: PatchCoverage,
): string[] {
  const lines = [
    `${report.format}: ${report.files.size} ${report.files.size === 1 ? 'file' : 'files'}`,
    `lines     ${share(summary.lines)}`,
  ];
  if (summary.branches) lines.push(`branches  ${share(summary.branches)}`);
  if (patch) {
    lines.push(`patch     ${share(patch)} of the changed executable lines`);
    for (const file of patch.files)
      lines.push(
        `  ${file.path}  ${file.covered}/${file.total}` +
          (file.uncovered.length ? `  not covered: ${ranges(file.uncovered)}` : ''),
      );
  }
  return lines;
}

function share(count: { covered: number; total: number; percent: number | null }): string {
  const percent = count.percent === null ? 'n/a' : `${count.percent.toFixed(2)}%`;
  return `${percent} (${count.covered}/${count.total})`;
}

/** 3, 4, 5, 9 as "3-5, 9". */
function ranges(lines: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = lines[i]!;
    while (lines[i + 1] === lines[i]! + 1) i++;
    parts.push(lines[i] === start ? `${start}` : `${start}-${lines[i]}`);
  }
  return parts.join(', ');
}
