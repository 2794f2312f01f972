import {
  changedLines,
  mergeReports,
  patchCoverage,
  totals,
  type CoverageReport,
  type PatchCoverage,
  type Totals,
} from '../coverage/index.js';
import { encodeEntries } from '../ledger/codec.js';
import { TRACKING_TITLE } from '../ledger/dashboard.js';
import { identityOf, sameIdentity } from '../ledger/identity.js';
import { appendComments, openLedger, type Ledger, type LedgerSettings } from '../ledger/ledger.js';
import { knownViewer, type LedgerPort } from '../ledger/port.js';
import { readClaimMarker, readClaimTrailers, type ClaimMark } from '../ledger/trailers.js';
import type { Logger } from '../logger.js';
import { fencingOf } from './fencing.js';
import type { GatePull, MergeGatePort } from './port.js';
import {
  judge,
  type Fencing,
  type GateEvidence,
  type Judgement,
  type RuleResult,
} from './rules.js';
import type { MergeGateSettings } from './settings.js';
import { GATE_COMMENT_MARKER, renderGateReport } from './summary.js';

/** The merge gate's use case: gather the evidence on one pull request, judge it, act on it. */

export const GATE_CONTEXT = 'ai-scrum/merge-gate';
export const BRANCH_PREFIX = 'ai-feature/';

/** Where coverage reports and git live on the runner. */
export interface GateWorkspace {
  /** Reports of coverage-files (or of the downloaded artifact), parsed and merged per source. */
  readReports(globs: string[]): Promise<{ reports: CoverageReport[]; files: string[] }>;
  /** The reports of a downloaded artifact, by their names in it. */
  readArtifact(files: Map<string, Buffer>): Promise<CoverageReport[]>;
  /** Files that conflict when head merges into base (`git merge-tree`); null without a checkout. */
  conflictingFiles(base: string, head: string): Promise<string[] | null>;
  /** The pull request's diff as GitHub shows it (merge base to head); null without a checkout. */
  diff(base: string, head: string): Promise<string | null>;
}

export interface GatePorts {
  github: MergeGatePort;
  ledger: LedgerPort;
  workspace: GateWorkspace;
}

export interface GateContext {
  /** The pushed commit, for `mode: record`. */
  sha: string;
  runUrl: string | null;
  /**
   * The head commit the event's CI ran on (`pull_request.head.sha`, `workflow_run.head_sha`):
   * reports read on the runner belong to it, not necessarily to the head judged now.
   */
  eventHeadSha: string | null;
  /** The CI run whose artifact holds the reports, when a `workflow_run` event names it. */
  eventRunId: number | null;
  /**
   * Who started the event (its `sender`): for CI the worker started, the ledger's writer. A hint
   * whose tracking issues to read along with the pull request, trusted for nothing.
   */
  ledgerWriter?: string | null;
}

export type GateAction =
  | 'status'
  | 'auto-merge-enabled'
  | 'merged'
  | 'enqueued'
  | 'branch-update-requested'
  | 'conflict-handed-back'
  | 'parent-closed'
  | 'released'
  | 'issue-closed'
  | 'branch-deleted'
  | 'branch-deleted-by-github'
  | 'coverage-recorded'
  | 'comment'
  | 'held-back';

export interface GateReport {
  pull: number | null;
  /** The issue of the pull request's branch `ai-feature/issue-N`, when it is one. */
  issue: number | null;
  verdict: Judgement['verdict'];
  rules: RuleResult[];
  reasons: string[];
  actions: GateAction[];
  coverage: Totals | null;
  patch: PatchCoverage | null;
  conflicts: string[] | null;
  warnings: string[];
  dryRun: boolean;
  /** How many times mergeability was read again while GitHub computed it. */
  polls: number;
}

