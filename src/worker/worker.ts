import { randomBytes } from 'node:crypto';
import { safeInline } from '../markdown.js';
import { errorMessage } from '../errors.js';
import { describeTampering } from '../ledger/chain.js';
import { encodeEntries } from '../ledger/codec.js';
import { TRACKING_TITLE } from '../ledger/dashboard.js';
import type { CheckpointEntry, LedgerEntry, Outcome } from '../ledger/entries.js';
import { effectiveClaim, spendOn, utcDay } from '../ledger/fold.js';
import { identityOf } from '../ledger/identity.js';
import {
  appendComments,
  openLedger,
  rereadLedger,
  stateBefore,
  writeOnce,
  type Ledger,
  type LedgerSettings,
} from '../ledger/ledger.js';
import { knownViewer, type LedgerPort } from '../ledger/port.js';
import { claimTrailers, readClaimTrailers, type ClaimMark } from '../ledger/trailers.js';
import type { Logger } from '../logger.js';
import type { ModelPort, Usage } from '../model/port.js';
import {
  runScrum,
  type AgentTools,
  type RoundRecord,
  type ScrumPhase,
  type ScrumResult,
  type ScrumStart,
} from '../scrum/loop.js';
import type { Story } from '../scrum/roles.js';
import type { WorkerGit } from './git.js';
import type { WorkerContext, WorkerPort, WorkerPull } from './port.js';
import {
  progressBody,
  pullBody,
  CLAIMED_NOTE,
  PROGRESS_MARKER,
  subIssueBody,
  type Progress,
  type Step,
  type SummaryView,
  type WorkerOutcomeView,
} from './report.js';
import type { WorkerSettings } from './settings.js';

/**
 * The worker's use case: one claimed issue (or conflict task) from the ledger's check to the
 * release. It holds the branch only while its claim is effective, pushes only what the loop has
 * checked, keeps a checkpoint after every checked round, and says what happened everywhere
 * people look. Decisions that need no GitHub (what to push, what the release says) are small
 * functions below; the sequence of reads and writes is `work`.
 */

export type WorkerOutcome =
  | 'approved'
  | 'rejected'
  | 'failed'
  | 'budget-exhausted'
  | 'deadline'
  | 'decomposed'
  | 'superseded'
  | 'resolved';

export interface WorkerPorts {
  github: WorkerPort;
  ledger: LedgerPort;
}

/** What the worker needs of the workspace's agent tools: the loop's, plus an end. */
export interface WorkerTools extends AgentTools {
  close(): Promise<void>;
  warnings: readonly string[];
}

export interface WorkerDeps {
  ports: WorkerPorts;
  git: WorkerGit;
  model: ModelPort;
  /** Builds the agent's tools once the workspace holds the work (they strip git credentials). */
  tools(): WorkerTools;
  /** The repository map for the prompts, with the claimed files marked. */
  repositoryMap(): string;
  /** Protected paths the work changed against `base`. */
  changedProtectedPaths(base: string): Promise<string[]>;
  qaEnv: NodeJS.ProcessEnv;
  logger: Logger;
  now(): Date;
  /** When this job must have ended (its timeout-minutes from its start). */
  deadlineAt: Date;
  runUrl: string | null;
  /** This job's run and attempt, written into the branch's first commit. */
  runTag: string;
  modelSource: string;
}

export interface WorkerReport extends SummaryView {
  outcome: WorkerOutcome;
  /** The issue's title as read at the start: untrusted text. */
  issueTitle: string;
  /** The CI workflow started on the branch, when one was. */
  ciStarted: string | null;
  /** The loop stopped on an error (not a verdict or a limit): the step fails after recording it. */
  error: boolean;
  /** The issue's budget, not the day's, limited this attempt. */
  issueBudgetBound: boolean;
}

/** The claim no longer holds: another claim took the issue, or another worker the branch. */
class ClaimLost extends Error {}

const zeroUsage = (): Usage => ({ input: 0, output: 0, cacheCreation: 0, cacheRead: 0 });

/** The progress comment's steps in order, and the least time between two of its edits. */
const STEP_ORDER: Step[] = ['claimed', 'story', 'development', 'qa', 'review', 'verdict', 'pull'];
export const PROGRESS_INTERVAL_MS = 15_000;
const APPEND_ATTEMPTS = 8;

/** How long before its deadline a job stops starting new work: 10%, at least 3 minutes. */
export function deadlineMarginMs(totalMs: number): number {
  return Math.max(3 * 60_000, totalMs * 0.1);
}

