import path from 'node:path';
import picomatch from 'picomatch';
import { unquoteGitPath } from '../coverage/diff.js';
import type { Severity } from './roles.js';

/**
 * The deterministic half of the security review: what a diff must never carry, found without a
 * model. A high-severity finding here blocks approval whatever the model reviewer says.
 */

export interface Finding {
  severity: Severity;
  /** `scan` for these rules, `model` for the model reviewer's. */
  source: 'scan' | 'model';
  rule: string;
  file?: string;
  line?: number;
  description: string;
}

/** Not preceded by a letter or digit: a token may follow `_`, `=`, a quote… */
const START = '(?<![A-Za-z0-9])';

/** Token formats of common services; each match is a leaked credential, never a test value. */
const TOKENS: { name: string; pattern: RegExp }[] = [
  {
    name: 'GitHub token',
    pattern: new RegExp(`${START}(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})`),
  },
  {
    name: 'GitLab token',
    pattern: new RegExp(`${START}gl(?:pat|dt|rt|cbt|ptt|oas)-[A-Za-z0-9_-]{20,}`),
  },
  { name: 'npm token', pattern: new RegExp(`${START}npm_[A-Za-z0-9]{36,}`) },
  { name: 'Anthropic API key', pattern: new RegExp(`${START}sk-ant-[A-Za-z0-9_-]{20,}`) },
  {
    name: 'OpenAI API key',
    pattern: new RegExp(`${START}sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}`),
  },
  { name: 'AWS access key id', pattern: new RegExp(`${START}(?:AKIA|ASIA)[0-9A-Z]{16}`) },
  {
    name: 'AWS secret access key',
    pattern: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}/i,
  },
  { name: 'Google API key', pattern: new RegExp(`${START}AIza[0-9A-Za-z_-]{35}`) },
  { name: 'Slack token', pattern: new RegExp(`${START}xox[baprse]-[A-Za-z0-9-]{10,}`) },
  { name: 'Stripe secret key', pattern: new RegExp(`${START}[sr]k_live_[A-Za-z0-9]{20,}`) },
  {
    name: 'JSON Web Token',
    pattern: new RegExp(`${START}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}`),
  },
  {
    name: 'private key',
    pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----/,
  },
];

/** A URL carrying a password (`scheme://user:secret@host`) or an HTTP(S) token (`https://token@host`). */
const URL_CREDENTIALS =
  /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@|\b(https?:\/\/)[^/\s@]{20,}@/gi;

/**
 * `text` with every token-shaped string (the scan's formats, URL credentials) replaced by a
 * marker naming its kind: for command output and anything else the workspace printed, on its way
 * into a prompt.
 */
export function redactSecrets(text: string): string {
  let result = text;
  for (const { name, pattern } of TOKENS) {
    const global = new RegExp(
      pattern.source,
      pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
    );
    result = result.replace(global, `[redacted ${name}]`);
  }
  return result.replace(
    URL_CREDENTIALS,
    (_match, scheme?: string, http?: string) => `${scheme ?? http ?? ''}[redacted credentials]@`,
  );
}

/** Dependency manifests and lock files: a change there adds code nobody reviewed line by line. */
const MANIFESTS = picomatch(
  [
    '**/package.json',
    '**/package-lock.json',
    '**/npm-shrinkwrap.json',
    '**/yarn.lock',
    '**/pnpm-lock.yaml',
    '**/requirements*.txt',
    '**/Pipfile',
    '**/Pipfile.lock',
    '**/poetry.lock',
    '**/pyproject.toml',
    '**/go.mod',
    '**/go.sum',
    '**/Cargo.toml',
    '**/Cargo.lock',
    '**/Gemfile',
    '**/Gemfile.lock',
    '**/pom.xml',
    '**/build.gradle',
    '**/build.gradle.kts',
    '**/composer.json',
    '**/composer.lock',
  ],
  { dot: true },
);

/**
 * Files that decide which tests run and what coverage counts: a change to any of them could make
 * QA's figures say nothing. Always high.
 */