/** What the gate knows of a pull request's claim: the ledger, the branch's issue, the marks. */
interface Claim {
  ledger: Ledger;
  ledgerSettings: LedgerSettings;
  /** The issue of the branch `ai-feature/issue-N`. */
  issue: number | null;
  marks: { body: ClaimMark | null; head: ClaimMark | null };
  /** A commit after the last claimed one that is not a merge, if any. */
  unclaimed: string | null;
}

interface Run {
  ports: GatePorts;
  settings: MergeGateSettings;
  context: GateContext;
  now: Date;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
  report: GateReport;
  /** The files list with patches, read at most once (renames and an oversized diff both need it). */
  patches?: ReturnType<MergeGatePort['patches']>;
}

const emptyReport = (settings: MergeGateSettings): GateReport => ({
  pull: settings.pullRequest || null,
  issue: null,
  verdict: 'wait',
  rules: [],
  reasons: [],
  actions: [],
  coverage: null,
  patch: null,
  conflicts: null,
  warnings: [],
  dryRun: settings.dryRun,
  polls: 0,
});

export async function mergeGate(
  ports: GatePorts,
  settings: MergeGateSettings,
  context: GateContext,
  now: Date,
  logger: Logger,
  sleep: (ms: number) => Promise<void>,
): Promise<GateReport> {
  const run: Run = { ports, settings, context, now, logger, sleep, report: emptyReport(settings) };
  if (settings.mode === 'record') return record(run);
  return gate(run);
}

/** `mode: record`: the pushed commit's coverage becomes its ai-scrum/coverage status. */
async function record(run: Run): Promise<GateReport> {
  const { reports, files } = await run.ports.workspace.readReports(run.settings.coverageFiles);
  const { report } = run;
  if (reports.length === 0) {
    report.verdict = 'block';
    report.reasons.push(`no coverage report matched ${run.settings.coverageFiles.join(', ')}`);
    return report;
  }
  report.coverage = totals(mergeReports(reports));
  report.verdict = 'merge';
  const lines = report.coverage.lines;
  if (lines.percent === null) {
    report.verdict = 'block';
    report.reasons.push(`the reports (${files.join(', ')}) hold no executable lines`);
    return report;
  }
  if (!run.settings.dryRun) {
    await run.ports.github.setStatus(run.context.sha, {
      state: 'success',
      context: 'ai-scrum/coverage',
      description: coverageDescription(report.coverage),
    });
    report.actions.push('coverage-recorded');
  }
  return report;
}

/** `83.21% of lines (1234/1483)`: what the status says and what a later delta reads back. */
export function coverageDescription(coverage: Totals): string {
  const { percent, covered, total } = coverage.lines;
  return `${(percent ?? 0).toFixed(2)}% of lines (${covered}/${total})`;
}

export function parseCoverageDescription(description: string | null): number | null {
  const found = /^(\d{1,3}(?:\.\d+)?)% of lines/.exec(description ?? '');
  const value = found ? Number(found[1]) : NaN;
  return Number.isFinite(value) && value <= 100 ? value : null;
}

async function gate(run: Run): Promise<GateReport> {
  const { ports, settings, report } = run;
  let pull = await ports.github.pull(settings.pullRequest, run.context.ledgerWriter ?? undefined);
  report.pull = pull.number;
  report.issue = branchIssue(pull.headRef);
  if (pull.state === 'CLOSED') {
    report.verdict = 'block';
    report.reasons.push('the pull request is closed without merging');
    return report;
  }
  const ledgerSettings: LedgerSettings = {
    label: settings.labels.coordination,
    writers: settings.ledgerWriters.map(identityOf),
    title: TRACKING_TITLE,
  };
  const commits = claimOfCommits(pull.commits);
  const claim: Claim = {
    // The pull request's read already said who the token is: the ledger need not ask again.
    ledger: await openLedger(knownViewer(ports.ledger, pull.viewer), ledgerSettings),
    ledgerSettings,
    issue: branchIssue(pull.headRef),
    marks: { body: readClaimMarker(pull.body), head: commits.mark },
    unclaimed: commits.unclaimed,
  };
  if (pull.state === 'MERGED') return merged(run, pull, claim);
  pull = await awaitMergeability(run, pull);

  const evidence = await gatherEvidence(run, pull, claim);
  const judgement = judge(evidence, rulesOf(settings));
  Object.assign(report, {
    verdict: judgement.verdict,
    rules: judgement.rules,
    reasons: judgement.reasons,
  });
  if (claim.ledger.tampering.length > 0)
    report.warnings.push(
      'The ledger was changed by hand: fencing cannot be trusted until it is recovered.',
    );
  if (settings.dryRun) return report;
  await act(run, pull, evidence, claim);
  return report;
}