/** Why this claim does not hold now, or null when it is the issue's effective claim. */
export function claimProblem(
  ledger: Ledger,
  mark: ClaimMark & { issue: number },
  now: Date,
): string | null {
  if (ledger.tampering.length > 0)
    return `the ledger was changed by hand (${ledger.tampering.map(describeTampering).join('; ')}); nothing is worked on until a maintainer recovers it`;
  const rec = ledger.state.issues.get(mark.issue);
  const holding = effectiveClaim(ledger.state, mark.issue, now);
  if (holding?.claim === mark.claim && holding.epoch === mark.epoch) return null;
  if (holding)
    return `the issue's effective claim is \`${holding.claim}\` (epoch ${holding.epoch}), not this one (epoch ${mark.epoch})`;
  if (rec?.released?.claim === mark.claim)
    return `this claim was already released (${rec.released.outcome})`;
  if (rec?.active?.claim === mark.claim) return "this claim's lease has passed";
  if ((rec?.epoch ?? 0) >= mark.epoch)
    return `this claim is void or ended: the issue is at epoch ${rec!.epoch}`;
  return 'the ledger holds no such claim';
}

/** The release the ledger gets for a result; null when the worker must not write one. */
export function releaseOf(outcome: WorkerOutcome): Outcome | null {
  switch (outcome) {
    case 'approved':
    case 'resolved':
      return 'pr-opened';
    case 'rejected':
      return 'rejected';
    case 'failed':
    case 'budget-exhausted':
      return 'failed';
    case 'deadline':
      return 'abandoned';
    case 'decomposed':
      return 'decomposed';
    case 'superseded':
      return null;
  }
}

function outcomeOf(result: ScrumResult, conflict: boolean): WorkerOutcome {
  switch (result.outcome) {
    case 'approved':
      return conflict ? 'resolved' : 'approved';
    case 'rejected':
      return 'rejected';
    case 'budget-exhausted':
      return 'budget-exhausted';
    case 'deadline':
      return 'deadline';
    case 'split':
      return 'decomposed';
    default:
      return 'failed';
  }
}

/** The resume note of a checkpoint: the story, what was done, the last QA, in bounded text. */
function resumeNote(story: Story, rounds: RoundRecord[], before: string): CheckpointEntry['note'] {
  const done = [
    before,
    ...rounds.map((r) => `round ${r.round + 1}: ${r.summary || '(no summary)'}`),
  ]
    .filter((line) => line !== '')
    .join('\n');
  const last = rounds.at(-1);
  return {
    story: {
      title: story.title,
      story: story.story,
      acceptanceCriteria: story.acceptanceCriteria,
    },
    done: done.length > 2000 ? done.slice(done.length - 2000) : done,
    qa: (last?.qa.summary ?? '').replace(/\s+/g, ' ').slice(0, 1000),
  };
}

