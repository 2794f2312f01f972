import { describe, expect, it } from '@jest/globals';
import { changedLines, patchCoverage, type CoverageReport } from '../../src/coverage/index.js';

const DIFF = `diff --git a/src/a.js b/src/a.js
index 1111111..2222222 100644
--- a/src/a.js
+++ b/src/a.js
@@ -1,4 +1,4 @@
 keep
-old
+new one
+new two
 keep
--- a removed line that looks like a header
@@ -20 +21,2 @@ function f() {
+added at 21
 context at 22
\\ No newline at end of file
diff --git a/gone.js b/gone.js
deleted file mode 100644
--- a/gone.js
+++ /dev/null
@@ -1,2 +0,0 @@
-a
-b
diff --git a/old name.js b/new name.js
similarity 90%
rename from old name.js
rename to new name.js
--- a/old name.js\t
+++ b/new name.js\t
@@ -3,0 +4 @@
+inserted
diff --git a/moved.js b/moved.js2
similarity 100%
rename from moved.js
rename to moved.js2
diff --git a/logo.png b/logo.png
Binary files a/logo.png and b/logo.png differ
diff --git "a/caf\\303\\251.js" "b/caf\\303\\251.js"
--- "a/caf\\303\\251.js"
+++ "b/caf\\303\\251.js"
@@ -1 +1 @@
-x
+y
`;

describe('changed lines', () => {
  it('lists the new-side lines a diff adds, by file', () => {
    expect(
      Object.fromEntries([...changedLines(DIFF)].map(([path, lines]) => [path, [...lines]])),
    ).toEqual({
      'src/a.js': [2, 3, 21],
      'new name.js': [4],
      'café.js': [1],
    });
  });

  it('is empty for an empty diff', () => {
    expect(changedLines('').size).toBe(0);
  });
});

describe('patch coverage', () => {
  const report: CoverageReport = {
    format: 'lcov',
    files: new Map([
      [
        'src/a.js',
        {
          path: 'src/a.js',
          lines: new Map([
            [2, 1],
            [3, 0],
            [5, 1],
            [21, 0],
          ]),
        },
      ],
      ['café.js', { path: 'café.js', lines: new Map([[1, 4]]) }],
    ]),
  };

  it('counts changed executable lines, and names the uncovered ones', () => {
    expect(patchCoverage(report, changedLines(DIFF))).toEqual({
      covered: 2,
      total: 4,
      percent: 50,
      files: [
        { path: 'café.js', covered: 1, total: 1, uncovered: [] },
        { path: 'src/a.js', covered: 1, total: 3, uncovered: [3, 21] },
      ],
    });
  });

  it('has no percentage when no changed line is executable', () => {
    expect(patchCoverage(report, new Map([['README.md', new Set([1])]]))).toEqual({
      covered: 0,
      total: 0,
      percent: null,
      files: [],
    });
  });
});