/** The issue a toolkit branch is for: `ai-feature/issue-N`. */
export function branchIssue(branch: string): number | null {
  const found = /^ai-feature\/issue-(\d+)$/.exec(branch);
  return found ? Number(found[1]) : null;
}

/**
 * The claim a pull request's commits carry: the trailers of its latest commit that has them,
 * provided every commit after it is a merge (GitHub updating the branch with its base). A later
 * commit without trailers was not the claim holder's, so the claim does not vouch for the head.
 */
export function claimOfCommits(commits: GatePull['commits']): {
  mark: ClaimMark | null;
  unclaimed: string | null;
} {
  for (let i = commits.length - 1; i >= 0; i--) {
    const commit = commits[i]!;
    const mark = readClaimTrailers(commit.message);
    if (mark) return { mark, unclaimed: null };
    if (!commit.merge) return { mark: null, unclaimed: commit.oid };
  }
  return { mark: null, unclaimed: null };
}

/**
 * A pull request found merged (by auto-merge, the queue, or a person): the bookkeeping is ours,
 * but only for the toolkit's own, whose claim is current. Anything else is left as it is.
 */
async function merged(run: Run, pull: GatePull, claim: Claim): Promise<GateReport> {
  const { report } = run;
  const evidence = await gatherEvidence(run, pull, claim, false);
  const judgement = judge(evidence, rulesOf(run.settings));
  const standing = judgement.rules.filter(
    (rule) => (rule.id === 'origin' || rule.id === 'fencing') && rule.outcome !== 'pass',
  );
  report.rules = judgement.rules.filter((rule) => rule.id === 'origin' || rule.id === 'fencing');
  if (standing.length > 0) {
    report.verdict = 'block';
    report.reasons.push(
      `merged, but not as the toolkit's work: ${standing.map((rule) => rule.figure).join('; ')}; nothing recorded`,
    );
    return report;
  }
  report.verdict = 'merge';
  report.reasons.push('merged');
  await afterMerge(run, pull, claim);
  return report;
}

function rulesOf(settings: MergeGateSettings) {
  return {
    branchPrefix: BRANCH_PREFIX,
    coverageThreshold: settings.coverageThreshold,
    maxCoverageDrop: settings.maxCoverageDrop,
    patchCoverageThreshold: settings.patchCoverageThreshold,
    protectedPaths: settings.protectedPaths,
    maxFiles: settings.maxFiles,
    maxChangedLines: settings.maxChangedLines,
    reviewLabels: settings.reviewLabels,
  };
}

/** While GitHub computes mergeability: read again with backoff, up to the configured wait. */
async function awaitMergeability(run: Run, first: GatePull): Promise<GatePull> {
  let pull = first;
  let waited = 0;
  const budget = run.settings.mergeableWaitSeconds * 1000;
  for (let attempt = 0; pull.mergeable === 'UNKNOWN' && waited < budget; attempt++) {
    const delay = Math.min(1000 * 2 ** attempt, 15_000, budget - waited);
    await run.sleep(delay);
    waited += delay;
    run.report.polls++;
    pull = await run.ports.github.pull(pull.number);
  }
  return pull;
}