export async function work(settings: WorkerSettings, deps: WorkerDeps): Promise<WorkerReport> {
  const w = settings.work;
  const mark = { claim: w.claim, epoch: w.epoch };
  const labels = settings.labels;
  const warnings: string[] = [];
  const log = deps.logger;

  const ctx = await deps.ports.github.context(
    w.issue,
    w.branch,
    [labels.inProgress, labels.completed, labels.failed, labels.conflict],
    w.writer || undefined,
  );
  const ledgerSettings: LedgerSettings = {
    label: labels.coordination,
    writers: settings.ledgerWriters.map(identityOf),
    title: TRACKING_TITLE,
  };
  const ledgerPort = knownViewer(deps.ports.ledger, ctx.viewer);
  let ledger = await openLedger(ledgerPort, ledgerSettings);
  const rec = ledger.state.issues.get(w.issue);
  const earlierUsd = (rec?.spendUsd ?? 0) - (rec?.spendBefore ?? 0);
  // A re-run of the same job holds the same claim: the claim's entries carry its running total.
  const claimUsd = rec?.counted[w.claim] ?? 0;
  /** Every commit says which job made it: a second copy of the job finds the branch taken. */
  const runTag = `${deps.runTag}/${randomBytes(4).toString('hex')}`;
  const trailers = `AI-Scrum-Run: ${runTag}\n${claimTrailers(mark)}`;
  const attempts = Math.max((rec?.attempts ?? 0) - (rec?.attemptsBefore ?? 0), 1);

  const view: WorkerReport = {
    issue: w.issue,
    issueTitle: ctx.issue.title,
    mark,
    runUrl: deps.runUrl,
    story: null,
    rounds: [],
    findings: [],
    revisions: 0,
    models: {
      po: deps.model.modelFor('po'),
      dev: deps.model.modelFor('dev'),
      review: deps.model.modelFor('review'),
    },
    modelSource: deps.modelSource,
    usage: zeroUsage(),
    costUsd: 0,
    issueCostUsd: earlierUsd,
    attempts,
    resumedFrom: null,
    outcome: 'superseded',
    reason: '',
    pull: ctx.pull ? { number: ctx.pull.number, url: ctx.pull.url } : null,
    subIssues: [],
    warnings,
    ciStarted: null,
    error: false,
    issueBudgetBound: false,
  };

  const problem = claimProblem(ledger, { ...mark, issue: w.issue }, deps.now());
  if (problem) {
    view.reason = `Nothing done: ${problem}.`;
    log.warning(view.reason);
    return view;
  }
  let lost: string | null = null;
  const loseClaim = (why: string): never => {
    lost = why;
    throw new ClaimLost(why);
  };
  /** The claim holds in the ledger as last read, or the worker stops here. */
  const stillHeld = (): void => {
    const problem = claimProblem(ledger, { ...mark, issue: w.issue }, deps.now());
    if (problem) loseClaim(problem);
  };
  const holds = async (): Promise<void> => {
    ledger = await rereadLedger(ledgerPort, ledger);
    stillHeld();
  };
  /**
   * Appends one entry and reads it back: an append that lost its place in the chain to another
   * writer's (workers of one batch append at once) is written again, after a random pause that
   * grows, so that racing writers spread out.
   */
  const append = async (...entries: LedgerEntry[]): Promise<number> => {
    for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
      if (attempt > 0)
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(3000, 100 * 2 ** attempt) * (0.5 + Math.random())),
        );
      const [id] = await appendComments(
        ledgerPort,
        ledger,
        ledgerSettings,
        [encodeEntries(entries)],
        '',
      );
      ledger = await rereadLedger(ledgerPort, ledger);
      if (ledger.log?.accepted.some((comment) => comment.id === id)) return id!;
    }
    throw new Error(
      `the ledger did not take the ${entries.map((e) => e.type).join(' and ')} entry after ${APPEND_ATTEMPTS} appends: other writers kept taking its place`,
    );
  };
  /** A checkpoint of this claim: where the work stands, and the claim's spend so far. */
  const checkpointOf = (
    point: Pick<CheckpointEntry, 'phase' | 'round' | 'commit' | 'note'>,
    attemptUsd: number,
  ): CheckpointEntry => ({
    type: 'checkpoint',
    issue: w.issue,
    claim: w.claim,
    epoch: w.epoch,
    ...point,
    spendUsd: claimUsd + attemptUsd,
    at: deps.now().toISOString(),
  });
  const checkpointAt = (
    point: Pick<CheckpointEntry, 'phase' | 'round' | 'commit' | 'note'>,
    attemptUsd: number,
  ): Promise<number> => append(checkpointOf(point, attemptUsd));
  /** The last round's checkpoint: it goes into the release's comment, not a comment of its own. */
  let lastPoint: CheckpointEntry | null = null;

  // The branch: created atomically with a first commit naming the claim, or taken over.
  const branch = await takeBranch(settings, deps, ctx, runTag);
  if ('lost' in branch) {
    view.reason = `Nothing done: ${branch.lost}.`;
    log.warning(view.reason);
    return view;
  }
  let pushed = branch.head;
  const checkpoint = rec?.checkpoint;
  const resume =
    w.kind === 'issue' && checkpoint && (await deps.git.contains(pushed, checkpoint.commit))
      ? checkpoint
      : null;
  view.resumedFrom = resume?.commit ?? null;

  // Progress: one comment, found again on later attempts.
  const progress: Progress = {
    current: 'story',
    done: ['claimed'],
    round: resume ? resume.round : 0,
    note: resume
      ? `Resuming from checkpoint ${resume.commit.slice(0, 7)} (${resume.round} round${resume.round === 1 ? '' : 's'} done).`
      : w.kind === 'conflict'
        ? `Resolving the conflict of #${w.pull} with \`${ctx.defaultBranch}\`.`
        : 'Writing the user story.',
    costUsd: 0,
    issueCostUsd: earlierUsd,
    pull: ctx.pull ? { number: ctx.pull.number, draft: ctx.pull.draft } : null,
  };
  let comment =
    ctx.issue.comments.find(
      (c) => c.body.startsWith(PROGRESS_MARKER) && c.author && c.author.login === ctx.viewer.login,
    ) ?? null;
  let shownAt = 0;
  /** The progress comment is a view: failing to update it never fails the work. */
  const showProgress = async (): Promise<void> => {
    shownAt = deps.now().getTime();
    const body = progressBody(w.issue, mark, deps.runUrl, progress);
    try {
      if (comment) {
        if (comment.body !== body) await deps.ports.github.editComment(comment.id, body);
        comment = { ...comment, body };
        return;
      }
      comment = await writeOnce(
        () => deps.ports.github.postComment(w.issue, body),
        async () => deps.ports.github.findComment(w.issue, PROGRESS_MARKER, ctx.viewer),
      );
    } catch (error) {
      log.warning(`The progress comment could not be updated: ${errorMessage(error)}`);
    }
  };
  /** At most one edit per interval; the final state is always shown when the work settles. */
  const showProgressSoon = async (): Promise<void> => {
    if (deps.now().getTime() - shownAt >= PROGRESS_INTERVAL_MS) await showProgress();
  };
  // Dispatch opened the comment for this claim and no attempt has edited it since: it says
  // claimed, which is still true. A re-run of the job shows itself at once.
  if (
    comment?.body.includes(CLAIMED_NOTE) &&
    comment.body.includes(`Claim \`${w.claim}\`, epoch ${w.epoch}.`)
  )
    shownAt = deps.now().getTime();
  else await showProgress();

  // The money this attempt may spend: what the issue and the day have left.
  const today = spendOn(ledger.state, utcDay(deps.now().toISOString()));
  const limitUsd = Math.min(settings.issueBudgetUsd - earlierUsd, settings.dailyBudgetUsd - today);
  // The issue's own budget, not the day's, set the limit: running out of it is final.
  view.issueBudgetBound = settings.issueBudgetUsd - earlierUsd <= settings.dailyBudgetUsd - today;
  let pull: WorkerPull | null = ctx.pull;
  // A conflict task keeps the story the work was done for (the issue's last checkpoint).
  let story: Story | null = resume
    ? resume.note.story
    : w.kind === 'conflict'
      ? (checkpoint?.note.story ?? null)
      : null;
  let result: ScrumResult | null = null;
  /** Why the last checked round was not pushed, when it was not. */
  let unpushed: string | null = null;
  const rounds: RoundRecord[] = [];

  const viewNow = (): WorkerOutcomeView => ({
    ...view,
    story,
    rounds,
    costUsd: result?.costUsd ?? view.costUsd,
  });

  if (resume?.phase === 'approved') {
    // An earlier attempt was approved and pushed, then stopped before publishing: publish it.
    view.outcome = 'approved';
    view.story = story;
    view.revisions = Math.max(resume.round - 1, 0);
    view.reason = `the product owner approved round ${resume.round} in an earlier attempt; published from its checkpoint ${resume.commit.slice(0, 7)}`;
    if (!pull && story) {
      pull = await openDraft(deps, ctx, w.branch, viewNow(), story);
      view.pull = { number: pull.number, url: pull.url };
    }
  } else if (limitUsd <= settings.reserveUsd) {
    view.outcome = 'budget-exhausted';
    view.reason = `No model call made: $${Math.max(limitUsd, 0).toFixed(2)} is left of the issue's or the day's budget, not more than the $${settings.reserveUsd.toFixed(2)} reserve.`;
  } else {
    let start: ScrumStart | null = null;
    if (w.kind === 'conflict') {
      start = await conflictStart(settings, deps, ctx, story, resume?.round ?? 0, pull, trailers);
      story = start.story;
    } else if (resume) {
      start = {
        story: resume.note.story,
        rounds: resume.round,
        brief: `Earlier rounds did this (the workspace holds their work):\n${resume.note.done}\nThe last check said: ${resume.note.qa}\nGo on from there until every acceptance criterion holds, with tests, then stop calling tools.`,
      };
    }
    const tools = deps.tools();
    warnings.push(...tools.warnings);
    const startedMs = deps.now().getTime();
    // The job's timeout, or the claim's lease when that ends first: past it, the work is another's.
    const lease = Date.parse(effectiveClaim(ledger.state, w.issue, deps.now())?.lease ?? '');
    const endsAt = Math.min(deps.deadlineAt.getTime(), Number.isNaN(lease) ? Infinity : lease);
    const totalMs = endsAt - startedMs;
    const large = settings.largeLabels.some((label) => ctx.issue.labels.includes(label));
    try {
      result = await runScrum(
        {
          model: deps.model,
          tools,
          root: deps.git.root,
          baseSha: branch.base,
          qaEnv: deps.qaEnv,
          repositoryMap: deps.repositoryMap(),
          changedProtectedPaths: () => deps.changedProtectedPaths(branch.base),
          logger: log,
          deadline: () => {
            const left = endsAt - deps.now().getTime();
            return left < deadlineMarginMs(totalMs)
              ? `the job has ${Math.max(0, Math.round(left / 60_000))} of its ${settings.deadlineMinutes} minutes left`
              : null;
          },
          phase: async (phase: ScrumPhase) => {
            const first = phase === 'development' && !progress.done.includes('story');
            log.info(`#${w.issue}: ${phase}`);
            progress.current = phase;
            progress.done = STEP_ORDER.slice(0, STEP_ORDER.indexOf(phase));
            if (first) progress.note = 'The story is written; developing.';
            // Each phase shows as it passes, at most one edit per interval: a fast run edits
            // less, a long one keeps the comment current.
            await showProgressSoon();
          },
          roundChecked: async (round, roundStory, spentUsd) => {
            story = roundStory;
            rounds.push(round);
            /** The round's spend, with the last pushed round kept as the resume point. */
            const keepLastPushed = () =>
              checkpointAt(
                {
                  phase: 'developing',
                  round: round.round,
                  commit: pushed,
                  note: resumeNote(roundStory, rounds.slice(0, -1), resume?.note.done ?? ''),
                },
                spentUsd,
              );
            unpushed = await unpublishable(deps, round, branch.base, w.kind);
            if (unpushed) {
              log.warning(`Round ${round.round + 1} is not pushed: ${unpushed}.`);
              await keepLastPushed();
              return;
            }
            const sha = await deps.git.commit(
              `#${w.issue}: ${roundStory.title.replace(/\s+/g, ' ').slice(0, 100)} (round ${round.round + 1})\n\n${trailers}`,
            );
            // Fencing: only the effective claim pushes. A round the loop goes on from is recorded
            // before it is pushed, and the read-back of that checkpoint is the check. The last
            // round's checkpoint rides with the release, which follows at once: a read checks it.
            const last = round.cut !== undefined || round.verdict?.decision === 'approve';
            if (last) {
              await holds();
              lastPoint = checkpointOf(
                {
                  phase:
                    round.cut === 'deadline'
                      ? 'deadline'
                      : round.cut === 'budget'
                        ? 'budget'
                        : 'approved',
                  round: round.round + 1,
                  commit: sha,
                  note: resumeNote(roundStory, rounds, resume?.note.done ?? ''),
                },
                spentUsd,
              );
            } else {
              await checkpointAt(
                {
                  phase: 'developing',
                  round: round.round + 1,
                  commit: sha,
                  note: resumeNote(roundStory, rounds, resume?.note.done ?? ''),
                },
                spentUsd,
              );
              stillHeld();
            }
            // Onto the head this claim left, or not at all. A push that fails after its
            // checkpoint puts the resume point back on the last pushed commit.
            const answer = await deps.git.push(w.branch, sha, pushed).catch(async (error) => {
              if (!last) await keepLastPushed().catch(() => undefined);
              throw error;
            });
            if (answer === 'moved')
              loseClaim('the branch moved under this worker: another worker pushed to it');
            pushed = sha;
            if (!pull) {
              pull = await openDraft(
                deps,
                ctx,
                w.branch,
                { ...viewNow(), costUsd: spentUsd, issueCostUsd: earlierUsd + spentUsd },
                roundStory,
              );
              view.pull = { number: pull.number, url: pull.url };
            }
            progress.current = 'development';
            progress.done = ['claimed', 'story'];
            progress.round = round.round + 1;
            progress.note = `Round ${round.round + 1} checked and pushed (${sha.slice(0, 7)}): ${round.qa.passed ? 'QA passed' : 'QA failed'}${round.verdict ? `, ${round.verdict.decision === 'approve' ? 'approved' : 'changes asked'}` : ''}.`;
            progress.costUsd = spentUsd;
            progress.issueCostUsd = earlierUsd + progress.costUsd;
            log.info(
              `#${w.issue}: round ${round.round + 1} pushed as a checkpoint (${sha.slice(0, 7)}), $${spentUsd.toFixed(4)} so far`,
            );
            progress.pull = { number: pull.number, draft: pull.draft };
            await showProgressSoon();
          },
        },
        {
          number: w.issue,
          title: ctx.issue.title,
          body: ctx.issue.body,
          comments: ctx.issue.comments
            .filter((c) => !c.body.startsWith(PROGRESS_MARKER))
            .map((c) => c.body),
        },
        {
          maxRevisions: settings.maxRevisions,
          maxTurns: settings.maxTurns,
          qa: settings.commands,
          protectedPaths: settings.protectedPaths,
          budget: { limitUsd, reserveUsd: settings.reserveUsd },
          maxTokens: { po: 4000, dev: 16_000, review: 4000 },
          maxIssueChars: 20_000,
          maxDiffChars: 200_000,
          split: { now: large && w.kind === 'issue' && !resume, maxFiles: settings.maxFiles },
        },
        start,
      );
    } finally {
      await tools.close();
    }
  }

  if (result) {
    story = result.story ?? story;
    view.story = story;
    view.rounds = result.rounds;
    view.findings = result.findings;
    view.revisions = result.revisions;
    view.usage = result.usage;
    view.costUsd = result.costUsd;
    view.issueCostUsd = earlierUsd + result.costUsd;
    view.outcome = outcomeOf(result, w.kind === 'conflict');
    view.reason = result.reason;
    view.error = result.outcome === 'error';
    if (result.outcome === 'approved' && unpushed) {
      view.outcome = 'failed';
      view.reason = `approved, but the approved round was not pushed: ${unpushed}`;
    }
  }
  /** A claim that stopped holding records nothing more but its spend. */
  const recordSpend = async (): Promise<void> => {
    if (view.costUsd <= 0) return;
    await checkpointAt(
      {
        phase: 'stopped',
        round: 0,
        commit: pushed,
        note: resumeNote(
          story ?? { title: ctx.issue.title, story: '', acceptanceCriteria: [] },
          [],
          '',
        ),
      },
      view.costUsd,
    ).catch((error: unknown) =>
      log.warning(`The spend could not be recorded: ${errorMessage(error)}`),
    );
  };
  if (lost) {
    // Another holder owns the issue now: nothing more is written for this claim but its spend.
    view.outcome = 'superseded';
    view.error = false;
    view.reason = `Stopped: ${lost}.`;
    log.warning(view.reason);
    await recordSpend();
    return view;
  }
  let released = false;

  /**
   * The release, then its read-back: the claim must have held just before it, or this worker
   * publishes nothing (its release, from an older epoch, changes nothing but the spend).
   */
  const release = async (): Promise<void> => {
    const outcome = releaseOf(view.outcome);
    if (!outcome) return;
    // A lease that passed since the last read needs no request to see: such a release would
    // only count its money.
    stillHeld();
    // The last round's checkpoint rides along: a conflict task later reads its story there.
    const point = lastPoint?.commit === pushed ? [lastPoint] : [];
    const id = await append(...point, {
      type: 'release',
      issue: w.issue,
      claim: w.claim,
      epoch: w.epoch,
      outcome,
      costUsd: claimUsd + view.costUsd,
      reason: view.reason.replace(/\s+/g, ' ').slice(0, 500),
      ...(view.pull ? { pr: view.pull.number } : {}),
      at: deps.now().toISOString(),
    });
    released = true;
    const before = { ...ledger, state: stateBefore(ledger, id) };
    const problem = claimProblem(before, { ...mark, issue: w.issue }, deps.now());
    if (problem) loseClaim(problem);
  };
  try {
    // Fencing holds to the end: a claim that lost its lease meanwhile publishes nothing more.
    if (view.outcome === 'decomposed' && result) {
      await holds();
      view.subIssues = await createSubIssues(deps, ctx, result.split, labels.ready);
      view.reason = `${result.reason}: ${view.subIssues.map((n) => `#${n}`).join(', ')}`;
    }
    // The ledger first: killed after it, the pull request is still the claim's completed work.
    await release();
    await settle(settings, deps, ctx, view, pull, comment, progress);
  } catch (error) {
    if (error instanceof ClaimLost) {
      view.outcome = 'superseded';
      view.reason = `Stopped before publishing: ${lost}.`;
      log.warning(view.reason);
      // A release that landed counted the spend already.
      if (!released) await recordSpend();
      return view;
    }
    throw error;
  }
  return view;
}

