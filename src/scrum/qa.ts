import { spawn } from 'node:child_process';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { execFileSync } from 'node:child_process';
import { mergeReports, parseCoverageFile, totals, type Totals } from '../coverage/index.js';

/**
 * QA is ours, not the model's: after each developer round the configured commands run in the
 * workspace, and what they print and write is read here. A round whose tests fail is never
 * approved, whatever the model says about it.
 */

export interface QaCommands {
  test: string;
  coverage: string;
  lint: string;
  /** Globs of the coverage reports the coverage command writes. */
  coverageFiles: string[];
  timeoutMs: number;
}

export interface CommandRun {
  command: string;
  exitCode: number;
  timedOut: boolean;
  /** The end of what it printed, for the developer's next round. */
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

const OUTPUT_KEPT = 6000;

export function runCommand(
  command: string,
  root: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<CommandRun> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd: root, env, detached: true });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_KEPT * 4);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (error) => keep(Buffer.from(error.message)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        command,
        exitCode: code ?? 1,
        timedOut,
        output: output.length > OUTPUT_KEPT ? `[…]\n${output.slice(-OUTPUT_KEPT)}` : output,
      });
    });
  });
}

/** The runners whose summary lines we read, most specific first. */
const COUNT_PATTERNS: {
  runner: string;
  pattern: RegExp;
  read: (m: RegExpMatchArray) => [number, number];
}[] = [
  {
    // jest: "Tests:       1 failed, 2 skipped, 3 passed, 6 total"
    runner: 'jest',
    pattern: /^Tests:\s+(.*\d+ total)\s*$/m,
    read: (m) => [count(m[1]!, 'passed'), count(m[1]!, 'failed')],
  },
  {
    // vitest: "      Tests  1 failed | 3 passed (4)"
    runner: 'vitest',
    pattern: /^\s*Tests\s+((?:\d+ \w+(?: \| )?)+)\s*\(\d+\)\s*$/m,
    read: (m) => [count(m[1]!, 'passed'), count(m[1]!, 'failed')],
  },
  {
    // node --test: "# pass 3" / "# fail 1"
    runner: 'node:test',
    pattern: /^# pass (\d+)\s*$[\s\S]*?^# fail (\d+)\s*$/m,
    read: (m) => [Number(m[1]), Number(m[2])],
  },
  {
    // pytest: "==== 1 failed, 3 passed in 0.12s ===="
    runner: 'pytest',
    pattern: /^=+ (.*(?:passed|failed).*) in [\d.]+s(?: \([^)]*\))? =+\s*$/m,
    read: (m) => [count(m[1]!, 'passed'), count(m[1]!, 'failed')],
  },
  {
    // mocha: "  3 passing (12ms)" and "  1 failing"
    runner: 'mocha',
    pattern: /^\s+(\d+) passing \([^)]*\)\s*$(?:[\s\S]*?^\s+(\d+) failing\s*$)?/m,
    read: (m) => [Number(m[1]), Number(m[2] ?? 0)],
  },
];

function count(summary: string, word: string): number {
  return Number(new RegExp(`(\\d+) ${word}`).exec(summary)?.[1] ?? 0);
}

/** The passed and failed tests a runner's summary states, when we recognise it. */
export function testCounts(output: string): TestCounts | null {
  for (const { runner, pattern, read } of COUNT_PATTERNS) {
    const found = pattern.exec(output);
    if (!found) continue;
    const [passed, failed] = read(found);
    return { passed, failed, total: passed + failed, runner };
  }
  return null;
}

/** Coverage reports the coverage command left in the workspace (tracked or not). */
function reportFiles(root: string, globs: string[]): string[] {
  if (globs.length === 0) return [];
  const matches = picomatch(globs, { dot: true });
  const listed = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--ignored', '--exclude-standard', '-z'],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return listed.split('\0').filter((path) => path !== '' && matches(path));
}

export async function runQa(
  root: string,
  commands: QaCommands,
  env: NodeJS.ProcessEnv,
): Promise<QaResult> {
  const problems: string[] = [];
  const test = commands.test
    ? await runCommand(commands.test, root, env, commands.timeoutMs)
    : null;
  const counts = test ? testCounts(test.output) : null;
  if (!test) problems.push('no test-command is configured: nothing showed the change works');
  else if (test.timedOut)
    problems.push(`\`${test.command}\` timed out after ${commands.timeoutMs / 1000} s`);
  else if (test.exitCode !== 0)
    problems.push(
      `\`${test.command}\` exited with ${test.exitCode}${counts ? ` (${counts.failed} of ${counts.total} tests failed)` : ''}`,
    );
  else if (counts && counts.failed > 0)
    problems.push(`${counts.failed} of ${counts.total} tests failed although the command exited 0`);

  const lint = commands.lint
    ? await runCommand(commands.lint, root, env, commands.timeoutMs)
    : null;
  if (lint && lint.exitCode !== 0)
    problems.push(`\`${lint.command}\` exited with ${lint.exitCode}`);

  const coverageRun = commands.coverage
    ? await runCommand(commands.coverage, root, env, commands.timeoutMs)
    : null;
  if (coverageRun && coverageRun.exitCode !== 0)
    problems.push(`\`${coverageRun.command}\` exited with ${coverageRun.exitCode}`);
  let coverage: Totals | null = null;
  const files = reportFiles(root, commands.coverageFiles);
  if (files.length > 0) {
    try {
      const reports = await Promise.all(
        files.map((file) => parseCoverageFile(join(root, file), { root })),
      );
      coverage = totals(mergeReports(reports));
    } catch (error) {
      problems.push(`the coverage report could not be read: ${(error as Error).message}`);
    }
  } else if (commands.coverageFiles.length > 0 && (commands.coverage || commands.test)) {
    problems.push(`no coverage report matched ${commands.coverageFiles.join(', ')}`);
  }
  return { passed: problems.length === 0, test, counts, lint, coverageRun, coverage, problems };
}