async function gatherEvidence(
  run: Run,
  pull: GatePull,
  claim: Claim,
  withCoverage = true,
): Promise<GateEvidence> {
  const { ledger, issue, marks, unclaimed } = claim;
  const stale = (why: string): Fencing => ({
    kind: 'stale',
    claim: marks.head?.claim ?? marks.body?.claim ?? '?',
    epoch: marks.head?.epoch ?? marks.body?.epoch ?? 0,
    why,
  });
  // The issue is the branch's; the body must close that one, and only that one counts.
  const fencing: Fencing =
    ledger.tampering.length > 0
      ? stale('the ledger was changed by hand')
      : issue === null
        ? { kind: 'unmarked' }
        : pull.issue?.number !== issue
          ? stale(
              `the branch is for #${issue}, but the body ${pull.issue ? `closes #${pull.issue.number}` : 'closes no issue'}`,
            )
          : unclaimed
            ? stale(
                `commit ${unclaimed.slice(0, 7)} after the last claimed one carries no claim trailers`,
              )
            : fencingOf(marks, ledger.state, issue, run.now);
  return {
    origin: {
      sameRepository: pull.sameRepository,
      branch: pull.headRef,
      author: pull.author?.login ?? 'a deleted account',
      byToolkit:
        pull.author !== null && ledger.identities.some((who) => sameIdentity(who, pull.author!)),
    },
    fencing,
    draft: pull.draft,
    checks: pull.checks,
    coverage: withCoverage ? await coverageEvidence(run, pull) : null,
    files: await withOldPaths(run, pull),
    filesComplete: pull.filesComplete,
    labels: [...new Set([...pull.labels, ...(pull.issue?.labels ?? [])])],
    approvals: pull.approvals,
    mergeable: pull.mergeable,
    mergeState: pull.mergeState,
  };
}

function patchesOf(run: Run, pull: GatePull): ReturnType<MergeGatePort['patches']> {
  run.patches ??= run.ports.github.patches(pull.number);
  return run.patches;
}

/**
 * The changed files, with the old path of each renamed one as a change too: moving a protected
 * file away changes the protected path. Read only when GitHub reports a rename.
 */
async function withOldPaths(run: Run, pull: GatePull): Promise<GatePull['files']> {
  if (!pull.renamed) return pull.files;
  const old = (await patchesOf(run, pull))
    .filter((file) => file.previousPath !== null)
    .map((file) => ({ path: file.previousPath!, additions: 0, deletions: 0 }));
  return [...pull.files, ...old];
}

async function coverageEvidence(run: Run, pull: GatePull) {
  const { settings, ports, report } = run;
  if (settings.coverageFiles.length === 0 && settings.coverageArtifact === '') return null;
  let reports: CoverageReport[];
  if (settings.coverageArtifact) {
    // Until CI uploads it, there is nothing to judge: the rules wait or block on zero reports.
    const files = await ports.github.artifactFiles(
      pull.headSha,
      settings.coverageArtifact,
      run.context.eventRunId,
    );
    reports = files ? await ports.workspace.readArtifact(files) : [];
    if (!files)
      report.warnings.push(
        `No artifact named ${settings.coverageArtifact} from a run on ${pull.headSha.slice(0, 7)} yet.`,
      );
  } else {
    // Reports on the runner are of the commit the event's CI ran; a newer head is not theirs.
    const eventSha = run.context.eventHeadSha;
    if (eventSha && eventSha !== pull.headSha) {
      report.warnings.push(
        `The reports on the runner are of ${eventSha.slice(0, 7)}, but the head is now ${pull.headSha.slice(0, 7)}: the next run judges the new head.`,
      );
      return {
        reports: 0,
        expected: Math.max(settings.expectedReports, 1),
        totals: null,
        patch: null,
        base: null,
      };
    }
    const read = await ports.workspace.readReports(settings.coverageFiles);
    reports = read.reports;
    if (read.files.length === 0)
      report.warnings.push(
        `No coverage report matched ${settings.coverageFiles.join(', ')} in the workspace.`,
      );
  }
  const merged = reports.length > 0 ? mergeReports(reports) : null;
  report.coverage = merged ? totals(merged) : null;
  if (merged) {
    // From the checkout when there is one: no API request, and no size limit.
    let diff =
      (await ports.workspace.diff(pull.baseSha, pull.headSha)) ??
      (await ports.github.diff(pull.number));
    if (diff === null) {
      report.warnings.push(
        'GitHub refused the diff as too large: patch coverage comes from the files list.',
      );
      diff = (await patchesOf(run, pull))
        .filter((file) => file.patch !== null)
        .map(
          (file) =>
            `diff --git a/${file.path} b/${file.path}\n--- a/${file.path}\n+++ b/${file.path}\n${file.patch}\n`,
        )
        .join('');
    }
    report.patch = patchCoverage(merged, changedLines(diff));
  }
  return {
    reports: reports.length,
    expected: settings.expectedReports,
    totals: report.coverage,
    patch: report.patch,
    base: await baseCoverage(run, pull),
  };
}

