import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type {
  CallOptions,
  ContentBlock,
  ModelAnswer,
  ModelMessage,
  ModelPort,
  ModelRequest,
  Role,
  Usage,
} from '../model/port.js';
import { answersOf, SpendLimitError } from '../model/errors.js';
import type { ToolCall, ToolResult } from './tools/index.js';
import { gitAsync } from './tools/git.js';
import { Budget } from './budget.js';
import {
  developerSystem,
  feedbackText,
  fencedMap,
  findingsText,
  PRODUCT_OWNER,
  qaText,
  REVIEWER,
  storyText,
} from './prompts.js';
import {
  baselineCounts,
  localRunner,
  runQa,
  type QaCommands,
  type QaResult,
  type QaRunner,
  type RawRun,
  type TestCounts,
} from './qa.js';
import {
  reviewSchema,
  splitSchema,
  storySchema,
  verdictSchema,
  type Story,
  type SubIssue,
  type Verdict,
} from './roles.js';
import {
  addedLines,
  MIXED_CONFIG_FILES,
  redactSecrets,
  scanDiff,
  testConfigFindings,
  type Finding,
} from './security.js';
import { fenceCode, fenceUntrusted } from './untrusted.js';

/**
 * The Scrum Master's loop for one issue: the product owner's story, then rounds of development,
 * our own QA, a security review and the product owner's verdict, within a hard budget and a fixed
 * number of revisions. It changes only the workspace; the worker action publishes the result.
 */

export type Outcome =
  | 'approved'
  | 'rejected'
  | 'tests-failing'
  | 'budget-exhausted'
  | 'deadline'
  | 'blocked-by-policy'
  | 'split'
  | 'error';

export interface ScrumIssue {
  number: number;
  title: string;
  body: string;
  comments: string[];
}

export interface ScrumSettings {
  /** Rounds after the first that the product owner may ask for. */
  maxRevisions: number;
  /** Developer turns (model calls) per round; never one more. */
  maxTurns: number;
  qa: QaCommands;
  protectedPaths: string[];
  budget: { limitUsd: number; reserveUsd: number };
  maxTokens: Record<Role, number>;
  /** Characters of the issue's text (and of each comment) that reach a prompt. */
  maxIssueChars: number;
  /** Characters of the diff the reviewers read. */
  maxDiffChars: number;
  /**
   * When the work is too large for one pull request: `now` asks the product owner for a split
   * instead of a story (the issue is labelled large); otherwise a story that needs more than
   * `maxFiles` files is split.
   */
  split: { now: boolean; maxFiles: number };
}

/** Where the rounds start when this is not the issue's first attempt, or a conflict task. */
export interface ScrumStart {
  /** The story as the product owner wrote it before: it is not asked for again. */
  story: Story;
  /** Rounds earlier attempts finished: they count against `maxRevisions`. */
  rounds: number;
  /** What the developer hears first, after the story: what is done, what to do now. */
  brief: string;
}

/** The developer agent's tools as the loop uses them (src/scrum/tools implements them). */
export interface AgentTools {
  definitions(): Record<string, unknown>[];
  run(call: ToolCall): Promise<ToolResult>;
  /**
   * Runs a command the way the agent's commands run (its sandbox, user and environment). QA's
   * commands run the agent's code, so they go through it when the tools have it.
   */
  runCommand?(command: string, timeoutMs: number): Promise<RawRun>;
}