/** Why a checked round must not be pushed, or null. */
async function unpublishable(
  deps: WorkerDeps,
  round: RoundRecord,
  base: string,
  kind: 'issue' | 'conflict',
): Promise<string | null> {
  if (round.unscanned) return 'its changes were not checked';
  const high = round.findings.filter((f) => f.severity === 'high');
  if (high.length > 0)
    return `the security review found ${high.length} high-severity problem${high.length === 1 ? '' : 's'} (${high.map((f) => f.rule).join(', ')})`;
  if (kind === 'conflict') {
    const markers = await deps.git.leftoverMarkers(base);
    if (markers.length > 0) return `conflict markers are left in ${markers.join(', ')}`;
  }
  return null;
}

/**
 * Creates `ai-feature/issue-N` with a first commit carrying the claim, or takes it over: only an
 * effective claim gets here, and the push is a compare-and-swap, so of two workers racing for
 * the branch one wins and the other stops before any model call.
 */
async function takeBranch(
  settings: WorkerSettings,
  deps: WorkerDeps,
  ctx: WorkerContext,
  runTag: string,
): Promise<{ head: string; base: string } | { lost: string }> {
  const w = settings.work;
  const git = deps.git;
  const base = (await git.fetch(ctx.defaultBranch)) ?? ctx.baseSha;
  for (let attempt = 0; attempt < 3; attempt++) {
    const head = await git.fetch(w.branch);
    if (head) {
      const message = await git.message(head);
      const trailers = readClaimTrailers(message);
      if (trailers && trailers.epoch > w.epoch)
        return { lost: `the branch carries a later claim (epoch ${trailers.epoch})` };
      const run = /^AI-Scrum-Run:[ \t]*([^/\s]+)\/(\S+)[ \t]*$/m.exec(message);
      // The same claim from the same job attempt: another copy of this job holds the branch.
      // A re-run of the job (a later attempt) or a later claim takes it over.
      if (
        trailers?.claim === w.claim &&
        run?.[1] === deps.runTag &&
        `${run[1]}/${run[2]}` !== runTag
      )
        return { lost: 'another copy of this job holds the branch under the same claim' };
    } else if (w.kind === 'conflict') {
      return { lost: `the branch ${w.branch} of pull request #${w.pull} no longer exists` };
    }
    await git.checkout(w.branch, head ?? base);
    const sha = await git.commit(
      `Start #${w.issue}${head ? ' (taking over the branch)' : ''}\n\nAI-Scrum-Run: ${runTag}\n${claimTrailers({ claim: w.claim, epoch: w.epoch })}`,
    );
    if ((await git.push(w.branch, sha, head)) === 'pushed')
      // A conflict task merges the default branch in: its rounds are read against that tip.
      return {
        head: sha,
        base: !head || w.kind === 'conflict' ? base : await git.mergeBase(sha, base),
      };
  }
  return { lost: 'the branch kept moving under this worker' };
}

