import { execFile } from 'node:child_process';
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type {
  ContentBlock,
  ModelAnswer,
  ModelMessage,
  ModelPort,
  ModelRequest,
  Role,
  Usage,
} from '../model/port.js';
import type { ToolCall, ToolResult } from './tools/index.js';
import { Budget } from './budget.js';
import {
  developerSystem,
  feedbackText,
  findingsText,
  PRODUCT_OWNER,
  qaText,
  REVIEWER,
  storyText,
} from './prompts.js';
import { runQa, type QaCommands, type QaResult } from './qa.js';
import { reviewSchema, storySchema, verdictSchema, type Story, type Verdict } from './roles.js';
import { scanDiff, type Finding } from './security.js';
import { fenceCode, fenceUntrusted } from './untrusted.js';

/**
 * The Scrum Master's loop for one issue: the product owner's story, then rounds of development,
 * our own QA, a security review and the product owner's verdict, within a hard budget and a fixed
 * number of revisions. It changes only the workspace; the worker action publishes the result.
 */

export type Outcome =
  'approved' | 'rejected' | 'tests-failing' | 'budget-exhausted' | 'blocked-by-policy' | 'error';

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
}

/** The developer agent's tools as the loop uses them (src/scrum/tools implements them). */
export interface AgentTools {
  definitions(): Record<string, unknown>[];
  run(call: ToolCall): Promise<ToolResult>;
}

export interface ScrumDeps {
  model: ModelPort;
  tools: AgentTools;
  /** The workspace: a git checkout at `baseSha`. */
  root: string;
  baseSha: string;
  /** The environment QA's commands run with: scrubbed of every credential. */
  qaEnv: NodeJS.ProcessEnv;
  repositoryMap: string;
  /** Paths under protection that the round changed (bash can write them; this catches it). */
  changedProtectedPaths(): Promise<string[]>;
  logger: Logger;
}

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
}

export interface ScrumResult {
  outcome: Outcome;
  /** Why it ended so, in one line. */
  reason: string;
  story: Story | null;
  rounds: RoundRecord[];
  findings: Finding[];
  revisions: number;
  models: Record<Role, string>;
  usage: Usage;
  costUsd: number;
  /** Cache reads as a share of all input tokens, in all and by role. */
  cacheReadShare: number;
  cacheReadShareByRole: Record<Role, number>;
  calls: number;
}

class BudgetExhausted extends Error {}

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
    for (const answer of answers) {
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

  /** Refuses, before sending, a call whose worst case would pass the budget. */
  private async admit(
    request: ModelRequest,
    closing: boolean,
    schema?: z.ZodType<unknown>,
  ): Promise<void> {
    const worst = await this.model.worstCaseUsd(request, schema);
    if (!this.budget.allows(worst, closing))
      throw new BudgetExhausted(
        `the next ${request.role} call could cost up to $${worst.toFixed(4)}, and $${this.budget.spentUsd.toFixed(4)} of $${this.budget.limitUsd.toFixed(4)} is spent${closing ? '' : ` ($${this.budget.reserveUsd.toFixed(4)} kept to finish the round)`}`,
      );
  }

  async send(request: ModelRequest): Promise<ModelAnswer> {
    await this.admit(request, false);
    const answer = await this.model.send(request);
    this.account(request.role, [answer]);
    return answer;
  }

  async structured<T>(request: ModelRequest, schema: z.ZodType<T>, closing: boolean): Promise<T> {
    // With the schema, the worst case covers asking again once after an invalid answer.
    await this.admit(request, closing, schema);
    try {
      const { value, answers } = await this.model.structured(request, schema);
      this.account(request.role, answers);
      return value as T;
    } catch (error) {
      const answers = (error as { answers?: ModelAnswer[] }).answers;
      if (answers) this.account(request.role, answers);
      throw error;
    }
  }
}

function git(root: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: root, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`git ${args[0]} failed: ${stderr.trim() || error.message}`))
        : resolve(stdout),
    );
  });
}

/** Everything the round changed against the base, new files included. */
async function diffOf(root: string, baseSha: string): Promise<string> {
  await git(root, ['add', '--all']);
  return git(root, ['diff', '--cached', '--no-color', '--no-ext-diff', baseSha]);
}