export interface ScrumDeps {
  model: ModelPort;
  tools: AgentTools;
  /** The workspace: a git checkout at `baseSha`. */
  root: string;
  baseSha: string;
  /**
   * The environment QA's commands run with, scrubbed of every credential, when neither `qaRunner`
   * nor `tools.runCommand` is there to run them in the agent's sandbox.
   */
  qaEnv: NodeJS.ProcessEnv;
  /** Runs QA's commands; by default `tools.runCommand`, else the runner's user with `qaEnv`. */
  qaRunner?: QaRunner;
  repositoryMap: string;
  /** Paths under protection that the round changed (bash can write them; this catches it). */
  changedProtectedPaths(): Promise<string[]>;
  logger: Logger;
  /**
   * Called when a round has been checked (QA and the security review), before the loop goes on:
   * the worker commits and pushes a checkpoint there. A round cut short by the deadline or the
   * budget is checked and handed over too, then the loop ends.
   */
  roundChecked?(round: RoundRecord, story: Story, spentUsd: number): Promise<void>;
  /** Why the job must stop now (its deadline is near), or null. Asked before each developer turn. */
  deadline?(): string | null;
  /** Called as each phase begins, for the progress comment. */
  phase?(phase: ScrumPhase): Promise<void>;
}

export type ScrumPhase = 'story' | 'development' | 'qa' | 'review' | 'verdict';

export interface RoundRecord {
  round: number;
  /** Developer turns used. */
  turns: number;
  qa: {
    passed: boolean;
    summary: string;
    tests: QaResult['counts'];
    coverage: number | null;
    problems: string[];
  };
  findings: Finding[];
  verdict: Verdict | null;
  /** The round was cut short (budget, error) before its changes were checked. */
  unscanned?: true;
  /** The developer's turns were cut short by the deadline or the budget; its work was checked. */
  cut?: 'deadline' | 'budget';
  /** What the developer said at the end of the round, shortened: the resume note keeps it. */
  summary: string;
}

export interface ScrumResult {
  outcome: Outcome;
  /** Why it ended so, in one line. */
  reason: string;
  story: Story | null;
  rounds: RoundRecord[];
  findings: Finding[];
  /**
   * The workspace may hold changes that no QA run or scan saw (a round cut short by the budget or
   * an error): they must not be published as they are.
   */
  unscannedChanges: boolean;
  /** The tests counted at the base commit before the first round, when the summary was read. */
  baselineTests: TestCounts | null;
  revisions: number;
  /** The product owner's split, when the outcome is `split`: ordered, each small enough. */
  split: SubIssue[];
  models: Record<Role, string>;
  usage: Usage;
  costUsd: number;
  /** Cache reads as a share of all input tokens, in all and by role. */
  cacheReadShare: number;
  cacheReadShareByRole: Record<Role, number>;
  calls: number;
}

class BudgetExhausted extends Error {}

