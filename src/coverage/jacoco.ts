import type { ParseContext, ReportInput } from './input.js';
import { LineBranches } from './line-branches.js';
import { normalisePath } from './paths.js';
import { ReportBuilder, type FileBuilder } from './report-builder.js';
import type { CoverageReport } from './types.js';
import { countAttribute, lineAttribute, readXml, statedPair } from './xml.js';

/**
 * JaCoCo XML (report.dtd). Each `<package name="com/acme">` holds `<sourcefile name="A.java">`
 * with `<line nr mi ci mb cb>`: missed and covered instructions and branches. As JaCoCo's own LINE
 * counter has it, a line is executable when it has instructions and covered when at least one ran
 * (`ci` > 0); JaCoCo records no execution counts, so a covered line counts 1 hit. Branches: `cb`
 * covered of `mb + cb`. The `<counter type="LINE|BRANCH">` directly under `<report>` are the
 * stated totals. Paths are package-relative (`com/acme/A.java`), as JaCoCo knows no source roots.
 */
export async function parseJacoco(
  input: ReportInput,
  context: ParseContext,
): Promise<CoverageReport> {
  const report = new ReportBuilder('jacoco');
  let packageName = '';
  let file: FileBuilder | undefined;

  await readXml(input, context, (position) => ({
    open(name, attributes, path) {
      const parent = path[path.length - 1];
      if (name === 'line' && parent === 'sourcefile' && file) {
        const line = lineAttribute(attributes, 'nr', 'line', position);
        const [mi, ci, mb, cb] = ['mi', 'ci', 'mb', 'cb'].map((count) =>
          attributes[count] === undefined ? 0 : countAttribute(attributes, count, 'line', position),
        ) as [number, number, number, number];
        if (mi + ci > 0) file.lines.add(line, ci > 0 ? 1 : 0);
        if (mb + cb > 0)
          (file.lineBranches ??= new LineBranches()).set(line, { covered: cb, total: mb + cb });
      } else if (name === 'package') packageName = attributes.name ?? '';
      else if (name === 'sourcefile' && parent === 'package') {
        const fileName = attributes.name;
        if (fileName === undefined || fileName === '')
          return position.fail('<sourcefile> has no name attribute');
        file = report.file(
          normalisePath(packageName ? `${packageName}/${fileName}` : fileName, context.root),
        );
      } else if (name === 'counter' && parent === 'report') {
        const count = statedPair(attributes, 'covered', 'missed');
        if (!count) return;
        const stated = { covered: count.covered, total: count.covered + count.total };
        if (attributes.type === 'LINE') report.stated = { ...report.stated, lines: stated };
        if (attributes.type === 'BRANCH') report.stated = { ...report.stated, branches: stated };
      }
    },
    close(name) {
      if (name === 'sourcefile') file = undefined;
      else if (name === 'package') packageName = '';
    },
  }));
  return report.build();
}
