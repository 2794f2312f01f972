import type { ParseContext, ReportInput } from './input.js';
import { LineBranches } from './line-branches.js';
import { normalisePath } from './paths.js';
import { ReportBuilder, type FileBuilder } from './report-builder.js';
import type { BranchCount, CoverageReport } from './types.js';
import { countAttribute, lineAttribute, readXml, statedPair } from './xml.js';

/**
 * Clover XML. Each `<file>` lists `<line num type count>`: `stmt` and `method` lines are
 * executable with `count` hits; several on one line keep the largest count, as istanbul's
 * `getLineCoverage` does. `cond` lines differ by writer:
 * - istanbul's clover reporter writes `count` too, with `truecount` = covered branches and
 *   `falsecount` = uncovered branches on that line;
 * - OpenClover writes no `count`; `truecount`/`falsecount` count how often the condition was true
 *   and false, and each side is one branch, covered when its count is above 0.
 * The project's `<metrics>` states `statements` and `conditionals`; istanbul fills them with line
 * and branch totals, so they are kept as stated totals only for istanbul's flavour (no `method`
 * lines, every `cond` line with a `count`).
 */
export async function parseClover(
  input: ReportInput,
  context: ParseContext,
): Promise<CoverageReport> {
  const report = new ReportBuilder('clover');
  let file: FileBuilder | undefined;
  let projectMetrics: Record<string, string> | undefined;
  let istanbulFlavour = true;

  await readXml(input, context, (position) => ({
    open(name, attributes, path) {
      const parent = path[path.length - 1];
      if (name === 'line' && parent === 'file' && file) {
        const line = lineAttribute(attributes, 'num', 'line', position);
        const type = attributes.type ?? 'stmt';
        if (type === 'cond') {
          const trueCount = countAttribute(attributes, 'truecount', 'line', position);
          const falseCount = countAttribute(attributes, 'falsecount', 'line', position);
          let count: BranchCount;
          if (attributes.count !== undefined) {
            file.lines.max(line, countAttribute(attributes, 'count', 'line', position));
            count = { covered: trueCount, total: trueCount + falseCount };
          } else {
            istanbulFlavour = false;
            file.lines.max(line, trueCount + falseCount);
            count = { covered: (trueCount > 0 ? 1 : 0) + (falseCount > 0 ? 1 : 0), total: 2 };
          }
          (file.lineBranches ??= new LineBranches()).add(line, count.covered, count.total);
        } else {
          if (type === 'method') istanbulFlavour = false;
          file.lines.max(line, countAttribute(attributes, 'count', 'line', position));
        }
      } else if (name === 'file') {
        const filePath = attributes.path ?? attributes.name;
        if (filePath === undefined || filePath.trim() === '')
          return position.fail('<file> has neither a path nor a name attribute');
        file = report.file(normalisePath(filePath, context.root));
      } else if (name === 'metrics' && parent === 'project') projectMetrics = attributes;
    },
    close(name) {
      if (name === 'file') file = undefined;
    },
  }));
  if (projectMetrics && istanbulFlavour) {
    const lines = statedPair(projectMetrics, 'coveredstatements', 'statements');
    const branches = statedPair(projectMetrics, 'coveredconditionals', 'conditionals');
    if (lines || branches)
      report.stated = { ...(lines && { lines }), ...(branches && { branches }) };
  }
  return report.build();
}