export const TEST_CONFIG_FILES = picomatch(
  [
    '**/jest.config.*',
    '**/vitest.config.*',
    '**/vitest.workspace.*',
    '**/.mocharc*',
    '**/pytest.ini',
    '**/tox.ini',
    '**/.coveragerc',
    '**/.nycrc*',
    '**/.c8rc*',
    '**/karma.conf.*',
    '**/ava.config.*',
  ],
  { dot: true },
);

/**
 * Files that mix test configuration with other settings; only the test part counts:
 * package.json's `scripts` and runner fields, pyproject.toml's `[tool.pytest…]` and
 * `[tool.coverage…]`, setup.cfg's `[tool:pytest]` and `[coverage:…]`.
 */
export const MIXED_CONFIG_FILES = picomatch(
  ['**/package.json', '**/pyproject.toml', '**/setup.cfg'],
  { dot: true },
);

const PACKAGE_TEST_FIELDS = ['scripts', 'jest', 'mocha', 'c8', 'nyc', 'ava', 'vitest'];

/** The sections of an INI or TOML text whose header matches, as text. */
function sections(text: string, header: RegExp): string {
  const kept: string[] = [];
  let inside = false;
  for (const line of text.split(/\r?\n/)) {
    const opened = /^\s*\[([^\]]+)\]/.exec(line);
    if (opened) inside = header.test(opened[1]!.trim());
    if (inside) kept.push(line.trim());
  }
  return kept.join('\n');
}

/** The part of a mixed configuration file that concerns tests and coverage, for comparison. */
function testPart(file: string, text: string | null): string {
  if (text === null) return '';
  const name = path.posix.basename(file);
  if (name === 'package.json') {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      return JSON.stringify(PACKAGE_TEST_FIELDS.map((field) => parsed[field] ?? null));
    } catch {
      return `unparsable:${text}`;
    }
  }
  if (name === 'pyproject.toml') return sections(text, /^tool\.(?:pytest|coverage)\b/);
  return sections(text, /^(?:tool:pytest|coverage:)/);
}

/**
 * HIGH findings for changes to the test part of package.json, pyproject.toml and setup.cfg,
 * given each changed file's text before and after (null when it did not exist). Test
 * configuration files proper (`TEST_CONFIG_FILES`) are found by `scanDiff`.
 */
export function testConfigFindings(
  files: { path: string; before: string | null; after: string | null }[],
): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    const changed =
      MIXED_CONFIG_FILES(file.path) &&
      testPart(file.path, file.before) !== testPart(file.path, file.after);
    if (changed)
      findings.push({
        severity: 'high',
        source: 'scan',
        rule: 'test-config',
        file: file.path,
        description: `changes how the tests or coverage run (${file.path}): QA's figures would no longer show the change works`,
      });
  }
  return findings;
}

const WORKFLOWS = picomatch(['.github/workflows/**'], { dot: true });

/** The scopes of a workflow's `permissions`. */
const SCOPES = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
].join('|');

/** `contents: write`, `"contents": 'write'`, `{contents: write}`, `- contents: write`, `write-all`. */
const WRITE_PERMISSION = new RegExp(
  `\\bwrite-all\\b|(?:^|[\\s{,-])["']?(?:${SCOPES})["']?\\s*:\\s*["']?write["']?\\s*(?:$|[,}#\\s])`,
);

export interface DiffFile {
  /** The file's path after the change; a deleted file keeps its old path. */
  path: string;
  /** Every path the change touches: old and new of a rename or copy, the old of a deletion. */
  paths: string[];
  /** Added lines with their new line numbers. */
  added: { line: number; text: string }[];
}

/** Strips git's `a/` or `b/` prefix from a (possibly quoted) path; null for /dev/null. */
function diffPath(text: string): string | null {
  const unquoted = unquoteGitPath(text.trim().replace(/\t$/, ''));
  if (unquoted === '/dev/null') return null;
  return unquoted.replace(/^[ab]\//, '');
}

/** The two paths of a `diff --git` header: quoted, or unquoted and (without a rename) equal. */
function headerPaths(rest: string): string[] {
  if (rest.includes('"')) {
    const tokens = rest.match(/"(?:[^"\\]|\\.)*"|[^\s"]+/g) ?? [];
    return tokens.map((token) => diffPath(token)).filter((p): p is string => p !== null);
  }
  // `a/X b/X`: with spaces in X a split is ambiguous, but both halves are the same.
  const half = (rest.length - 5) / 2;
  if (Number.isInteger(half) && half > 0) {
    const a = `a/${rest.slice(2, 2 + half)}`;
    if (rest === `${a} b/${a.slice(2)}`) return [a.slice(2)];
  }
  const split = /^a\/(.+) b\/(.+)$/.exec(rest);
  return split ? [split[1]!, split[2]!] : [];
}