async function baseCoverage(
  run: Run,
  pull: GatePull,
): Promise<{ percent: number; source: string } | null> {
  if (run.settings.baseCoverageFile) {
    const { reports } = await run.ports.workspace.readReports([run.settings.baseCoverageFile]);
    const percent = reports.length > 0 ? totals(mergeReports(reports)).lines.percent : null;
    return percent === null ? null : { percent, source: run.settings.baseCoverageFile };
  }
  const percent = parseCoverageDescription(pull.baseCoverage);
  return percent === null ? null : { percent, source: `ai-scrum/coverage of ${pull.baseRef}` };
}

const STATUS_STATE = { merge: 'success', wait: 'pending', block: 'failure' } as const;

async function act(run: Run, pull: GatePull, evidence: GateEvidence, claim: Claim): Promise<void> {
  const { ports, report } = run;
  await ports.github.setStatus(pull.headSha, {
    state: STATUS_STATE[report.verdict],
    context: GATE_CONTEXT,
    description: `${report.verdict}: ${report.reasons[0] ?? 'every rule passed'}`,
  });
  report.actions.push('status');
  // A verdict other than merge must not leave GitHub free to merge on an earlier one's word.
  if (report.verdict !== 'merge' && (pull.autoMerge || pull.inQueue)) {
    await ports.github.holdBack(pull);
    report.actions.push('held-back');
  }
  if (report.verdict === 'merge') await merge(run, pull, claim);
  else if (evidence.mergeable === 'CONFLICTING') await handBack(run, pull);
  else if (
    report.verdict === 'wait' &&
    evidence.mergeState === 'BEHIND' &&
    evidence.mergeable === 'MERGEABLE'
  ) {
    await ports.github.updateBranch(pull);
    report.actions.push('branch-update-requested');
  }
  // A pull request the gate merged needs no comment of its own: its status, the job summary and
  // the ledger say why. A comment an earlier verdict left is brought up to date.
  if (report.actions.includes('merged') && !pull.comment) return;
  report.actions.push('comment');
  await ports.github.upsertComment(
    pull.number,
    pull.comment,
    `${GATE_COMMENT_MARKER}\n${renderGateReport(report, { run: run.context.runUrl })}`,
  );
}

async function merge(run: Run, pull: GatePull, claim: Claim): Promise<void> {
  const { ports, settings, report } = run;
  if (pull.draft) return; // the rules already wait on drafts; never merge one whatever happens
  if (pull.mergeQueue) {
    await ports.github.enqueue(pull);
    report.actions.push('enqueued');
    return;
  }
  // GitHub refuses auto-merge on a pull request it could merge now; do not ask it to.
  const mergeableNow = pull.mergeState === 'CLEAN' || pull.mergeState === 'UNSTABLE';
  const auto = mergeableNow
    ? 'already-clean'
    : await ports.github.enableAutoMerge(pull, settings.mergeMethod);
  if (auto === 'enabled') {
    report.actions.push('auto-merge-enabled');
    return;
  }
  // GitHub refuses auto-merge on a pull request that can merge now: merge it, guarded by the head.
  let answer = auto === 'head-moved' ? auto : await mergeOnce(ports, pull, settings.mergeMethod);
  // A refusal may be the retry of a merge that was applied while its answer was lost.
  if (answer !== 'merged' && (await ports.github.pull(pull.number)).state === 'MERGED')
    answer = 'merged';
  if (answer === 'merged') {
    report.actions.push('merged');
    await afterMerge(run, pull, claim);
    return;
  }
  report.verdict = 'wait';
  report.reasons.push(
    answer === 'head-moved'
      ? 'the head moved while the gate judged it: the new head is judged on the next run'
      : 'GitHub refused the merge; the next run judges again',
  );
}

