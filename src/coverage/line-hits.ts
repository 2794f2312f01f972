/**
 * Hit counts by line number, as a `Map<number, number>` that keeps them in a typed array indexed by
 * line: a 100 MB report has millions of executable lines, and a JavaScript Map spends about 55 bytes
 * on each (measured: 5.4 million lines, 300 MB), this about 8 to 16. Lines far beyond the others
 * (a hostile `DA:2000000000,1`) go to a small side Map, so memory follows the number of lines,
 * never the largest line number.
 */
export class LineHits implements Map<number, number> {
  /** Hits by line; NaN marks a line that is not executable. */
  private dense = new Float64Array(0);
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
    if (line >= 0 && line < this.dense.length) {
      const hits = this.dense[line]!;
      return Number.isNaN(hits) ? undefined : hits;
    }
    return this.sparse?.get(line);
  }

  has(line: number): boolean {
    return this.get(line) !== undefined;
  }

  set(line: number, hits: number): this {
    if (!Number.isSafeInteger(line) || line < 0) throw new RangeError(`not a line number: ${line}`);
    if (line >= this.dense.length && !this.growFor(line)) {
      const sparse = (this.sparse ??= new Map());
      if (!sparse.has(line)) this.count++;
      sparse.set(line, hits);
      return this;
    }
    if (Number.isNaN(this.dense[line]!)) this.count++;
    this.dense[line] = hits;
    return this;
  }

  /** Adds hits to a line, making it executable: how lcov and Cobertura combine repeated entries. */
  add(line: number, hits: number): void {
    this.set(line, (this.get(line) ?? 0) + hits);
  }

  /** Keeps the larger count: how istanbul combines statements that start on one line. */
  max(line: number, hits: number): void {
    const previous = this.get(line);
    if (previous === undefined || previous < hits) this.set(line, hits);
  }

  delete(line: number): boolean {
    if (line >= 0 && line < this.dense.length) {
      if (Number.isNaN(this.dense[line]!)) return false;
      this.dense[line] = NaN;
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
    this.dense = new Float64Array(0);
    this.sparse = undefined;
    this.count = 0;
  }

  /** Gives back the room kept for growth, once a file's lines are all known. */
  compact(): void {
    let end = this.dense.length;
    while (end > 0 && Number.isNaN(this.dense[end - 1]!)) end--;
    if (end < this.dense.length) this.dense = this.dense.slice(0, end);
  }

  forEach(
    callback: (hits: number, line: number, map: Map<number, number>) => void,
    thisArg?: unknown,
  ): void {
    for (const [line, hits] of this) callback.call(thisArg, hits, line, this);
  }

  *entries(): MapIterator<[number, number]> {
    const dense = this.dense;
    const sparseLines = this.sparse ? [...this.sparse.keys()].sort((a, b) => a - b) : [];
    let next = 0;
    for (let line = 0; line < dense.length; line++) {
      while (next < sparseLines.length && sparseLines[next]! < line) {
        const sparseLine = sparseLines[next++]!;
        yield [sparseLine, this.sparse!.get(sparseLine)!];
      }
      const hits = dense[line]!;
      if (!Number.isNaN(hits)) yield [line, hits];
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
    const grown = new Float64Array(Math.max(line + 1, Math.ceil(this.dense.length * 1.5), 64));
    grown.fill(NaN, this.dense.length);
    grown.set(this.dense);
    this.dense = grown;
    // Lines set aside earlier may now fall inside the array: a line lives in one place only.
    if (this.sparse)
      for (const [sparseLine, hits] of this.sparse)
        if (sparseLine < grown.length) {
          grown[sparseLine] = hits;
          this.sparse.delete(sparseLine);
        }
    return true;
  }
}
