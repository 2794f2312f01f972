import type { BranchCount } from './types.js';

/**
 * Covered and total branches by line, as a `Map<number, BranchCount>` kept in three parallel
 * arrays sorted by line: a 100 MB lcov report has about a million branch lines, which as Map
 * entries holding objects take some 80 bytes each, and an array indexed by line would be mostly
 * empty (one line in six has branches). Parsers add lines in ascending order, which appends;
 * anything else is found by binary search. `get` returns a fresh object: change counts through
 * `set` or `add`.
 */
export class LineBranches implements Map<number, BranchCount> {
  private lineNumbers: number[] = [];
  private covered: number[] = [];
  private total: number[] = [];

  constructor(entries?: Iterable<readonly [number, BranchCount]>) {
    if (entries) for (const [line, count] of entries) this.set(line, count);
  }

  /** Takes over three parallel arrays, `lineNumbers` ascending and distinct (a parser's block). */
  static fromSorted(lineNumbers: number[], covered: number[], total: number[]): LineBranches {
    const branches = new LineBranches();
    branches.lineNumbers = lineNumbers;
    branches.covered = covered;
    branches.total = total;
    return branches;
  }

  get size(): number {
    return this.lineNumbers.length;
  }

  get [Symbol.toStringTag](): string {
    return 'LineBranches';
  }

  get(line: number): BranchCount | undefined {
    const at = this.indexOf(line);
    return at < 0 ? undefined : { covered: this.covered[at]!, total: this.total[at]! };
  }

  has(line: number): boolean {
    return this.indexOf(line) >= 0;
  }

  set(line: number, count: BranchCount): this {
    const at = this.slot(line);
    this.covered[at] = count.covered;
    this.total[at] = count.total;
    return this;
  }

  /** Adds branches to a line's count. */
  add(line: number, covered: number, total: number): void {
    const at = this.slot(line);
    this.covered[at]! += covered;
    this.total[at]! += total;
  }

  delete(line: number): boolean {
    const at = this.indexOf(line);
    if (at < 0) return false;
    for (const array of [this.lineNumbers, this.covered, this.total]) array.splice(at, 1);
    return true;
  }

  clear(): void {
    for (const array of [this.lineNumbers, this.covered, this.total]) array.length = 0;
  }

  forEach(
    callback: (count: BranchCount, line: number, map: Map<number, BranchCount>) => void,
    thisArg?: unknown,
  ): void {
    for (const [line, count] of this) callback.call(thisArg, count, line, this);
  }

  *entries(): MapIterator<[number, BranchCount]> {
    for (let at = 0; at < this.lineNumbers.length; at++)
      yield [this.lineNumbers[at]!, { covered: this.covered[at]!, total: this.total[at]! }];
  }

  *keys(): MapIterator<number> {
    yield* this.lineNumbers;
  }

  *values(): MapIterator<BranchCount> {
    for (const [, count] of this.entries()) yield count;
  }

  [Symbol.iterator](): MapIterator<[number, BranchCount]> {
    return this.entries();
  }

  /** Sums every line's counts without building an object per line. */
  sum(): BranchCount {
    let covered = 0;
    let total = 0;
    for (let at = 0; at < this.total.length; at++) {
      covered += this.covered[at]!;
      total += this.total[at]!;
    }
    return { covered, total };
  }

  /** Where `line` is, or -1. */
  private indexOf(line: number): number {
    let low = 0;
    let high = this.lineNumbers.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const found = this.lineNumbers[middle]!;
      if (found === line) return middle;
      if (found < line) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  /** Where `line` is, after making room for it with zero counts. */
  private slot(line: number): number {
    if (!Number.isSafeInteger(line) || line < 0) throw new RangeError(`not a line number: ${line}`);
    const last = this.lineNumbers.length - 1;
    if (last >= 0 && this.lineNumbers[last] === line) return last;
    if (last < 0 || this.lineNumbers[last]! < line) {
      this.lineNumbers.push(line);
      this.covered.push(0);
      this.total.push(0);
      return last + 1;
    }
    let at = this.indexOf(line);
    if (at >= 0) return at;
    at = this.lineNumbers.findIndex((found) => found > line);
    this.lineNumbers.splice(at, 0, line);
    this.covered.splice(at, 0, 0);
    this.total.splice(at, 0, 0);
    return at;
  }
}