/** A merge whose failure (a lost answer, a 5xx) is read back rather than thrown. */
async function mergeOnce(ports: GatePorts, pull: GatePull, method: string) {
  try {
    return await ports.github.merge(pull, method);
  } catch {
    return 'not-mergeable' as const;
  }
}

/** A conflict goes back to a worker: its files named on the pull request, the conflict label on. */
async function handBack(run: Run, pull: GatePull): Promise<void> {
  const { ports, settings, report } = run;
  report.conflicts = await ports.workspace.conflictingFiles(pull.baseSha, pull.headSha);
  if (!pull.labels.includes(settings.labels.conflict))
    await ports.github.addLabels(pull.number, [settings.labels.conflict]);
  report.actions.push('conflict-handed-back');
}

/**
 * After the merge: the ledger's release (`merged`) for the claim that did the work, the issue
 * closed and labelled completed, the branch deleted (by GitHub itself when the repository deletes
 * head branches on merge). Each step is skipped when already done, so the gate can run again
 * after GitHub merged on its own.
 */
async function afterMerge(run: Run, pull: GatePull, claim: Claim): Promise<void> {
  const { ports, settings, report } = run;
  const { ledger, ledgerSettings, issue, marks } = claim;
  const mark = marks.head;
  if (settings.dryRun || issue === null) return;
  const released = ledger.state.issues.get(issue)?.released;
  const done = released?.claim === mark?.claim && released?.outcome === 'merged';
  if (mark && !done && ledger.head && ledger.tampering.length === 0) {
    const entry = {
      type: 'release' as const,
      issue,
      claim: mark.claim,
      outcome: 'merged' as const,
      costUsd: 0,
      pr: pull.number,
      at: run.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    await appendComments(ports.ledger, ledger, ledgerSettings, [encodeEntries([entry])], '');
    report.actions.push('released');
  } else if (mark && !done) {
    report.warnings.push(
      'The ledger could not take the release: it is missing or was changed by hand.',
    );
  }
  // `Closes #N` closes it on a merge into the default branch; otherwise the gate does.
  const closedByGitHub = pull.issue !== null && pull.baseRef === pull.defaultBranch;
  if (!closedByGitHub) {
    await ports.github.closeIssue(issue);
    report.actions.push('issue-closed');
  }
  const labels = pull.issue?.labels ?? [settings.labels.inProgress];
  if (!labels.includes(settings.labels.completed))
    await ports.github.addLabels(issue, [settings.labels.completed]);
  if (labels.includes(settings.labels.inProgress))
    await ports.github.removeLabel(issue, settings.labels.inProgress);
  if (pull.deleteBranchOnMerge) {
    // "Automatically delete head branches" is on: GitHub deletes it, one request fewer here.
    report.actions.push('branch-deleted-by-github');
  } else {
    await ports.github.deleteBranch(pull.headRef);
    report.actions.push('branch-deleted');
  }
  // A split's original closes with its last sub-issue: this one was still open when read.
  const parent = pull.issue?.parent;
  if (parent?.open && parent.completed + (pull.issue!.open ? 1 : 0) >= parent.subIssues) {
    await ports.github.closeIssue(parent.number);
    report.actions.push('parent-closed');
  }
}