/** A conflict task: the base merged into the pull request's branch, the rest for the developer. */
async function conflictStart(
  settings: WorkerSettings,
  deps: WorkerDeps,
  ctx: WorkerContext,
  story: Story | null,
  rounds: number,
  pull: WorkerPull | null,
  trailers: string,
): Promise<ScrumStart> {
  const base = (await deps.git.fetch(ctx.defaultBranch)) ?? ctx.baseSha;
  const { conflicts } = await deps.git.merge(
    base,
    `Merge ${ctx.defaultBranch} into ${settings.work.branch}\n\n${trailers}`,
  );
  const gate = ctx.gateComment ? ctx.gateComment.slice(0, 4000) : '(no merge gate comment)';
  return {
    story: story ?? {
      title: ctx.issue.title.slice(0, 200) || `Issue #${settings.work.issue}`,
      story: `Keep the work of pull request #${pull?.number ?? settings.work.pull} and make it merge cleanly with ${ctx.defaultBranch}.`,
      acceptanceCriteria: [
        'No conflict markers are left',
        "The branch merges cleanly with the base, and the repository's tests pass",
      ],
    },
    rounds,
    brief:
      conflicts.length > 0
        ? `The base branch ${ctx.defaultBranch} was merged into this branch and these files conflict (conflict markers are in them): ${conflicts.join(', ')}. Resolve every conflict, keeping the intent of both sides, then stop calling tools. The merge gate said:\n${gate}`
        : `The base branch ${ctx.defaultBranch} was merged into this branch without conflicts. Check that the work still holds with it and the tests pass, then stop calling tools. The merge gate said:\n${gate}`,
  };
}

