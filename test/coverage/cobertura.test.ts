import { describe, expect, it } from '@jest/globals';
import { CoverageError, parseCoverageText, totals } from '../../src/coverage/index.js';
import { plainReport } from './support.js';

const COBERTURA = `<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage lines-valid="5" lines-covered="3" line-rate="0.6" branches-valid="4" branches-covered="3" branch-rate="0.75" timestamp="1" version="7.0">
  <sources>
    <source>/repo/lib</source>
    <source>/elsewhere/src</source>
  </sources>
  <packages>
    <package name="pkg" line-rate="0.6" branch-rate="0.75">
      <classes>
        <class name="a.py" filename="pkg/a.py" line-rate="0.6" branch-rate="0.75">
          <methods>
            <method name="f" hits="1" signature="()V">
              <lines><line number="1" hits="1"/></lines>
            </method>
          </methods>
          <lines>
            <line number="1" hits="1"/>
            <line number="2" hits="0" branch="true" condition-coverage="50% (1/2)" missing-branches="4"/>
            <line number="3" hits="7"/>
          </lines>
        </class>
        <class name="a$Inner" filename="pkg/a.py">
          <lines>
            <line number="9" hits="0"/>
            <line number="10" hits="2" branch="true" condition-coverage="100% (2/2)"/>
          </lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>`;

describe('Cobertura', () => {
  it('reads class lines (not the method copies), conditions and the stated totals', async () => {
    const report = await parseCoverageText(COBERTURA, { name: 'coverage.xml', root: '/repo' });
    expect(plainReport(report)).toEqual({
      format: 'cobertura',
      stated: { lines: { covered: 3, total: 5 }, branches: { covered: 3, total: 4 } },
      files: {
        'lib/pkg/a.py': {
          path: 'lib/pkg/a.py',
          lines: { 1: 1, 2: 0, 3: 7, 9: 0, 10: 2 },
          branches: { covered: 3, total: 4 },
          lineBranches: { 2: { covered: 1, total: 2 }, 10: { covered: 2, total: 2 } },
          lineSummary: undefined,
        },
      },
    });
    expect(totals(report).lines).toEqual({ covered: 3, total: 5, percent: 60 });
  });

  it('picks the source root under which the file exists', async () => {
    const xml = COBERTURA.replace('<source>/elsewhere/src</source>', '<source>/repo/src</source>');
    const report = await parseCoverageText(xml, {
      name: 'coverage.xml',
      root: '/repo',
      fileExists: (path) => path === 'src/pkg/a.py',
    });
    expect([...report.files.keys()]).toEqual(['src/pkg/a.py']);
  });

  it('keeps a path relative when the sources lie outside the root (a report made elsewhere)', async () => {
    const report = await parseCoverageText(COBERTURA, { name: 'coverage.xml', root: '/work' });
    expect([...report.files.keys()]).toEqual(['pkg/a.py']);
  });

  it('reads an empty file as no files', async () => {
    const report = await parseCoverageText('  \n', { name: 'c.xml', format: 'cobertura' });
    expect(report.files.size).toBe(0);
  });

  it.each([
    ['a truncated report', COBERTURA.slice(0, 900), /^coverage\.xml:\d+:\d+: not well-formed XML/],
    [
      'a class without a file',
      '<coverage><packages><class name="x"/></packages></coverage>',
      /coverage\.xml:1:\d+: <class> has no filename/,
    ],
    [
      'hits that are not a count',
      '<coverage><class filename="a"><lines><line number="1" hits="x"/></lines></class></coverage>',
      /coverage\.xml:1:\d+: <line> hits="x" is not a count/,
    ],
  ])('names the file, line and column of %s', async (_, xml, message) => {
    const error = await parseCoverageText(xml, { name: 'coverage.xml', format: 'cobertura' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CoverageError);
    expect((error as Error).message).toMatch(message);
  });
});
