import type { ParseContext, ReportInput } from './input.js';
import { isAbsolutePath, joinPath, normalisePath } from './paths.js';
import { mergeLineBranches, ReportBuilder, type FileBuilder } from './report-builder.js';
import type { BranchCount, CoverageReport } from './types.js';
import { countAttribute, lineAttribute, readXml, statedPair } from './xml.js';

/**
 * Cobertura XML, as Cobertura, istanbul, coverage.py, gcovr and others write it
 * (coverage-04.dtd). Each `<class filename>` lists `<lines><line number hits>`; a line is
 * executable when listed and covered when `hits` > 0. A line with `branch="true"` carries
 * `condition-coverage="50% (1/2)"`: covered and total branches. The lines repeated under
 * `<methods>` are skipped (they duplicate the class's own). Classes naming one file add up, as
 * Java's inner classes do. `filename` is relative to one of the `<sources>`.
 */
export async function parseCobertura(
  input: ReportInput,
  context: ParseContext,
): Promise<CoverageReport> {
  const report = new ReportBuilder('cobertura');
  const sources: string[] = [];
  let sourceText: string | undefined;
  let file: FileBuilder | undefined;
  let classBranches = new Map<number, BranchCount>();

  const resolve = (filename: string): string => {
    if (isAbsolutePath(filename) || sources.length === 0)
      return normalisePath(filename, context.root);
    const candidates = sources
      .map((source) => normalisePath(joinPath(source, filename), context.root))
      .filter((candidate) => !isAbsolutePath(candidate));
    // A report made elsewhere names sources outside this root: its paths are relative to the
    // repository on that machine too, more often than not.
    if (candidates.length === 0) return normalisePath(filename);
    return candidates.find((candidate) => context.fileExists?.(candidate)) ?? candidates[0]!;
  };

  await readXml(input, context, (position) => ({
    open(name, attributes, path) {
      const parent = path[path.length - 1];
      if (name === 'line' && parent === 'lines' && path[path.length - 2] === 'class') {
        if (!file) return;
        const line = lineAttribute(attributes, 'number', 'line', position);
        file.lines.add(line, countAttribute(attributes, 'hits', 'line', position));
        if (attributes.branch === 'true') {
          const conditions = /\((\d+)\/(\d+)\)/.exec(attributes['condition-coverage'] ?? '');
          if (conditions) {
            const count = { covered: Number(conditions[1]), total: Number(conditions[2]) };
            if (count.covered > count.total)
              position.fail(
                `condition-coverage "${attributes['condition-coverage']}" covers more than all`,
              );
            classBranches.set(line, count);
          }
        }
      } else if (name === 'class') {
        const filename = attributes.filename;
        if (filename === undefined || filename.trim() === '')
          return position.fail('<class> has no filename attribute');
        file = report.file(resolve(filename));
      } else if (name === 'source' && parent === 'sources') sourceText = '';
      else if (name === 'coverage' && path.length === 0) {
        const lines = statedPair(attributes, 'lines-covered', 'lines-valid');
        const branches = statedPair(attributes, 'branches-covered', 'branches-valid');
        if (lines || branches)
          report.stated = { ...(lines && { lines }), ...(branches && { branches }) };
      }
    },
    close(name) {
      if (name === 'class' && file) {
        mergeLineBranches(file, classBranches);
        classBranches = new Map();
        file = undefined;
      } else if (name === 'source' && sourceText !== undefined) {
        if (sourceText.trim() !== '') sources.push(sourceText.trim());
        sourceText = undefined;
      }
    },
    text(text) {
      if (sourceText !== undefined) sourceText += text;
    },
  }));
  return report.build();
}
