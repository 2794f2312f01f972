import { CoverageError } from './errors.js';
import { forEachLine, type ParseContext, type ReportInput } from './input.js';
import { normalisePath } from './paths.js';
import { ReportBuilder } from './report-builder.js';
import type { CoverageReport } from './types.js';

const BLOCK = /^(.+):(\d+)\.(\d+),(\d+)\.(\d+) (\d+) (\d+)$/;

interface Block {
  startLine: number;
  endLine: number;
  statements: number;
  count: number;
}

/**
 * Go cover profiles (`go test -coverprofile`): a `mode: set|count|atomic` line, then one line per
 * block, `file.go:startLine.startCol,endLine.endCol numStmts count`. As golang.org/x/tools/cover
 * does, blocks at the same position (one package measured by several test binaries) merge: `set`
 * keeps either count, `count`/`atomic` add them. Go itself counts statements; per line, as
 * gcov2lcov and Codecov do, every line a block spans is executable and the hits of the blocks
 * touching a line add up, so a line is covered when any block on it ran. Blocks without statements
 * (an empty function body) make no line executable. File names are import paths: the module path
 * (`goModule`, or go.mod's under the root) is taken off to give repository paths.
 */
export async function parseGo(input: ReportInput, context: ParseContext): Promise<CoverageReport> {
  const blocks = new Map<string, Map<string, Block>>();
  let mode: string | undefined;
  const fail = (lineNumber: number, reason: string): never => {
    throw new CoverageError(context.name, { line: lineNumber }, reason);
  };
  await forEachLine(input, (bytes, start, end, lineNumber) => {
    const line = bytes.toString('utf8', start, end);
    if (mode === undefined) {
      if (line.trim() === '') return;
      const declared = /^mode: (set|count|atomic)$/.exec(line);
      if (!declared)
        fail(
          lineNumber,
          `a Go cover profile starts with 'mode: set|count|atomic', not '${line.slice(0, 40)}'`,
        );
      mode = declared![1];
      return;
    }
    if (line === '' || line.startsWith('mode: ')) return; // profiles concatenated by hand
    const match = BLOCK.exec(line);
    if (!match) return fail(lineNumber, `not a Go cover block: '${line.slice(0, 80)}'`);
    const [, file, startLine, startCol, endLine, endCol, statements, count] =
      match as unknown as string[];
    const key = `${startLine}.${startCol},${endLine}.${endCol}`;
    const block: Block = {
      startLine: Number(startLine),
      endLine: Number(endLine),
      statements: Number(statements),
      count: Number(count),
    };
    if (block.endLine < block.startLine || block.startLine < 1)
      fail(lineNumber, `block ends before it starts: '${line.slice(0, 80)}'`);
    let fileBlocks = blocks.get(file!);
    if (!fileBlocks) blocks.set(file!, (fileBlocks = new Map()));
    const same = fileBlocks.get(key);
    if (!same) fileBlocks.set(key, block);
    else if (same.statements !== block.statements)
      fail(
        lineNumber,
        `block ${file}:${key} has ${block.statements} statements here and ${same.statements} before`,
      );
    else same.count = mode === 'set' ? Math.max(same.count, block.count) : same.count + block.count;
  });
  const report = new ReportBuilder('go');
  for (const [importPath, fileBlocks] of blocks) {
    const file = report.file(repositoryPath(importPath, context));
    for (const block of fileBlocks.values()) {
      if (block.statements === 0) continue;
      for (let line = block.startLine; line <= block.endLine; line++)
        file.lines.add(line, block.count);
    }
  }
  return report.build();
}

function repositoryPath(importPath: string, context: ParseContext): string {
  const module = context.goModule?.replace(/\/+$/, '');
  if (module && importPath.startsWith(`${module}/`))
    return normalisePath(importPath.slice(module.length + 1));
  // Outside module mode, go names files in no package by their directory with `_` before it.
  if (importPath.startsWith('_/')) return normalisePath(importPath.slice(1), context.root);
  return normalisePath(importPath, context.root);
}
