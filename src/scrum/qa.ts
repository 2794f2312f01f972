import { lstatSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import {
  CoverageError,
  mergeReports,
  parseCoverageFile,
  totals,
  type Totals,
} from '../coverage/index.js';
import { redactSecrets } from './security.js';
import { runCommand as runBash } from './tools/bash.js';

/**
 * QA is ours, not the model's: after each developer round the configured commands run in the
 * workspace, and what they print and write is read here. A round whose tests fail is never
 * approved, whatever the model says about it.
 *
 * The commands run code the developer agent wrote (its tests). They run the way the agent's own
 * commands do (DeveloperTools.runCommand): as the agent user under `sandbox: user`, with the
 * scrubbed environment, stdin closed, no startup files, and every process they started ended.
 */

export interface QaCommands {
  test: string;
  coverage: string;
  lint: string;
  /** Globs of the coverage reports the coverage command writes. */
  coverageFiles: string[];
  timeoutMs: number;
}

/** What running one command gave, before QA reads it. */
export interface RawRun {
  output: string;
  exitCode: number | null;
  timedOut: boolean;
}

/** Runs a QA command in the workspace root. */
export type QaRunner = (command: string, timeoutMs: number) => Promise<RawRun>;

export interface CommandRun {
  command: string;
  exitCode: number;
  timedOut: boolean;
  /** The end of what it printed, token-shaped strings redacted, for the developer's next round. */
  output: string;
}

export interface TestCounts {
  passed: number;
  failed: number;
  total: number;
  /** Which runner's summary line the counts came from. */
  runner: string;
}

export interface QaResult {
  passed: boolean;
  test: CommandRun | null;
  counts: TestCounts | null;
  lint: CommandRun | null;
  coverageRun: CommandRun | null;
  coverage: Totals | null;
  /** Why QA failed, one line each, for the developer and the product owner. */
  problems: string[];
}

/** Characters of a command's output kept (head and tail); the summary lines are at the end. */
export const QA_OUTPUT_LIMIT = 16_000;
const OUTPUT_KEPT = 6000;

/**
 * A runner for commands run as the runner's own user, with `env` (scrubbed by the caller): the
 * bash tool's runner, so stdin is closed, no startup file is read, and the process group is
 * killed after the command exits or times out. Used only when no sandboxed runner is given.
 */
export function localRunner(root: string, env: NodeJS.ProcessEnv): QaRunner {
  return (command, timeoutMs) =>
    runBash({
      command,
      cwd: root,
      cwdFile: '/dev/null',
      env,
      timeoutMs,
      outputLimit: QA_OUTPUT_LIMIT,
      prefix: [],
      killAll: () => {},
    });
}

/** Runs one command and keeps what the loop needs of it, secrets redacted. */
export async function runCommand(
  command: string,
  runner: QaRunner,
  timeoutMs: number,
): Promise<CommandRun & { raw: string }> {
  const run = await runner(command, timeoutMs);
  const output = redactSecrets(run.output);
  return {
    command,
    exitCode: run.exitCode ?? 1,
    timedOut: run.timedOut,
    output: output.length > OUTPUT_KEPT ? `[…]\n${output.slice(-OUTPUT_KEPT)}` : output,
    raw: run.output,
  };
}

/** The runners whose summary lines we read. */
const COUNT_PATTERNS: {
  runner: string;
  pattern: RegExp;
  read: (m: RegExpMatchArray) => [number, number];
}[] = [
  {
    // jest: "Tests:       1 failed, 2 skipped, 3 passed, 6 total"
    runner: 'jest',
    pattern: /^Tests:\s+(.*\d+ total)\s*$/gm,
    read: (m) => [count(m[1]!, 'passed'), count(m[1]!, 'failed')],
  },
  {
    // vitest: "      Tests  1 failed | 3 passed (4)"
    runner: 'vitest',
    pattern: /^\s*Tests\s+((?:\d+ \w+(?: \| )?)+)\s*\(\d+\)\s*$/gm,
    read: (m) => [count(m[1]!, 'passed'), count(m[1]!, 'failed')],
  },
  {
    // node --test, TAP: "# pass 3" / "# fail 1"; spec reporter (node 23+): "ℹ pass 3" / "ℹ fail 1"
    runner: 'node:test',
    pattern: /^(#|ℹ) pass (\d+)\s*$\n(?:^\1 (?!pass )\w+ \d+\s*$\n)*?^\1 fail (\d+)\s*$/gm,
    read: (m) => [Number(m[2]), Number(m[3])],
  },
  {
    // pytest: "==== 1 failed, 3 passed in 0.12s ====", or with -q: "1 failed, 3 passed in 0.12s"
    runner: 'pytest',
    pattern:
      /^(?:=+ )?(?=[^\n]*\d+ (?:passed|failed)\b)((?:\d+ [a-z]+(?:, )?)+) in [\d.]+s(?: \([^)]*\))?(?: =+)?\s*$/gm,
    read: (m) => [count(m[1]!, 'passed'), count(m[1]!, 'failed')],
  },
  {
    // mocha: "  3 passing (12ms)" and "  1 failing"
    runner: 'mocha',
    pattern:
      /^\s+(\d+) passing \([^)]*\)\s*$(?:\n(?:^\s+\d+ pending\s*$\n)?^\s+(\d+) failing\s*$)?/gm,
    read: (m) => [Number(m[1]), Number(m[2] ?? 0)],
  },
];

