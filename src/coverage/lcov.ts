import { CoverageError } from './errors.js';
import { forEachLine, type ParseContext, type ReportInput } from './input.js';
import { normalisePath } from './paths.js';
import { LineBranches } from './line-branches.js';
import { mergeLineBranches, ReportBuilder, type FileBuilder } from './report-builder.js';
import type { CoverageReport } from './types.js';

const COMMA = 44;
const COLON = 58;
const DASH = 45;

/**
 * lcov tracefiles (geninfo(1), genhtml(1)): one record per source file from `SF:` to
 * `end_of_record`. `DA:<line>,<hits>[,<checksum>]` makes a line executable; repeated `DA` for one
 * line add up, as lcov's own merge does. `BRDA:<line>,<block>,<branch>,<taken>` is one branch,
 * covered when `taken` is a number above 0 (`-` means its block never ran). `LF`/`LH` and
 * `BRF`/`BRH` are the totals the writer states; other keys (`TN`, `FN`, `FNDA`...) are skipped.
 * Lines are read as bytes: only file names are decoded.
 */
export async function parseLcov(
  input: ReportInput,
  context: ParseContext,
): Promise<CoverageReport> {
  const report = new ReportBuilder('lcov');
  let file: FileBuilder | undefined;
  let recordStart = 0;
  const record = new RecordLines();
  let records = 0;
  const stated = { lf: 0, lh: 0, brf: 0, brh: 0, withLines: 0 };
  let lf = -1;
  let lh = -1;
  let sawBranchTotal = false;

  const fail = (lineNumber: number, reason: string): never => {
    throw new CoverageError(context.name, { line: lineNumber }, reason);
  };
  const shown = (bytes: Buffer, start: number, end: number) =>
    bytes.toString('utf8', start, Math.min(end, start + 60));
  const inRecord = (lineNumber: number, key: string): FileBuilder =>
    file ?? fail(lineNumber, `${key} outside a record: no SF: line before it`);

  const lines = await forEachLine(input, (bytes, start, end, lineNumber) => {
    if (start === end) return;
    const c0 = bytes[start];
    // DA:<line>,<hits>: most of any report, so checked first and byte by byte.
    if (c0 === 68 && bytes[start + 1] === 65 && bytes[start + 2] === COLON) {
      inRecord(lineNumber, 'DA');
      const line = readCount(bytes, start + 3, end);
      if (line < 0 || bytes[cursor] !== COMMA)
        fail(lineNumber, `DA needs <line>,<hits>: '${shown(bytes, start, end)}'`);
      const hits = readCount(bytes, cursor + 1, end);
      if (hits < 0 || (cursor !== end && bytes[cursor] !== COMMA))
        fail(lineNumber, `DA needs a whole number of hits: '${shown(bytes, start, end)}'`);
      record.addHits(line, hits);
      return;
    }
    if (
      c0 === 66 &&
      bytes[start + 1] === 82 &&
      bytes[start + 2] === 68 &&
      bytes[start + 4] === COLON
    ) {
      inRecord(lineNumber, 'BRDA');
      const line = readCount(bytes, start + 5, end);
      const lastComma = bytes.lastIndexOf(COMMA, end - 1);
      if (line < 0 || bytes[cursor] !== COMMA || lastComma <= cursor)
        fail(
          lineNumber,
          `BRDA needs <line>,<block>,<branch>,<taken>: '${shown(bytes, start, end)}'`,
        );
      const never = end === lastComma + 2 && bytes[lastComma + 1] === DASH;
      const taken = never ? 0 : readCount(bytes, lastComma + 1, end);
      if (taken < 0 || (!never && cursor !== end))
        fail(
          lineNumber,
          `BRDA taken must be a number or '-': '${shown(bytes, lastComma + 1, end)}'`,
        );
      record.addBranch(line, taken > 0);
      return;
    }
    // FN:, FNDA:, FNF:, FNH:, FNL:, FNA: functions, which line coverage does not use.
    if (c0 === 70 && bytes[start + 1] === 78) return;
    const colon = bytes.indexOf(COLON, start);
    const key = colon === -1 || colon >= end ? '' : bytes.toString('latin1', start, colon);
    if (key === 'SF') {
      if (file)
        fail(
          lineNumber,
          `SF: inside the record for ${file.path} (started on line ${recordStart}): end_of_record is missing`,
        );
      const path = bytes.toString('utf8', colon + 1, end).trim();
      if (path === '') fail(lineNumber, 'SF: names no file');
      file = report.file(normalisePath(path, context.root));
      recordStart = lineNumber;
      return;
    }
    if (key === '' && bytes.toString('latin1', start, end) === 'end_of_record') {
      const finished = inRecord(lineNumber, 'end_of_record');
      record.moveTo(finished);
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
    if (!/^[A-Z][A-Z_]*$/.test(key))
      fail(lineNumber, `not an lcov line: '${shown(bytes, start, end)}'`);
    if (key === 'LF' || key === 'LH' || key === 'BRF' || key === 'BRH') {
      inRecord(lineNumber, key);
      const value = readCount(bytes, colon + 1, end);
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

/**
 * The current record's lines and branches, in arrays indexed by line that every record reuses:
 * a file's arrays are then allocated once, at their final size, when its record ends.
 */
class RecordLines {
  private readonly hits: number[] = [];
  private readonly branchesCovered: number[] = [];
  private readonly branchesTotal: number[] = [];
  private end = 0;
  private executable = 0;
  private branchEnd = 0;

  addHits(line: number, hits: number): void {
    // Far beyond the lines seen so far (a hostile DA:2000000000,1): straight to the file's map.
    if (line > this.hits.length + 100_000) {
      this.overflow.push([line, hits]);
      return;
    }
    while (this.hits.length <= line) this.hits.push(-1);
    const previous = this.hits[line]!;
    if (previous < 0) {
      this.hits[line] = hits;
      this.executable++;
    } else this.hits[line] = previous + hits;
    if (line >= this.end) this.end = line + 1;
  }

  addBranch(line: number, taken: boolean): void {
    if (line > this.branchesTotal.length + 100_000) return this.overflowBranch(line, taken);
    while (this.branchesTotal.length <= line) {
      this.branchesTotal.push(0);
      this.branchesCovered.push(0);
    }
    this.branchesTotal[line]!++;
    if (taken) this.branchesCovered[line]!++;
    if (line >= this.branchEnd) this.branchEnd = line + 1;
  }

  private readonly overflow: [number, number][] = [];
  private overflowBranches: LineBranches | undefined;

  private overflowBranch(line: number, taken: boolean): void {
    (this.overflowBranches ??= new LineBranches()).add(line, taken ? 1 : 0, 1);
  }

  /** Hands the record to its file, then clears the arrays for the next record. */
  moveTo(file: FileBuilder): void {
    file.lines.addAll(this.hits, this.end, this.executable);
    for (const [line, hits] of this.overflow) file.lines.add(line, hits);
    file.lines.compact();
    if (this.branchEnd > 0 || this.overflowBranches) {
      const branches = this.overflowBranches ?? new LineBranches();
      for (let line = 0; line < this.branchEnd; line++)
        if (this.branchesTotal[line]! > 0)
          branches.add(line, this.branchesCovered[line]!, this.branchesTotal[line]!);
      mergeLineBranches(file, branches);
    }
    this.hits.fill(-1, 0, this.end);
    this.branchesTotal.fill(0, 0, this.branchEnd);
    this.branchesCovered.fill(0, 0, this.branchEnd);
    this.end = this.executable = this.branchEnd = 0;
    this.overflow.length = 0;
    this.overflowBranches = undefined;
  }
}

/** Where the last `readCount` stopped. */
let cursor = 0;

/** Reads a whole decimal number at `start`, leaving `cursor` after it; -1 when there is none. */
function readCount(bytes: Buffer, start: number, end: number): number {
  let value = 0;
  let at = start;
  while (at < end) {
    const digit = bytes[at]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
    at++;
  }
  cursor = at;
  return at === start ? -1 : value;
}
