/**
 * Hit counts by line number, as a `Map<number, number>` that keeps them in an array indexed by
 * line: a 100 MB report has millions of executable lines, and a JavaScript Map spends about 55 bytes
 * on each (measured: 5.4 million lines, 300 MB), this 8 per line up to the last. The array is a
 * `Float64Array` (every hit count a number can hold exactly), outside the JavaScript heap: the
 * garbage collector neither scans nor copies it, and an lcov report's files take theirs from shared
 * slabs (`LineSlab`) rather than one allocation each. Lines far beyond the others (a hostile
 * `DA:2000000000,1`) go to a small side Map, so memory follows the number of lines, never the
 * largest line number.
 */
export class LineHits implements Map<number, number> {
  /** Hits by line below `end`; -1 marks a line that is not executable, and fills the room after. */
  private dense: Float64Array = EMPTY;
  private end = 0;
  private sparse: Map<number, number> | undefined;
  private count = 0;

  constructor(entries?: Iterable<readonly [number, number]>) {
    if (entries) for (const [line, hits] of entries) this.set(line, hits);
  }

  get size(): number {
    return this.count;
  }

  get [Symbol.toStringTag](): string {
    return 'LineHits';
  }

  get(line: number): number | undefined {
    if (line >= 0 && line < this.end && Number.isInteger(line)) {
      const hits = this.dense[line]!;
      return hits < 0 ? undefined : hits;
    }
    return this.sparse?.get(line);
  }

  has(line: number): boolean {
    return this.get(line) !== undefined;
  }

  set(line: number, hits: number): this {
    if (!Number.isSafeInteger(line) || line < 0) throw new RangeError(`not a line number: ${line}`);
    if (line >= this.end && !this.growFor(line)) {
      const sparse = (this.sparse ??= new Map());
      if (!sparse.has(line)) this.count++;
      sparse.set(line, hits);
      return this;
    }
    if (this.dense[line]! < 0) this.count++;
    this.dense[line] = hits;
    return this;
  }

  /** Adds hits to a line, making it executable: how lcov and Cobertura combine repeated entries. */
  add(line: number, hits: number): void {
    // The hot path of every parser: a line inside the array, checked once.
    if (line >= 0 && line < this.end && Number.isInteger(line)) {
      const previous = this.dense[line]!;
      if (previous < 0) {
        this.count++;
        this.dense[line] = hits;
      } else this.dense[line] = previous + hits;
      return;
    }
    this.set(line, (this.get(line) ?? 0) + hits);
  }

  /**
   * Adds the hits of `lines[0..end)`, where -1 marks a line that is not executable: a parser
   * collects a record in one reused array and hands it over whole, so that no array grows, and
   * turns into garbage, line by line. A first record's array comes from `slab` when given.
   */
  addAll(lines: ArrayLike<number>, end: number, executable: number, slab?: LineSlab): void {
    if (this.count === 0 && !this.sparse && end > 0) {
      const dense = slab ? slab.take(end) : new Float64Array(end);
      for (let line = 0; line < end; line++) dense[line] = lines[line]!;
      this.dense = dense;
      this.end = end;
      this.count = executable;
      return;
    }
    for (let line = 0; line < end; line++) if (lines[line]! >= 0) this.add(line, lines[line]!);
  }

  /** How many lines have hits above 0, counted in the array rather than through `values()`. */
  coveredCount(): number {
    const dense = this.dense;
    let covered = 0;
    for (let line = 0; line < this.end; line++) if (dense[line]! > 0) covered++;
    if (this.sparse) for (const hits of this.sparse.values()) if (hits > 0) covered++;
    return covered;
  }

  /** Keeps the larger count: how istanbul combines statements that start on one line. */
  max(line: number, hits: number): void {
    const previous = this.get(line);
    if (previous === undefined || previous < hits) this.set(line, hits);
  }

  delete(line: number): boolean {
    if (line >= 0 && line < this.end && Number.isInteger(line)) {
      if (this.dense[line]! < 0) return false;
      this.dense[line] = -1;
      this.count--;
      return true;
    }
    if (this.sparse?.delete(line)) {
      this.count--;
      return true;
    }
    return false;
  }

  clear(): void {
    this.dense = EMPTY;
    this.end = 0;
    this.sparse = undefined;
    this.count = 0;
  }

  /** Gives back the room kept for growth, once a file's lines are all known. */
  compact(): void {
    let end = this.end;
    while (end > 0 && this.dense[end - 1]! < 0) end--;
    this.end = end;
    if (this.dense.length > end) this.dense = end === 0 ? EMPTY : this.dense.slice(0, end);
  }

  forEach(
    callback: (hits: number, line: number, map: Map<number, number>) => void,
    thisArg?: unknown,
  ): void {
    for (const [line, hits] of this) callback.call(thisArg, hits, line, this);
  }

  *entries(): MapIterator<[number, number]> {
    const dense = this.dense;
    const end = this.end;
    const sparseLines = this.sparse ? [...this.sparse.keys()].sort((a, b) => a - b) : [];
    let next = 0;
    for (let line = 0; line < end; line++) {
      while (next < sparseLines.length && sparseLines[next]! < line) {
        const sparseLine = sparseLines[next++]!;
        yield [sparseLine, this.sparse!.get(sparseLine)!];
      }
      const hits = dense[line]!;
      if (hits >= 0) yield [line, hits];
    }
    while (next < sparseLines.length) {
      const sparseLine = sparseLines[next++]!;
      yield [sparseLine, this.sparse!.get(sparseLine)!];
    }
  }

  *keys(): MapIterator<number> {
    for (const [line] of this.entries()) yield line;
  }

  *values(): MapIterator<number> {
    for (const [, hits] of this.entries()) yield hits;
  }

  [Symbol.iterator](): MapIterator<[number, number]> {
    return this.entries();
  }

  /** Grows the array to hold `line` unless that would leave it mostly empty. */
  private growFor(line: number): boolean {
    if (line > 4 * this.count + 4096) return false;
    if (line >= this.dense.length) {
      const grown = new Float64Array(Math.max(line + 1, 2 * this.dense.length, 16)).fill(-1);
      grown.set(this.dense.subarray(0, this.end));
      this.dense = grown;
    }
    this.end = line + 1;
    // Lines set aside earlier may now fall inside the array: a line lives in one place only.
    if (this.sparse)
      for (const [sparseLine, hits] of this.sparse)
        if (sparseLine < this.end) {
          this.dense[sparseLine] = hits;
          this.sparse.delete(sparseLine);
        }
    return true;
  }
}

const EMPTY = new Float64Array(0);

/** Slabs the line arrays of many files are cut from: one allocation per slab, not per file. */
export class LineSlab {
  private slab = EMPTY;
  private used = 0;

  /** An array of `length` lines; large ones get one of their own. */
  take(length: number): Float64Array {
    if (length > SLAB_LENGTH / 8) return new Float64Array(length);
    if (this.used + length > this.slab.length) {
      this.slab = new Float64Array(SLAB_LENGTH);
      this.used = 0;
    }
    const taken = new Float64Array(this.slab.buffer, 8 * this.used, length);
    this.used += length;
    return taken;
  }
}

const SLAB_LENGTH = 1 << 16; // 512 KB