function count(summary: string, word: string): number {
  return Number(new RegExp(`(\\d+) ${word}`).exec(summary)?.[1] ?? 0);
}

// eslint-disable-next-line no-control-regex -- terminal colour codes are what is removed
const ANSI = /\u001B\[[0-9;?]*[A-Za-z]/g;

/**
 * The passed and failed tests a runner's summary states, when we recognise it. The last summary
 * in the output wins: the runner prints its own after everything the tests printed, so a test
 * cannot pass off a summary of its own as the run's.
 */
export function testCounts(output: string): TestCounts | null {
  const text = output.replace(ANSI, '').replace(/\r\n?/g, '\n');
  let best: { index: number; counts: TestCounts } | null = null;
  for (const { runner, pattern, read } of COUNT_PATTERNS) {
    for (const found of text.matchAll(pattern)) {
      const end = found.index + found[0].length;
      if (best && end <= best.index) continue;
      const [passed, failed] = read(found);
      best = { index: end, counts: { passed, failed, total: passed + failed, runner } };
    }
  }
  return best?.counts ?? null;
}

const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

/**
 * Coverage reports matching the globs anywhere in the workspace, ignored by git or not, found by
 * walking the file system (never following symbolic links, never into .git or node_modules).
 */
export function findReports(root: string, globs: string[]): string[] {
  if (globs.length === 0) return [];
  const matches = picomatch(globs, { dot: true });
  const found: string[] = [];
  const walk = (dir: string, prefix: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const relative = prefix + entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path.join(dir, entry.name), `${relative}/`);
      } else if (matches(relative)) {
        found.push(relative);
      }
    }
  };
  walk(root, '');
  return found.sort();
}

/** Why a report is not read, or undefined: it must be a regular file really inside the workspace. */
function refusal(root: string, file: string): string | undefined {
  const full = path.join(root, file);
  const stats = lstatSync(full, { throwIfNoEntry: false });
  if (!stats) return `the coverage report ${file} disappeared`;
  if (stats.isSymbolicLink())
    return `the coverage report ${file} is a symbolic link; reports must be regular files`;
  if (!stats.isFile()) return `the coverage report ${file} is not a regular file`;
  const realRoot = realpathSync(root);
  const real = realpathSync(full);
  if (!real.startsWith(realRoot + path.sep))
    return `the coverage report ${file} resolves outside the workspace`;
  return undefined;
}

function describeFailure(file: string, error: unknown): string {
  // The report's own text never reaches a prompt: it may be anything the tests wrote.
  const position = error instanceof CoverageError ? error.position : undefined;
  const where = position
    ? 'line' in position
      ? ` (line ${position.line})`
      : ` (byte ${position.byte})`
    : '';
  return `the coverage report ${file} could not be read${where}`;
}

