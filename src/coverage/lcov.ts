import { CoverageError } from './errors.js';
import { forEachLine, type ParseContext, type ReportInput } from './input.js';
import { normalisePath } from './paths.js';
import { mergeLineBranches, ReportBuilder, type FileBuilder } from './report-builder.js';
import type { BranchCount, CoverageReport } from './types.js';

/**
 * lcov tracefiles (geninfo(1), genhtml(1)): one record per source file from `SF:` to
 * `end_of_record`. `DA:<line>,<hits>[,<checksum>]` makes a line executable; repeated `DA` for one
 * line add up, as lcov's own merge does. `BRDA:<line>,<block>,<branch>,<taken>` is one branch,
 * covered when `taken` is a number above 0 (`-` means its block never ran). `LF`/`LH` and
 * `BRF`/`BRH` are the totals the writer states; other keys (`TN`, `FN`, `FNDA`...) are skipped.
 */
export async function parseLcov(
  input: ReportInput,
  context: ParseContext,
): Promise<CoverageReport> {
  const report = new ReportBuilder('lcov');
  let file: FileBuilder | undefined;
  let recordStart = 0;
  let recordBranches = new Map<number, BranchCount>();
  let records = 0;
  const stated = { lf: 0, lh: 0, brf: 0, brh: 0, withLines: 0, withBranches: 0 };
  let lf = -1;
  let lh = -1;
  let sawBranchTotal = false;

  const fail = (lineNumber: number, reason: string): never => {
    throw new CoverageError(context.name, { line: lineNumber }, reason);
  };
  const inRecord = (lineNumber: number, key: string): FileBuilder =>
    file ?? fail(lineNumber, `${key} outside a record: no SF: line before it`);

  const { lines } = await forEachLine(input, (text, start, end, lineNumber) => {
    if (start === end) return;
    const c0 = text.charCodeAt(start);
    if (c0 === 68 /* D */ && text.startsWith('DA:', start)) {
      const target = inRecord(lineNumber, 'DA');
      const line = readCount(text, start + 3, end);
      if (line < 0 || text.charCodeAt(cursor) !== 44 /* , */)
        fail(lineNumber, `DA needs <line>,<hits>: '${text.slice(start, end)}'`);
      const hits = readCount(text, cursor + 1, end);
      if (hits < 0 || (cursor !== end && text.charCodeAt(cursor) !== 44))
        fail(lineNumber, `DA needs a whole number of hits: '${text.slice(start, end)}'`);
      target.lines.add(line, hits);
      return;
    }
    if (c0 === 66 /* B */ && text.startsWith('BRDA:', start)) {
      inRecord(lineNumber, 'BRDA');
      const line = readCount(text, start + 5, end);
      const lastComma = text.lastIndexOf(',', end - 1);
      if (line < 0 || text.charCodeAt(cursor) !== 44 || lastComma <= cursor)
        fail(lineNumber, `BRDA needs <line>,<block>,<branch>,<taken>: '${text.slice(start, end)}'`);
      const takenText = text.slice(lastComma + 1, end);
      const taken = takenText === '-' ? 0 : readCount(text, lastComma + 1, end);
      if (taken < 0 || (takenText !== '-' && cursor !== end))
        fail(lineNumber, `BRDA taken must be a number or '-': '${takenText}'`);
      const count = recordBranches.get(line);
      if (count) {
        count.total++;
        if (taken > 0) count.covered++;
      } else recordBranches.set(line, { covered: taken > 0 ? 1 : 0, total: 1 });
      return;
    }
    if (c0 === 83 /* S */ && text.startsWith('SF:', start)) {
      if (file)
        fail(
          lineNumber,
          `SF: inside the record for ${file.path} (started on line ${recordStart}): end_of_record is missing`,
        );
      const path = text.slice(start + 3, end).trim();
      if (path === '') fail(lineNumber, 'SF: names no file');
      file = report.file(normalisePath(path, context.root));
      recordStart = lineNumber;
      return;
    }
    if (c0 === 101 /* e */ && text.startsWith('end_of_record', start) && end - start === 13) {
      const finished = inRecord(lineNumber, 'end_of_record');
      mergeLineBranches(finished, recordBranches);
      recordBranches = new Map();
      records++;
      if (lf >= 0 && lh >= 0) {
        stated.lf += lf;
        stated.lh += lh;
        stated.withLines++;
      }
      lf = lh = -1;
      file = undefined;
      return;
    }
    const colon = text.indexOf(':', start);
    const key = colon === -1 || colon >= end ? '' : text.slice(start, colon);
    if (!/^[A-Z][A-Z_]*$/.test(key)) {
      const shown = text.slice(start, Math.min(end, start + 40));
      fail(lineNumber, `not an lcov line: '${shown}'`);
    }
    if (key === 'LF' || key === 'LH' || key === 'BRF' || key === 'BRH') {
      inRecord(lineNumber, key);
      const value = readCount(text, colon + 1, end);
      if (value < 0 || cursor !== end) fail(lineNumber, `${key} needs a whole number`);
      if (key === 'LF') lf = value;
      else if (key === 'LH') lh = value;
      else {
        sawBranchTotal = true;
        if (key === 'BRF') stated.brf += value;
        else stated.brh += value;
      }
    }
  });
  if (file)
    throw new CoverageError(
      context.name,
      { line: lines },
      `ends inside the record for ${file.path} (started on line ${recordStart}): end_of_record is missing, the report looks truncated`,
    );
  if (records > 0 && stated.withLines === records)
    report.stated = { lines: { covered: stated.lh, total: stated.lf } };
  if (sawBranchTotal)
    report.stated = { ...report.stated, branches: { covered: stated.brh, total: stated.brf } };
  return report.build();
}

/** Where the last `readCount` stopped. */
let cursor = 0;

/** Reads a whole decimal number at `start`, leaving `cursor` after it; -1 when there is none. */
function readCount(text: string, start: number, end: number): number {
  let value = 0;
  let at = start;
  while (at < end) {
    const digit = text.charCodeAt(at) - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    at++;
  }
  cursor = at;
  return at === start ? -1 : value;
}