/** The text of an answer's text blocks, on one line, shortened. */
function saidText(content: ContentBlock[], max = 300): string {
  const said = content
    .filter((block) => block.type === 'text')
    .map((block) => String(block['text'] ?? ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return said.length > max ? `${said.slice(0, max - 1)}…` : said;
}

/** Model calls made through the budget, with usage and cost summed. */
const noUsage = (): Usage => ({ input: 0, output: 0, cacheCreation: 0, cacheRead: 0 });

/** Cache reads as a share of all input (plain, cache writes and cache reads). */
export function cacheShare(usage: Usage): number {
  const input = usage.input + usage.cacheCreation + usage.cacheRead;
  return input === 0 ? 0 : usage.cacheRead / input;
}

class Calls {
  usage: Usage = noUsage();
  byRole: Record<Role, Usage> = { po: noUsage(), dev: noUsage(), review: noUsage() };
  count = 0;

  constructor(
    private readonly model: ModelPort,
    readonly budget: Budget,
  ) {}

  private account(role: Role, answers: ModelAnswer[]): void {
    for (const answer of answers.flatMap((a) => [...(a.failedAttempts ?? []), a])) {
      this.count++;
      this.budget.record(answer.costUsd);
      for (const usage of [this.usage, this.byRole[role]]) {
        usage.input += answer.usage.input;
        usage.output += answer.usage.output;
        usage.cacheCreation += answer.usage.cacheCreation;
        usage.cacheRead += answer.usage.cacheRead;
      }
    }
  }

  /**
   * Refuses, before sending, a call whose worst case would pass the budget; the options it
   * returns refuse each further attempt after a stream error the same way, counting every failed
   * attempt at the call's worst case (what it really cost is not known until the call ends).
   */
  private async admit(
    request: ModelRequest,
    closing: boolean,
    schema?: z.ZodType<unknown>,
  ): Promise<CallOptions> {
    const worst = await this.model.worstCaseUsd(request, schema);
    const check = (held: number) => {
      if (!this.budget.allows(held + worst, closing))
        throw new BudgetExhausted(
          `the next ${request.role} call${held > 0 ? ' (sent again after a stream error)' : ''} could cost up to $${worst.toFixed(4)}, and $${(this.budget.spentUsd + held).toFixed(4)} of $${this.budget.limitUsd.toFixed(4)} is spent${closing ? '' : ` ($${this.budget.reserveUsd.toFixed(4)} kept to finish the round)`}`,
        );
    };
    check(0);
    let held = 0;
    return {
      beforeRetry: () => {
        held += worst;
        check(held);
      },
    };
  }

  async send(request: ModelRequest): Promise<ModelAnswer> {
    const options = await this.admit(request, false);
    try {
      const answer = await this.model.send(request, options);
      this.account(request.role, [answer]);
      return answer;
    } catch (error) {
      this.account(request.role, answersOf(error));
      throw error;
    }
  }

  async structured<T>(request: ModelRequest, schema: z.ZodType<T>, closing: boolean): Promise<T> {
    // With the schema, the worst case covers asking again once after an invalid answer.
    const options = await this.admit(request, closing, schema);
    try {
      const { value, answers } = await this.model.structured(request, schema, options);
      this.account(request.role, answers);
      return value as T;
    } catch (error) {
      this.account(request.role, answersOf(error));
      throw error;
    }
  }
}

/** Everything the round changed against the base, new files included; our git, minimal env. */
async function diffOf(root: string, baseSha: string): Promise<string> {
  await gitAsync(root, ['add', '--all']);
  return gitAsync(root, [
    'diff',
    '--cached',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    // A `.gitattributes` of the round's own (`*.ts -diff`) must not turn its changes into
    // "Binary files differ" and hide them from the review.
    '--text',
    baseSha,
  ]);
}

/**
 * git's own files that decide what our and the worker's git commands run: the configuration
 * (filters, fsmonitor, pager, hooksPath…) and the hooks. A snapshot taken before the rounds is
 * compared after each; the editor refuses `.git` and `sandbox: user` makes it read-only, but in
 * `sandbox: none` a command can write it.
 */
type GitState = Map<string, string | null>;

async function gitState(root: string): Promise<GitState> {
  const files: GitState = new Map();
  let common: string;
  let own: string;
  try {
    common = path.resolve(root, (await gitAsync(root, ['rev-parse', '--git-common-dir'])).trim());
    own = path.resolve(root, (await gitAsync(root, ['rev-parse', '--git-dir'])).trim());
  } catch {
    return files;
  }
  const read = (file: string): string | null => {
    const stats = lstatSync(file, { throwIfNoEntry: false });
    if (!stats) return null;
    if (!stats.isFile()) return stats.isSymbolicLink() ? '(symbolic link)' : '(not a file)';
    return readFileSync(file, 'latin1');
  };
  for (const file of [path.join(common, 'config'), path.join(own, 'config.worktree')])
    files.set(file, read(file));
  const hooks = path.join(common, 'hooks');
  files.set(hooks, read(hooks));
  try {
    for (const name of readdirSync(hooks))
      files.set(path.join(hooks, name), read(path.join(hooks, name)));
  } catch {
    // No hooks directory.
  }
  return files;
}

/** The git files that differ from the snapshot. */
async function gitChanges(root: string, before: GitState): Promise<string[]> {
  const after = await gitState(root);
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names]
    .filter((name) => (before.get(name) ?? null) !== (after.get(name) ?? null))
    .map((name) => path.relative(root, name) || name)
    .sort();
}

/** package.json, pyproject.toml and setup.cfg the diff touches, before and after. */
async function mixedConfigTexts(
  root: string,
  baseSha: string,
  diff: string,
): Promise<{ path: string; before: string | null; after: string | null }[]> {
  const touched = new Set(
    addedLines(diff)
      .flatMap((file) => file.paths)
      .filter((file) => MIXED_CONFIG_FILES(file)),
  );
  const texts = [];
  for (const file of touched) {
    let before: string | null = null;
    try {
      before = await gitAsync(root, ['cat-file', 'blob', `${baseSha}:${file}`]);
    } catch {
      // Not in the base.
    }
    const full = path.join(root, file);
    const stats = lstatSync(full, { throwIfNoEntry: false });
    const after = stats?.isFile()
      ? readFileSync(full, 'utf8')
      : stats
        ? '(not a regular file)'
        : null;
    texts.push({ path: file, before, after });
  }
  return texts;
}

/** The high findings of a round, in one line for the result's reason. */
function highSummary(findings: Finding[]): string {
  const high = findings.filter((f) => f.severity === 'high');
  const list = high
    .map(
      (f) =>
        `${f.source === 'model' ? 'model review' : f.rule}${f.file ? ` (${f.file})` : ''}: ${f.description}`,
    )
    .join('; ')
    .replace(/\s+/g, ' ');
  return `${high.length} high-severity finding${high.length === 1 ? '' : 's'}: ${list.slice(0, 2000)}`;
}

export async function runScrum(
  deps: ScrumDeps,
  issue: ScrumIssue,
  settings: ScrumSettings,
  start: ScrumStart | null = null,
): Promise<ScrumResult> {
  const budget = new Budget(settings.budget.limitUsd, settings.budget.reserveUsd);
  const calls = new Calls(deps.model, budget);
  const rounds: RoundRecord[] = [];
  const first = start?.rounds ?? 0;
  let story: Story | null = start?.story ?? null;
  let split: SubIssue[] = [];
  let baseline: TestCounts | null = null;
  /** The round under way, until its record is kept. */
  let underway: { round: number; turns: number } | null = null;
  const finish = (outcome: Outcome, reason: string): ScrumResult => {
    if (underway) {
      // Its changes (if any) stay in the workspace, seen by neither QA nor the scan.
      rounds.push({
        round: underway.round,
        turns: underway.turns,
        qa: {
          passed: false,
          summary: 'not run: the round was cut short',
          tests: null,
          coverage: null,
          problems: [],
        },
        findings: [],
        verdict: null,
        unscanned: true,
        summary: '',
      });
      underway = null;
    }
    return {
      outcome,
      reason,
      story,
      rounds,
      // The last checked round's: a round cut short before its check found nothing.
      findings: [...rounds].reverse().find((round) => !round.unscanned)?.findings ?? [],
      unscannedChanges: rounds.some((round) => round.unscanned === true),
      baselineTests: baseline,
      revisions: Math.max(first + rounds.length - 1, 0),
      split,
      models: {
        po: deps.model.modelFor('po'),
        dev: deps.model.modelFor('dev'),
        review: deps.model.modelFor('review'),
      },
      usage: calls.usage,
      costUsd: budget.spentUsd,
      cacheReadShare: cacheShare(calls.usage),
      cacheReadShareByRole: {
        po: cacheShare(calls.byRole.po),
        dev: cacheShare(calls.byRole.dev),
        review: cacheShare(calls.byRole.review),
      },
      calls: calls.count,
    };
  };
  const tools = deps.tools;
  const runner: QaRunner =
    deps.qaRunner ??
    (tools.runCommand
      ? (command, timeoutMs) => tools.runCommand!(command, timeoutMs)
      : localRunner(deps.root, deps.qaEnv));

  try {
    const gitBefore = await gitState(deps.root);
    const map = fencedMap(deps.repositoryMap);
    if (!story) {
      await deps.phase?.('story');
      if (!settings.split.now) story = await writeStory(calls, issue, map, settings);
      if (settings.split.now || (story?.files?.length ?? 0) > settings.split.maxFiles) {
        const why = settings.split.now
          ? 'the issue is labelled as large'
          : `the story needs ${story!.files!.length} files, more than ${settings.split.maxFiles}`;
        split = await proposeSplit(calls, issue, map, settings, why);
        return finish('split', `${why}: split into ${split.length} issues`);
      }
    }
    const current = story!;
    // The tests as they are at the base: no round may run fewer.
    baseline = await baselineCounts(settings.qa, runner);
    const system = developerSystem(map);
    const messages: ModelMessage[] = [];
    let pending: ContentBlock[] = [];
    let feedback = `${storyText(current)}\n\n${start?.brief ?? 'Implement it now.'}`;
    const last = Math.max(settings.maxRevisions, first);
    for (let round = first; round <= last; round++) {
      const progress = { round, turns: 0 };
      underway = progress;
      messages.push({ role: 'user', content: [...pending, { type: 'text', text: feedback }] });
      await deps.phase?.('development');
      const developed = await develop(calls, deps, messages, settings, system, progress);
      pending = developed.pending;
      await deps.phase?.('qa');
      const qa = await runQa(deps.root, settings.qa, runner, { baseline });
      await deps.phase?.('review');
      const { diff, findings } = await checkRound(calls, deps, settings, gitBefore);
      // A high finding blocks, the model reviewer's too: its prompt says "high blocks the merge".
      const blocked = findings.some((f) => f.severity === 'high');
      const record: RoundRecord = {
        round,
        turns: developed.turns,
        qa: {
          passed: qa.passed,
          summary: qaText(qa),
          tests: qa.counts,
          coverage: qa.coverage?.lines.percent ?? null,
          problems: qa.problems,
        },
        findings,
        verdict: null,
        summary: developed.said,
        ...(developed.cut ? { cut: developed.cut.kind } : {}),
      };
      rounds.push(record);
      underway = null;
      // A round whose tests fail, or with a high finding, is never put to the vote; nor is one
      // cut short, which the developer did not finish.
      if (qa.passed && !blocked && diff.trim() !== '' && !developed.cut) {
        await deps.phase?.('verdict');
        record.verdict = await judge(calls, current, qa, findings, diff, settings);
      }
      await deps.roundChecked?.(record, current, budget.spentUsd);
      if (developed.cut)
        return finish(
          developed.cut.kind === 'budget' ? 'budget-exhausted' : 'deadline',
          developed.cut.reason,
        );
      if (record.verdict?.decision === 'approve')
        return finish('approved', 'the product owner approved the work');
      const stop = deps.deadline?.();
      if (stop) return finish('deadline', stop);
      feedback =
        diff.trim() === '' && qa.passed && !blocked
          ? 'Nothing in the repository changed. Implement the story, then stop calling tools.'
          : feedbackText(qa, findings, record.verdict);
    }
    const final = rounds.at(-1)!;
    if (final.findings.some((f) => f.severity === 'high'))
      return finish('blocked-by-policy', highSummary(final.findings));
    if (!final.qa.passed) return finish('tests-failing', final.qa.problems.join('; '));
    return finish(
      'rejected',
      `still not approved after ${settings.maxRevisions} revision${settings.maxRevisions === 1 ? '' : 's'}`,
    );
  } catch (error) {
    if (error instanceof BudgetExhausted || error instanceof SpendLimitError)
      return finish('budget-exhausted', error.message);
    deps.logger.error(`The Scrum Master stopped: ${(error as Error).message}`);
    return finish('error', (error as Error).message);
  }
}

/**
 * The security review of a round: git's own files first (before any git command of ours), then
 * the deterministic scan of the diff, protected paths, test configuration, and the model review
 * of a diff small enough to be read in full.
 */
async function checkRound(
  calls: Calls,
  deps: ScrumDeps,
  settings: ScrumSettings,
  gitBefore: GitState,
): Promise<{ diff: string; findings: Finding[] }> {
  const tampered = await gitChanges(deps.root, gitBefore);
  if (tampered.length > 0)
    return {
      diff: '',
      findings: [
        {
          severity: 'high',
          source: 'scan',
          rule: 'git-internals',
          file: tampered[0]!,
          description: `changes git's own files (${tampered.join(', ')}): configuration and hooks there would run with the worker's rights. Undo that; nothing else of the round was checked`,
        },
      ],
    };
  const diff = await diffOf(deps.root, deps.baseSha);
  const scanned = scanDiff(diff, settings.protectedPaths);
  // Deduplicated on parsed paths, never by searching the diff's text.
  const flagged = new Set(scanned.filter((f) => f.rule === 'protected-path').map((f) => f.file));
  const protectedChanges = (await deps.changedProtectedPaths()).filter(
    (file) => !flagged.has(file),
  );
  const findings: Finding[] = [
    ...scanned,
    ...protectedChanges.map((file) => ({
      severity: 'high' as const,
      source: 'scan' as const,
      rule: 'protected-path',
      file,
      description: `changes the protected path ${file}`,
    })),
    ...testConfigFindings(await mixedConfigTexts(deps.root, deps.baseSha, diff)),
  ];
  if (diff.trim() === '') return { diff, findings };
  const fenced = fenceCode('diff written by the developer agent', diff, settings.maxDiffChars);
  if (fenced.cut)
    // Nobody may approve what the reviewers could not read in full.
    findings.push({
      severity: 'high',
      source: 'scan',
      rule: 'diff-too-large',
      description: `the change is larger than the reviewers can read: ${diff.length} characters, at most ${settings.maxDiffChars}. Make it smaller`,
    });
  else findings.push(...(await securityReview(calls, fenced.text, settings)));
  return { diff, findings };
}

/** The issue's text, fenced as data: anyone can write an issue. */
function issueText(issue: ScrumIssue, settings: ScrumSettings): string {
  return [
    fenceUntrusted('issue title', issue.title, 300).text,
    fenceUntrusted('issue body', issue.body, settings.maxIssueChars).text,
    ...issue.comments
      .slice(-10)
      .map((comment, i) => fenceUntrusted(`comment ${i + 1}`, comment, 4000).text),
  ].join('\n\n');
}

async function writeStory(
  calls: Calls,
  issue: ScrumIssue,
  fencedRepositoryMap: string,
  settings: ScrumSettings,
): Promise<Story> {
  const fenced = issueText(issue, settings);
  return calls.structured<Story>(
    {
      role: 'po',
      system: PRODUCT_OWNER,
      messages: [
        {
          role: 'user',
          content: `Write the user story for issue #${issue.number}.\n\n${fenced}\n\nThe repository's files:\n${fencedRepositoryMap}`,
        },
      ],
      maxTokens: settings.maxTokens.po,
    },
    storySchema,
    false,
  );
}

/** The product owner's split of work too large for one pull request. */
async function proposeSplit(
  calls: Calls,
  issue: ScrumIssue,
  fencedRepositoryMap: string,
  settings: ScrumSettings,
  why: string,
): Promise<SubIssue[]> {
  const answer = await calls.structured<{ issues: SubIssue[] }>(
    {
      role: 'po',
      system: PRODUCT_OWNER,
      messages: [
        {
          role: 'user',
          content: `Split issue #${issue.number} into small issues: ${why}. Each must be one small pull request touching at most ${settings.split.maxFiles} files, with its own acceptance criteria; list them in the order they must be done (each may build on the ones before it).\n\n${issueText(issue, settings)}\n\nThe repository's files:\n${fencedRepositoryMap}`,
        },
      ],
      maxTokens: settings.maxTokens.po,
    },
    splitSchema,
    false,
  );
  return answer.issues;
}

/** One developer round: model turns with tool calls, at most `maxTurns`. */
async function develop(
  calls: Calls,
  deps: ScrumDeps,
  messages: ModelMessage[],
  settings: ScrumSettings,
  system: string,
  progress: { turns: number },
): Promise<{
  turns: number;
  pending: ContentBlock[];
  said: string;
  cut?: { kind: 'deadline' | 'budget'; reason: string };
}> {
  let said = '';
  for (let turn = 1; turn <= settings.maxTurns; turn++) {
    const late = deps.deadline?.();
    // What the round did so far is checked and kept; the turns end here.
    if (late)
      return { turns: turn - 1, pending: [], said, cut: { kind: 'deadline', reason: late } };
    let answer: ModelAnswer;
    try {
      answer = await calls.send({
        role: 'dev',
        system,
        tools: deps.tools.definitions(),
        messages,
        maxTokens: settings.maxTokens.dev,
      });
    } catch (error) {
      // The reserve still pays for the review that checks what the round did.
      if (error instanceof BudgetExhausted && turn > 1)
        return {
          turns: turn - 1,
          pending: [],
          said,
          cut: { kind: 'budget', reason: error.message },
        };
      throw error;
    }
    progress.turns = turn;
    said = saidText(answer.content) || said;
    // The API refuses an empty assistant message inside a conversation.
    messages.push({
      role: 'assistant',
      content: answer.content.length > 0 ? answer.content : [{ type: 'text', text: '(no answer)' }],
    });
    const uses = answer.content.filter((block) => block.type === 'tool_use');
    if (uses.length === 0) return { turns: turn, pending: [], said };
    // An answer cut off at max_tokens may carry a call whose input is incomplete: it is not run.
    const cut = answer.stopReason === 'max_tokens';
    const results: ContentBlock[] = [];
    for (const use of uses) {
      const result = cut
        ? { content: CUT_OFF, isError: true }
        : await deps.tools.run({
            id: String(use['id']),
            name: String(use['name']),
            input: (use['input'] ?? {}) as Record<string, unknown>,
          });
      results.push({
        type: 'tool_result',
        tool_use_id: use['id'],
        // Whatever the workspace printed, no token-shaped string reaches the model.
        content: redactSecrets(result.content),
        is_error: result.isError,
      });
    }
    // The results of the last allowed turn open the next round's message: no turn is added.
    if (turn === settings.maxTurns) return { turns: turn, pending: results, said };
    messages.push({ role: 'user', content: results });
  }
  return { turns: settings.maxTurns, pending: [], said };
}

export const CUT_OFF =
  'Your answer was cut off (max_tokens), so this call was not run: its input may be incomplete. Send the call again, in smaller pieces if it was large.';

async function securityReview(
  calls: Calls,
  fencedDiff: string,
  settings: ScrumSettings,
): Promise<Finding[]> {
  const review = await calls.structured<{
    findings: { severity: Finding['severity']; file?: string; description: string }[];
  }>(
    {
      role: 'review',
      system: REVIEWER,
      messages: [
        {
          role: 'user',
          content: `Review this diff.\n\n${fencedDiff}`,
        },
      ],
      maxTokens: settings.maxTokens.review,
    },
    reviewSchema,
    true,
  );
  return review.findings.map((finding) => ({
    ...finding,
    source: 'model' as const,
    rule: 'model-review',
  }));
}

async function judge(
  calls: Calls,
  story: Story,
  qa: QaResult,
  findings: Finding[],
  diff: string,
  settings: ScrumSettings,
): Promise<Verdict> {
  return calls.structured<Verdict>(
    {
      role: 'po',
      system: PRODUCT_OWNER,
      messages: [
        {
          role: 'user',
          content: `Judge the developer's work against the story. Approve only when every acceptance criterion holds.\n\n${storyText(story)}\n\n${qaText(qa)}\n\n${findingsText(findings)}\n\nThe change:\n${fenceCode('diff written by the developer agent', diff, settings.maxDiffChars).text}`,
        },
      ],
      maxTokens: settings.maxTokens.po,
    },
    verdictSchema,
    true,
  );
}