/**
 * The files of a `git diff` with their added lines and every path each touches: the header's,
 * `---`/`+++`, `rename from/to`, `copy from/to`; quoted paths are unquoted.
 */
export function addedLines(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  let current:
    | { paths: Set<string>; old?: string; new?: string; deleted: boolean; added: DiffFile['added'] }
    | undefined;
  const all: NonNullable<typeof current>[] = [];
  let line = 0;
  let inHunk = false;
  for (const text of diff.split('\n')) {
    if (text.startsWith('diff --git ')) {
      current = {
        paths: new Set(headerPaths(text.slice('diff --git '.length))),
        deleted: false,
        added: [],
      };
      all.push(current);
      inHunk = false;
      continue;
    }
    if (!current) continue;
    if (!inHunk) {
      const meta = /^(rename from |rename to |copy from |copy to |--- |\+\+\+ )(.*)$/.exec(text);
      if (meta) {
        const kind = meta[1]!;
        const value =
          kind.startsWith('---') || kind.startsWith('+++')
            ? diffPath(meta[2]!)
            : unquoteGitPath(meta[2]!);
        if (value !== null) {
          current.paths.add(value);
          if (kind === '--- ' || kind.endsWith('from ')) current.old = value;
          else current.new = value;
        } else if (kind === '+++ ') current.deleted = true;
        continue;
      }
      if (text.startsWith('deleted file mode')) current.deleted = true;
      const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
      if (hunk) {
        line = Number(hunk[1]);
        inHunk = true;
      }
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) line = Number(hunk[1]);
    else if (text.startsWith('+')) current.added.push({ line: line++, text: text.slice(1) });
    else if (text.startsWith(' ')) line++;
  }
  for (const file of all) {
    const paths = [...file.paths];
    const primary = file.deleted
      ? (file.old ?? paths[0])
      : (file.new ?? paths[paths.length - 1] ?? file.old);
    if (primary === undefined) continue;
    files.push({ path: primary, paths, added: file.added });
  }
  return files;
}

export function scanDiff(diff: string, protectedPaths: string[]): Finding[] {
  const findings: Finding[] = [];
  const isProtected = picomatch(protectedPaths.length > 0 ? protectedPaths : ['\0'], { dot: true });
  for (const file of addedLines(diff)) {
    for (const touched of file.paths.filter((p) => isProtected(p)))
      findings.push({
        severity: 'high',
        source: 'scan',
        rule: 'protected-path',
        file: touched,
        description: `changes the protected path ${touched}`,
      });
    const manifest = file.paths.find((p) => MANIFESTS(p));
    if (manifest)
      findings.push({
        severity: 'medium',
        source: 'scan',
        rule: 'dependencies',
        file: manifest,
        description: `changes dependencies (${manifest}): new code arrives without review`,
      });
    for (const touched of file.paths.filter((p) => TEST_CONFIG_FILES(p)))
      findings.push({
        severity: 'high',
        source: 'scan',
        rule: 'test-config',
        file: touched,
        description: `changes how the tests or coverage run (${touched}): QA's figures would no longer show the change works`,
      });
    const workflow = file.paths.some((p) => WORKFLOWS(p));
    for (const { line, text } of file.added) {
      for (const token of TOKENS)
        if (token.pattern.test(text))
          findings.push({
            severity: 'high',
            source: 'scan',
            rule: 'secret',
            file: file.path,
            line,
            description: `adds what looks like a ${token.name}`,
          });
      if (workflow && WRITE_PERMISSION.test(text))
        findings.push({
          severity: 'high',
          source: 'scan',
          rule: 'workflow-permissions',
          file: file.path,
          line,
          description: `grants a workflow write permission: ${text.trim().slice(0, 80)}`,
        });
    }
  }
  return findings;
}
