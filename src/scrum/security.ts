import picomatch from 'picomatch';
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

/** Token formats of common services; each match is a leaked credential, never a test value. */
const TOKENS: { name: string; pattern: RegExp }[] = [
  {
    name: 'GitHub token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b/,
  },
  { name: 'Anthropic API key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/ },
  { name: 'OpenAI API key', pattern: /\bsk-(?:proj-)?[A-Za-z0-9]{32,}/ },
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'Slack token', pattern: /\bxox[baprs]-[A-Za-z0-9-]{10,}/ },
  { name: 'Stripe secret key', pattern: /\bsk_live_[A-Za-z0-9]{20,}/ },
  {
    name: 'private key',
    pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----/,
  },
];

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

const WORKFLOWS = picomatch(['.github/workflows/**'], { dot: true });

interface DiffFile {
  path: string;
  /** Added lines with their new line numbers. */
  added: { line: number; text: string }[];
}

/** The files of a `git diff` with their added lines (a deleted file keeps its old path). */
export function addedLines(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  let current: (DiffFile & { old: string }) | undefined;
  let line = 0;
  let inHunk = false;
  for (const text of diff.split('\n')) {
    const header = /^diff --git a\/(.+) b\/(.+)$/.exec(text);
    if (header) {
      current = { path: header[2]!, old: header[1]!, added: [] };
      files.push(current);
      inHunk = false;
      continue;
    }
    if (!current) continue;
    if (!inHunk) {
      if (text === '+++ /dev/null') current.path = current.old;
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
  return files.map(({ path, added }) => ({ path, added }));
}

export function scanDiff(diff: string, protectedPaths: string[]): Finding[] {
  const findings: Finding[] = [];
  const isProtected = picomatch(protectedPaths.length > 0 ? protectedPaths : ['\0'], { dot: true });
  for (const file of addedLines(diff)) {
    if (isProtected(file.path))
      findings.push({
        severity: 'high',
        source: 'scan',
        rule: 'protected-path',
        file: file.path,
        description: `changes the protected path ${file.path}`,
      });
    if (MANIFESTS(file.path))
      findings.push({
        severity: 'medium',
        source: 'scan',
        rule: 'dependencies',
        file: file.path,
        description: `changes dependencies (${file.path}): new code arrives without review`,
      });
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
      if (
        WORKFLOWS(file.path) &&
        /^\s*(?:[\w-]+\s*:\s*write|permissions\s*:\s*write-all)\b/.test(text)
      )
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