export interface QaOptions {
  /** The baseline run's counts at the base commit: fewer tests than that fails QA. */
  baseline?: TestCounts | null;
}

/** Runs only the test command, for the baseline count at the base commit. */
export async function baselineCounts(
  commands: QaCommands,
  runner: QaRunner,
): Promise<TestCounts | null> {
  if (!commands.test) return null;
  const run = await runCommand(commands.test, runner, commands.timeoutMs);
  return testCounts(run.raw);
}

export async function runQa(
  root: string,
  commands: QaCommands,
  runner: QaRunner,
  options: QaOptions = {},
): Promise<QaResult> {
  const problems: string[] = [];
  // Reports left from earlier runs (or planted by the agent) must not count for this one.
  for (const file of findReports(root, commands.coverageFiles))
    rmSync(path.join(root, file), { force: true });

  const testRun = commands.test
    ? await runCommand(commands.test, runner, commands.timeoutMs)
    : null;
  const counts = testRun ? testCounts(testRun.raw) : null;
  const baseline = options.baseline ?? null;
  if (!testRun) problems.push('no test-command is configured: nothing showed the change works');
  else if (testRun.timedOut)
    problems.push(`\`${testRun.command}\` timed out after ${commands.timeoutMs / 1000} s`);
  else if (testRun.exitCode !== 0)
    problems.push(
      `\`${testRun.command}\` exited with ${testRun.exitCode}${counts ? ` (${counts.failed} of ${counts.total} tests failed)` : ''}`,
    );
  else if (counts && counts.failed > 0)
    problems.push(`${counts.failed} of ${counts.total} tests failed although the command exited 0`);
  if (testRun && !testRun.timedOut) {
    if (counts && counts.total === 0) problems.push('no test ran: the test summary counts 0 tests');
    else if (counts && baseline && counts.total < baseline.total)
      problems.push(
        `${counts.total} tests ran, fewer than the ${baseline.total} that ran at the base commit: tests were removed or skipped`,
      );
    else if (!counts && baseline)
      problems.push(
        `the test summary could not be read, although the run at the base commit printed one (${baseline.runner})`,
      );
  }

  const lintRun = commands.lint
    ? await runCommand(commands.lint, runner, commands.timeoutMs)
    : null;
  if (lintRun && lintRun.exitCode !== 0)
    problems.push(`\`${lintRun.command}\` exited with ${lintRun.exitCode}`);

  const coverageRun = commands.coverage
    ? await runCommand(commands.coverage, runner, commands.timeoutMs)
    : null;
  if (coverageRun && coverageRun.exitCode !== 0)
    problems.push(`\`${coverageRun.command}\` exited with ${coverageRun.exitCode}`);
  let coverage: Totals | null = null;
  const files = findReports(root, commands.coverageFiles);
  const readable: string[] = [];
  for (const file of files) {
    const refused = refusal(root, file);
    if (refused) problems.push(refused);
    else readable.push(file);
  }
  if (readable.length > 0) {
    const reports = [];
    for (const file of readable) {
      try {
        reports.push(await parseCoverageFile(path.join(root, file), { root }));
      } catch (error) {
        problems.push(describeFailure(file, error));
      }
    }
    if (reports.length > 0) coverage = totals(mergeReports(reports));
  } else if (
    files.length === 0 &&
    commands.coverageFiles.length > 0 &&
    (commands.coverage || commands.test)
  ) {
    problems.push(`no coverage report matched ${commands.coverageFiles.join(', ')}`);
  }
  const strip = ({ raw: _raw, ...run }: CommandRun & { raw: string }): CommandRun => run;
  return {
    passed: problems.length === 0,
    test: testRun ? strip(testRun) : null,
    counts,
    lint: lintRun ? strip(lintRun) : null,
    coverageRun: coverageRun ? strip(coverageRun) : null,
    coverage,
    problems: problems.map(redactSecrets),
  };
}