async function openDraft(
  deps: WorkerDeps,
  ctx: WorkerContext,
  branch: string,
  view: WorkerOutcomeView,
  story: Story,
): Promise<WorkerPull> {
  const body = pullBody(view, 'Work in progress: a draft until the product owner approves it.');
  const title = `${story.title.replace(/\s+/g, ' ').slice(0, 200)} (#${ctx.issue.number})`;
  return writeOnce(
    () =>
      deps.ports.github.openPull({
        title,
        body,
        head: branch,
        base: ctx.defaultBranch,
        draft: true,
      }),
    () => deps.ports.github.findPull(branch, ctx.viewer),
  );
}

/** The end of the run on GitHub: the pull request's body and state, labels, the progress comment. */
async function settle(
  settings: WorkerSettings,
  deps: WorkerDeps,
  ctx: WorkerContext,
  view: WorkerReport,
  pull: WorkerPull | null,
  comment: { nodeId: string } | null,
  progress: Progress,
): Promise<void> {
  const labels = settings.labels;
  const good = view.outcome === 'approved' || view.outcome === 'resolved';
  // A final failure: the product owner rejected it, a high finding blocked it, or the issue's
  // own budget is spent. Others (tests failing, an error, the deadline) get another attempt.
  const final =
    view.outcome === 'rejected' ||
    (view.outcome === 'failed' && view.findings.some((f) => f.severity === 'high')) ||
    (view.outcome === 'budget-exhausted' && view.issueBudgetBound);
  // Approved work is completed (a conflict task's issue already is); a final failure is failed,
  // and is no longer completed.
  const add = (
    good && settings.work.kind === 'issue' ? [labels.completed] : final ? [labels.failed] : []
  ).filter((name) => !ctx.issue.labels.includes(name));
  const remove = [
    labels.inProgress,
    ...(good ? [labels.failed] : final ? [labels.completed] : []),
  ].filter((name) => ctx.issue.labels.includes(name));
  progress.current = null;
  if (good) progress.done = ['claimed', 'story', 'development', 'qa', 'review', 'verdict', 'pull'];
  progress.costUsd = view.costUsd;
  progress.issueCostUsd = view.issueCostUsd;
  progress.note = `**${view.outcome}**: ${safeInline(view.reason, 500)}${view.subIssues.length > 0 ? `\n\nSplit into ${view.subIssues.map((n) => `#${n}`).join(', ')}, in that order.` : ''}`;
  if (pull) progress.pull = { number: pull.number, draft: pull.draft && !good };
  const state = good
    ? 'Checked by its own tests and reviews, and approved by the product owner: ready for review.'
    : `Not approved: ${view.outcome}, ${safeInline(view.reason, 300)}`;
  const id = (name: string) => ctx.labelIds[name] ?? null;
  await deps.ports.github.settle({
    issueNodeId: ctx.issue.nodeId,
    addLabelIds: add.map(id).filter((found): found is string => found !== null),
    removeLabelIds: remove.map(id).filter((found): found is string => found !== null),
    progress: comment
      ? { nodeId: comment.nodeId, body: progressBody(view.issue, view.mark, view.runUrl, progress) }
      : null,
    pull: pull
      ? { nodeId: pull.nodeId, body: pullBody(view, state), ready: good && pull.draft }
      : null,
  });
  // A label the repository does not have yet is created by the REST call that adds it.
  const missing = add.filter((name) => id(name) === null);
  if (missing.length > 0) await deps.ports.github.addLabels(view.issue, missing);
  if (settings.work.kind === 'conflict' && good && pull)
    await deps.ports.github.removeLabel(pull.number, labels.conflict);
  // A pull request opened with GITHUB_TOKEN starts no workflow; workflow_dispatch does, and its
  // check runs attach to the branch's head commit, which the merge gate reads.
  if (good && pull && settings.ciWorkflow) {
    await deps.ports.github.startWorkflow(settings.ciWorkflow, settings.work.branch);
    view.ciStarted = settings.ciWorkflow;
  }
}

/** Opens the split's issues in order, as native sub-issues, each blocked by the one before. */
async function createSubIssues(
  deps: WorkerDeps,
  ctx: WorkerContext,
  split: ScrumResult['split'],
  ready: string,
): Promise<number[]> {
  const github = deps.ports.github;
  const created: { number: number; databaseId: number }[] = [];
  for (const [i, sub] of split.entries()) {
    // Found again by any later attempt: a split is made once.
    const marker = `<!-- ai-scrum-subissue v1 parent=${ctx.issue.number} order=${i + 1} -->`;
    const issue = await writeOnce(
      () =>
        github.createIssue({
          title: sub.title.replace(/\s+/g, ' ').slice(0, 200),
          body: subIssueBody(ctx.issue.number, i + 1, split.length, sub, marker),
          labels: [],
        }),
      () => github.findIssue(marker, ctx.viewer),
    );
    await github.addSubIssue(ctx.issue.number, issue.databaseId);
    const previous = created.at(-1);
    if (previous) await github.addBlockedBy(issue.number, previous.databaseId);
    created.push(issue);
  }
  // Ready only once linked and ordered: dispatch never sees a part without its place.
  for (const issue of created) await github.addLabels(issue.number, [ready]);
  return created.map((issue) => issue.number);
}