export async function runScrum(
  deps: ScrumDeps,
  issue: ScrumIssue,
  settings: ScrumSettings,
): Promise<ScrumResult> {
  const budget = new Budget(settings.budget.limitUsd, settings.budget.reserveUsd);
  const calls = new Calls(deps.model, budget);
  const rounds: RoundRecord[] = [];
  let story: Story | null = null;
  const finish = (outcome: Outcome, reason: string): ScrumResult => {
    return {
      outcome,
      reason,
      story,
      rounds,
      findings: rounds.at(-1)?.findings ?? [],
      revisions: Math.max(rounds.length - 1, 0),
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

  try {
    story = await writeStory(calls, issue, deps.repositoryMap, settings);
    const messages: ModelMessage[] = [];
    let pending: ContentBlock[] = [];
    let feedback = `${storyText(story)}\n\nImplement it now.`;
    for (let round = 0; round <= settings.maxRevisions; round++) {
      messages.push({ role: 'user', content: [...pending, { type: 'text', text: feedback }] });
      const developed = await develop(calls, deps, messages, settings);
      pending = developed.pending;
      const qa = await runQa(deps.root, settings.qa, deps.qaEnv);
      const diff = await diffOf(deps.root, deps.baseSha);
      const protectedChanges = await deps.changedProtectedPaths();
      const findings = [
        ...scanDiff(diff, settings.protectedPaths),
        ...protectedChanges
          .filter((path) => !diff.includes(`b/${path}`))
          .map((path) => ({
            severity: 'high' as const,
            source: 'scan' as const,
            rule: 'protected-path',
            file: path,
            description: `changes the protected path ${path}`,
          })),
        ...(diff.trim() === '' ? [] : await securityReview(calls, diff, settings)),
      ];
      const blocked = findings.some((f) => f.source === 'scan' && f.severity === 'high');
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
      };
      rounds.push(record);
      // A round whose tests fail, or that trips a deterministic rule, is never put to the vote.
      if (qa.passed && !blocked && diff.trim() !== '') {
        record.verdict = await judge(calls, story, qa, findings, diff, settings);
        if (record.verdict.decision === 'approve')
          return finish('approved', 'the product owner approved the work');
      }
      feedback =
        diff.trim() === '' && qa.passed
          ? 'Nothing in the repository changed. Implement the story, then stop calling tools.'
          : feedbackText(qa, findings, record.verdict);
    }
    const last = rounds.at(-1)!;
    if (last.findings.some((f) => f.source === 'scan' && f.severity === 'high'))
      return finish(
        'blocked-by-policy',
        findingsText(last.findings.filter((f) => f.severity === 'high')),
      );
    if (!last.qa.passed) return finish('tests-failing', last.qa.problems.join('; '));
    return finish(
      'rejected',
      `still not approved after ${settings.maxRevisions} revision${settings.maxRevisions === 1 ? '' : 's'}`,
    );
  } catch (error) {
    if (error instanceof BudgetExhausted) return finish('budget-exhausted', error.message);
    deps.logger.error(`The Scrum Master stopped: ${(error as Error).message}`);
    return finish('error', (error as Error).message);
  }
}

async function writeStory(
  calls: Calls,
  issue: ScrumIssue,
  repositoryMap: string,
  settings: ScrumSettings,
): Promise<Story> {
  const fenced = [
    fenceUntrusted('issue title', issue.title, 300).text,
    fenceUntrusted('issue body', issue.body, settings.maxIssueChars).text,
    ...issue.comments
      .slice(-10)
      .map((comment, i) => fenceUntrusted(`comment ${i + 1}`, comment, 4000).text),
  ].join('\n\n');
  return calls.structured<Story>(
    {
      role: 'po',
      system: PRODUCT_OWNER,
      messages: [
        {
          role: 'user',
          content: `Write the user story for issue #${issue.number}.\n\n${fenced}\n\nThe repository's files:\n${repositoryMap}`,
        },
      ],
      maxTokens: settings.maxTokens.po,
    },
    storySchema,
    false,
  );
}

/** One developer round: model turns with tool calls, at most `maxTurns`. */
async function develop(
  calls: Calls,
  deps: ScrumDeps,
  messages: ModelMessage[],
  settings: ScrumSettings,
): Promise<{ turns: number; pending: ContentBlock[] }> {
  const system = developerSystem(deps.repositoryMap);
  for (let turn = 1; turn <= settings.maxTurns; turn++) {
    const answer = await calls.send({
      role: 'dev',
      system,
      tools: deps.tools.definitions(),
      messages,
      maxTokens: settings.maxTokens.dev,
    });
    messages.push({ role: 'assistant', content: answer.content });
    const uses = answer.content.filter((block) => block.type === 'tool_use');
    if (uses.length === 0) return { turns: turn, pending: [] };
    const results: ContentBlock[] = [];
    for (const use of uses) {
      const result = await deps.tools.run({
        id: String(use['id']),
        name: String(use['name']),
        input: (use['input'] ?? {}) as Record<string, unknown>,
      });
      results.push({
        type: 'tool_result',
        tool_use_id: use['id'],
        content: result.content,
        is_error: result.isError,
      });
    }
    // The results of the last allowed turn open the next round's message: no turn is added.
    if (turn === settings.maxTurns) return { turns: turn, pending: results };
    messages.push({ role: 'user', content: results });
  }
  return { turns: settings.maxTurns, pending: [] };
}

async function securityReview(
  calls: Calls,
  diff: string,
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
          content: `Review this diff.\n\n${fenceCode('diff written by the developer agent', diff, settings.maxDiffChars).text}`,
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
