import { CoverageError } from './errors.js';
import type { ParseContext, ReportInput } from './input.js';
import { normalisePath } from './paths.js';
import { LineBranches } from './line-branches.js';
import { LineSlab } from './line-hits.js';
import { mergeLineBranches, ReportBuilder, type FileBuilder } from './report-builder.js';
import type { CoverageReport } from './types.js';

const NEWLINE = 10;
const CR = 13;
const COMMA = 44;
const COLON = 58;
const DASH = 45;
const A = 65;
const B = 66;
const D = 68;
const F = 70;
const N = 78;
const R = 82;

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
  const reader = new LcovReader(context);
  // The start of a line that a chunk boundary cut, in pieces until its newline arrives.
  let pending: Buffer[] = [];
  for await (const chunk of input) {
    let from = 0;
    if (pending.length > 0) {
      const first = chunk.indexOf(NEWLINE);
      if (first === -1) {
        pending.push(chunk);
        continue;
      }
      pending.push(chunk.subarray(0, first + 1));
      const joined = Buffer.concat(pending);
      pending = [];
      reader.scan(joined, 0, joined.length);
      from = first + 1;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    if (last >= from) {
      reader.scan(chunk, from, last + 1);
      from = last + 1;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
  }
  if (pending.length > 0) {
    // A last line without its newline: scanned as if it had one.
    pending.push(NEWLINE_BYTES);
    const joined = Buffer.concat(pending);
    reader.scan(joined, 0, joined.length);
  }
  return reader.finish();
}

const NEWLINE_BYTES = Buffer.from([NEWLINE]);

/**
 * Reads lcov lines from bytes. `scan` is the hot loop: it reads the lines that make up nearly all
 * of a report (`DA`, `BRDA`, `FN`...) in place, finding each line's end as it reads its numbers,
 * and hands anything else, errors included, to `otherLine`.
 */
class LcovReader {
  private readonly report = new ReportBuilder('lcov');
  private file: FileBuilder | undefined;
  private recordStart = 0;
  private readonly record = new RecordLines();
  private records = 0;
  private readonly stated = { lf: 0, lh: 0, brf: 0, brh: 0, withLines: 0 };
  private lf = -1;
  private lh = -1;
  private sawBranchTotal = false;
  private lineNumber = 0;

  constructor(private readonly context: ParseContext) {}

  /** Reads the lines in `bytes[at..stop)`, where `stop` follows a newline. */
  scan(bytes: Buffer, at: number, stop: number): void {
    const record = this.record;
    let inRecord = this.file !== undefined;
    let lineNumber = this.lineNumber;
    while (at < stop) {
      lineNumber++;
      const c0 = bytes[at]!;
      if (inRecord && c0 === D && bytes[at + 1] === A && bytes[at + 2] === COLON) {
        // DA:<line>,<hits>[,<checksum>]
        let p = at + 3;
        let digit = bytes[p]! - 48;
        if (digit >= 0 && digit <= 9) {
          let line = 0;
          do {
            line = line * 10 + digit;
            digit = bytes[++p]! - 48;
          } while (digit >= 0 && digit <= 9);
          if (bytes[p] === COMMA) {
            digit = bytes[++p]! - 48;
            if (digit >= 0 && digit <= 9) {
              let hits = 0;
              do {
                hits = hits * 10 + digit;
                digit = bytes[++p]! - 48;
              } while (digit >= 0 && digit <= 9);
              const after = bytes[p];
              let next = -1;
              if (after === NEWLINE) next = p + 1;
              else if (after === CR && bytes[p + 1] === NEWLINE) next = p + 2;
              else if (after === COMMA) next = bytes.indexOf(NEWLINE, p) + 1;
              if (next > 0) {
                record.addHits(line, hits);
                at = next;
                continue;
              }
            }
          }
        }
      } else if (
        inRecord &&
        c0 === B &&
        bytes[at + 1] === R &&
        bytes[at + 2] === D &&
        bytes[at + 3] === A &&
        bytes[at + 4] === COLON
      ) {
        // BRDA:<line>,<block>,<branch>,<taken>: the branch may hold commas, taken follows the last.
        let p = at + 5;
        let digit = bytes[p]! - 48;
        if (digit >= 0 && digit <= 9) {
          let line = 0;
          do {
            line = line * 10 + digit;
            digit = bytes[++p]! - 48;
          } while (digit >= 0 && digit <= 9);
          if (bytes[p] === COMMA) {
            const firstComma = p;
            let lastComma = p;
            let c = bytes[++p];
            while (c !== NEWLINE) {
              if (c === COMMA) lastComma = p;
              c = bytes[++p];
            }
            const end = bytes[p - 1] === CR ? p - 1 : p;
            if (lastComma > firstComma) {
              let q = lastComma + 1;
              let taken = -1;
              if (q + 1 === end && bytes[q] === DASH) taken = 0;
              else if (q < end) {
                taken = 0;
                for (; q < end; q++) {
                  const d = bytes[q]! - 48;
                  if (d < 0 || d > 9) {
                    taken = -1;
                    break;
                  }
                  taken = taken * 10 + d;
                }
              }
              if (taken >= 0) {
                record.addBranch(line, taken > 0);
                at = p + 1;
                continue;
              }
            }
          }
        }
      } else if (c0 === F && bytes[at + 1] === N) {
        // FN:, FNDA:, FNF:, FNH:, FNL:, FNA: functions, which line coverage does not use.
        at = bytes.indexOf(NEWLINE, at + 2) + 1;
        continue;
      }
      const newline = bytes.indexOf(NEWLINE, at);
      const end = newline > at && bytes[newline - 1] === CR ? newline - 1 : newline;
      if (end > at) {
        this.lineNumber = lineNumber;
        this.otherLine(bytes, at, end);
        inRecord = this.file !== undefined;
      }
      at = newline + 1;
    }
    this.lineNumber = lineNumber;
  }

  /** Any line but a well-formed `DA`, `BRDA` or `FN...` line: record bounds, totals, errors. */
  private otherLine(bytes: Buffer, start: number, end: number): void {
    const lineNumber = this.lineNumber;
    const c0 = bytes[start];
    if (c0 === D && bytes[start + 1] === A && bytes[start + 2] === COLON) {
      this.inRecord('DA');
      const line = readCount(bytes, start + 3, end);
      if (line < 0 || bytes[cursor] !== COMMA)
        this.fail(`DA needs <line>,<hits>: '${shown(bytes, start, end)}'`);
      const hits = readCount(bytes, cursor + 1, end);
      if (hits < 0 || (cursor !== end && bytes[cursor] !== COMMA))
        this.fail(`DA needs a whole number of hits: '${shown(bytes, start, end)}'`);
      this.record.addHits(line, hits);
      return;
    }
    if (
      c0 === B &&
      bytes[start + 1] === R &&
      bytes[start + 2] === D &&
      bytes[start + 3] === A &&
      bytes[start + 4] === COLON
    ) {
      this.inRecord('BRDA');
      const line = readCount(bytes, start + 5, end);
      const lastComma = bytes.lastIndexOf(COMMA, end - 1);
      if (line < 0 || bytes[cursor] !== COMMA || lastComma <= cursor)
        this.fail(`BRDA needs <line>,<block>,<branch>,<taken>: '${shown(bytes, start, end)}'`);
      const never = end === lastComma + 2 && bytes[lastComma + 1] === DASH;
      const taken = never ? 0 : readCount(bytes, lastComma + 1, end);
      if (taken < 0 || (!never && cursor !== end))
        this.fail(`BRDA taken must be a number or '-': '${shown(bytes, lastComma + 1, end)}'`);
      this.record.addBranch(line, taken > 0);
      return;
    }
    const colon = bytes.indexOf(COLON, start);
    const key = colon === -1 || colon >= end ? '' : bytes.toString('latin1', start, colon);
    if (key === 'SF') {
      if (this.file)
        this.fail(
          `SF: inside the record for ${this.file.path} (started on line ${this.recordStart}): end_of_record is missing`,
        );
      const path = bytes.toString('utf8', colon + 1, end).trim();
      if (path === '') this.fail('SF: names no file');
      this.file = this.report.file(normalisePath(path, this.context.root));
      this.recordStart = lineNumber;
      return;
    }
    if (key === '' && bytes.toString('latin1', start, end) === 'end_of_record') {
      const finished = this.inRecord('end_of_record');
      this.record.moveTo(finished);
      this.records++;
      if (this.lf >= 0 && this.lh >= 0) {
        this.stated.lf += this.lf;
        this.stated.lh += this.lh;
        this.stated.withLines++;
      }
      this.lf = this.lh = -1;
      this.file = undefined;
      return;
    }
    if (key === 'LF' || key === 'LH' || key === 'BRF' || key === 'BRH') {
      this.inRecord(key);
      const value = readCount(bytes, colon + 1, end);
      if (value < 0 || cursor !== end) this.fail(`${key} needs a whole number`);
      if (key === 'LF') this.lf = value;
      else if (key === 'LH') this.lh = value;
      else {
        this.sawBranchTotal = true;
        if (key === 'BRF') this.stated.brf += value;
        else this.stated.brh += value;
      }
      return;
    }
    if (!/^[A-Z][A-Z_]*$/.test(key)) this.fail(`not an lcov line: '${shown(bytes, start, end)}'`);
  }

  finish(): CoverageReport {
    const { report, stated } = this;
    if (this.file)
      throw new CoverageError(
        this.context.name,
        { line: this.lineNumber },
        `ends inside the record for ${this.file.path} (started on line ${this.recordStart}): end_of_record is missing, the report looks truncated`,
      );
    if (this.records > 0 && stated.withLines === this.records)
      report.stated = { lines: { covered: stated.lh, total: stated.lf } };
    if (this.sawBranchTotal)
      report.stated = { ...report.stated, branches: { covered: stated.brh, total: stated.brf } };
    return report.build();
  }

  private fail(reason: string): never {
    throw new CoverageError(this.context.name, { line: this.lineNumber }, reason);
  }

  private inRecord(key: string): FileBuilder {
    return this.file ?? this.fail(`${key} outside a record: no SF: line before it`);
  }
}

function shown(bytes: Buffer, start: number, end: number): string {
  return bytes.toString('utf8', start, Math.min(end, start + 60));
}

/**
 * The current record's lines and branches, in arrays indexed by line that every record reuses:
 * a file's arrays are then allocated once, at their final size, when its record ends.
 */
class RecordLines {
  /** Hits by line, -1 where a line is not executable; grows by doubling, filled with -1. */
  private hits = new Float64Array(1024).fill(-1);
  private readonly branchesCovered: number[] = [];
  private readonly branchesTotal: number[] = [];
  private end = 0;
  private executable = 0;
  private branchEnd = 0;
  /** Lines with branches in this record, so that the file's arrays are allocated at their size. */
  private branchLines = 0;
  /** Where files' line arrays are cut from. */
  private readonly slab = new LineSlab();

  addHits(line: number, hits: number): void {
    let lines = this.hits;
    if (line >= lines.length) {
      // Far beyond the lines seen so far (a hostile DA:2000000000,1): straight to the file's map.
      if (line > lines.length + 100_000) {
        this.overflow.push([line, hits]);
        return;
      }
      lines = new Float64Array(Math.max(line + 1, 2 * lines.length)).fill(-1);
      lines.set(this.hits);
      this.hits = lines;
    }
    const previous = lines[line]!;
    if (previous < 0) {
      lines[line] = hits;
      this.executable++;
    } else lines[line] = previous + hits;
    if (line >= this.end) this.end = line + 1;
  }

  addBranch(line: number, taken: boolean): void {
    if (line > this.branchesTotal.length + 100_000) return this.overflowBranch(line, taken);
    while (this.branchesTotal.length <= line) {
      this.branchesTotal.push(0);
      this.branchesCovered.push(0);
    }
    if (this.branchesTotal[line]!++ === 0) this.branchLines++;
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
    file.lines.addAll(this.hits, this.end, this.executable, this.slab);
    for (const [line, hits] of this.overflow) file.lines.add(line, hits);
    file.lines.compact();
    if (this.overflowBranches) {
      const branches = this.overflowBranches;
      for (let line = 0; line < this.branchEnd; line++)
        if (this.branchesTotal[line]! > 0)
          branches.add(line, this.branchesCovered[line]!, this.branchesTotal[line]!);
      mergeLineBranches(file, branches);
    } else if (this.branchLines > 0) {
      const count = this.branchLines;
      const lineNumbers = new Array<number>(count);
      const covered = new Array<number>(count);
      const total = new Array<number>(count);
      for (let line = 0, at = 0; at < count; line++) {
        const lineTotal = this.branchesTotal[line]!;
        if (lineTotal === 0) continue;
        lineNumbers[at] = line;
        covered[at] = this.branchesCovered[line]!;
        total[at++] = lineTotal;
      }
      mergeLineBranches(file, LineBranches.fromSorted(lineNumbers, covered, total));
    }
    this.hits.fill(-1, 0, this.end);
    this.branchesTotal.fill(0, 0, this.branchEnd);
    this.branchesCovered.fill(0, 0, this.branchEnd);
    this.end = this.executable = this.branchEnd = this.branchLines = 0;
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
