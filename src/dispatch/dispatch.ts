import { coarsen, RepositoryTree } from '../backlog/footprint.js';
import type { BacklogIssue, IssueDetails, Permission } from '../backlog/issue.js';
import {
  describeSkip,
  isWaiting,
  planDispatch,
  type Picked,
  type Plan,
  type PlanInput,
  type PlanSettings,
  type Skipped,
} from '../backlog/plan.js';
import { describeTampering, newNonce, type Tampering } from '../ledger/chain.js';
import { encodeEntries, MAX_COMMENT_LENGTH } from '../ledger/codec.js';
import { renderDashboard, TRACKING_TITLE } from '../ledger/dashboard.js';
import type {
  ClaimEntry,
  ExhaustedEntry,
  ExpireEntry,
  LedgerEntry,
  RetryEntry,
} from '../ledger/entries.js';
import {
  applyEntry,
  effectiveClaim,
  openClaims,
  snapshotOf,
  type FoldStats,
} from '../ledger/fold.js';
import { identityKey, identityOf, restLogin, type Identity } from '../ledger/identity.js';
import {
  alertTampering,
  appendComments,
  applyRepairs,
  LostRace,
  openLedger,
  recoverLedger,
  rereadLedger,
  rotateLedger,
  trackingBody,
  type Ledger,
  type LedgerSettings,
  type Recovery,
} from '../ledger/ledger.js';
import { knownViewer, type LedgerPort } from '../ledger/port.js';
import { describeRepair } from '../ledger/tracking.js';
import { ConfigurationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { CLAIMED_NOTE, progressBody } from '../worker/report.js';
import type { DispatchPort, Overview } from './port.js';

export interface DispatchOptions extends PlanSettings {
  leaseMinutes: number;
  dryRun: boolean;
  ledgerWriters: string[];
  recoverLedger: boolean;
  labels: PlanSettings['labels'] & { inProgress: string; coordination: string };
}

export interface RunContext {
  runId: number;
  runAttempt: number;
  /** Who started the run, and by which event: a recovery needs a maintainer's workflow_dispatch. */
  actor: string;
  /** Who started this attempt of it (a re-run), when not the original actor. */
  triggeringActor: string;
  event: string;
}

export interface Claimed extends Picked {
  claim: string;
  lease: string;
}

export interface DispatchReport {
  trackingIssue: number | null;
  /** Who writes the ledger: this token's identity, as REST spells it (`my-app[bot]`). */
  writer: string;
  /** Claims that hold: the matrix. */
  claimed: Claimed[];
  /** Claims written but voided by a concurrent dispatch that claimed first. */
  lost: Claimed[];
  skipped: Skipped[];
  expired: ExpireEntry[];
  ledger: FoldStats;
  capacity: number;
  activeClaims: number;
  dryRun: boolean;
  rotatedFrom: number | null;
  treeFiles: number;
  warnings: string[];
  /** Set when the ledger was tampered with: nothing was claimed, and this says why. */
  tampering: Tampering[];
  /** This run posted the tracking issue's alert about it (a later run finds it there). */
  tamperingAlerted: boolean;
  /** Set when this run recovered the ledger. */
  recovery: Recovery | null;
  /** The day's budget left before this batch. */
  dayLeftUsd: number;
  /** Ledger comments this run wrote (claims, expirations, a rotation's snapshot). */
  written: number;
  /** Issues labelled failed in this run: out of attempts or budget. */
  failed: number[];
}

/** Rotate the log to a fresh tracking issue past this many comments, so one read holds it all. */
export const ROTATE_AT = 60;
/** Rounds of lookups (issue details, permissions) before planning gives up on the rest. */
const LOOKUP_ROUNDS = 4;
const IN_PROGRESS_COLOR = 'fbca04';

/** Unique per invocation: a re-run racing its original never writes the same claim id. */
export function claimIdFor(
  context: RunContext,
  issue: number,
  epoch: number,
  nonce: string,
): string {
  return `r${context.runId}a${context.runAttempt}-${nonce}-${issue}-e${epoch}`;
}

/**
 * Ledger entries as comments of at most GitHub's length, in order. Expirations and claims go in
 * one comment whatever the batch size: lines for people get brief, and when that is not enough
 * the largest footprints are coarsened (a coarser lock covers at least the same paths).
 */
export function commentsFor(entries: readonly LedgerEntry[]): string[] {
  // Room for the chain link that heads every ledger comment.
  const limit = MAX_COMMENT_LENGTH - 300;
  if (encodeEntries(entries).length <= limit) return [encodeEntries(entries)];
  const claims = entries.filter((entry) => entry.type === 'claim').length;
  if (!entries.some((entry) => entry.type === 'snapshot') && claims > 0) {
    if (encodeEntries(entries, { brief: true }).length <= limit)
      return [encodeEntries(entries, { brief: true })];
    const fixed = encodeEntries(
      entries.map((entry) => (entry.type === 'claim' ? { ...entry, files: [] } : entry)),
      { brief: true },
    ).length;
    const perClaim = Math.max(Math.floor((limit - fixed) / claims), 6);
    const coarse = entries.map((entry) =>
      entry.type === 'claim' ? { ...entry, files: coarsen(entry.files, perClaim) } : entry,
    );
    if (encodeEntries(coarse, { brief: true }).length <= limit)
      return [encodeEntries(coarse, { brief: true })];
  }
  // A snapshot of a long history may need several comments; each part stands alone.
  const bodies: string[] = [];
  let current: LedgerEntry[] = [];
  for (const entry of entries) {
    if (current.length > 0 && encodeEntries([...current, entry], { brief: true }).length > limit) {
      bodies.push(encodeEntries(current, { brief: true }));
      current = [];
    }
    current.push(entry);
  }
  if (current.length > 0) bodies.push(encodeEntries(current, { brief: true }));
  return bodies;
}

export interface DispatchPorts {
  github: DispatchPort;
  ledger: LedgerPort;
}

const FAILED_COLOR = 'b60205';

/** What one dispatch works with: its ports, settings, clock and the report it fills in. */
interface Run {
  ports: DispatchPorts;
  options: DispatchOptions;
  context: RunContext;
  now: Date;
  logger: Logger;
  ledgerSettings: LedgerSettings;
  ledger: Ledger;
  report: DispatchReport;
}

/** What dispatch reads of the repository besides the ledger. */
interface Repository {
  overview: Overview;
  backlog: (BacklogIssue & { nodeId: string })[];
  tree: RepositoryTree;
}

/**
 * One dispatch: open the ledger (or recover it, or stop on tampering), read the repository,
 * expire what no longer holds, plan with lookups, claim, then label and show.
 */
export async function dispatch(
  ports: DispatchPorts,
  options: DispatchOptions,
  context: RunContext,
  now: Date,
  logger: Logger,
): Promise<DispatchReport> {
  const ledgerSettings: LedgerSettings = {
    label: options.labels.coordination,
    writers: options.ledgerWriters.map(identityOf),
    title: TRACKING_TITLE,
  };
  // The repository first: its answer names the token's identity, which the ledger needs.
  const overview = await ports.github.overview({
    conflict: options.labels.conflict,
    inProgress: options.labels.inProgress,
    failed: options.labels.failed,
  });
  const ledger = await openLedger(
    overview.viewer ? knownViewer(ports.ledger, overview.viewer) : ports.ledger,
    ledgerSettings,
  );
  const run: Run = {
    ports,
    options,
    context,
    now,
    logger,
    ledgerSettings,
    ledger,
    report: emptyReport(ledger, options),
  };
  if (options.recoverLedger && ledger.tampering.length > 0) return recover(run);
  if (options.recoverLedger)
    run.report.warnings.push(
      'recover-ledger is set, but the ledger is intact: there is nothing to recover.',
    );
  if (ledger.tampering.length > 0) return stopOnTampering(run);
  if (ledger.state.stats.untrustedComments > 0)
    logger.info(
      `Ignored ${ledger.state.stats.untrustedComments} comment(s) on the tracking issue not written by the ledger's writers.`,
    );

  const repository = await readRepository(run, overview);
  await expireClaims(run);
  const plan = await planWithLookups(run, repository);
  const claims = claimsOf(run, plan);
  run.report.claimed = claims;
  if (options.dryRun) return run.report;

  for (const repair of await applyRepairs(ports.ledger, ledger, ledgerSettings))
    run.report.warnings.push(describeRepair(repair));
  try {
    await rotateIfLong(run);
  } catch (error) {
    if (!(error instanceof LostRace)) throw error;
    return lostRace(run, error);
  }
  const entries = ledgerEntries(run, plan, claims);
  if (entries.length > 0) {
    const appended = await append(run, entries);
    if (appended) await confirmClaims(run, claims, appended, entries);
  }
  await settleLabels(run, repository, plan);
  await refreshDashboard(run, repository);
  return run.report;
}

function emptyReport(ledger: Ledger, options: DispatchOptions): DispatchReport {
  return {
    trackingIssue: ledger.head?.number ?? null,
    writer: restLogin(ledger.viewer),
    claimed: [],
    lost: [],
    skipped: [],
    expired: [],
    ledger: ledger.state.stats,
    capacity: 0,
    activeClaims: 0,
    dryRun: options.dryRun,
    rotatedFrom: null,
    treeFiles: 0,
    warnings: [],
    tampering: ledger.tampering,
    tamperingAlerted: false,
    recovery: null,
    dayLeftUsd: 0,
    written: 0,
    failed: [],
  };
}

/** A maintainer's recovery of a tampered ledger; in a dry run, only the authority is checked. */
async function recover(run: Run): Promise<DispatchReport> {
  const { ports, options, now, ledger, report } = run;
  await requireMaintainer(ports.ledger, run.context);
  if (options.dryRun) return report;
  report.recovery = await recoverLedger(
    ports.ledger,
    ledger,
    run.ledgerSettings,
    {
      at: isoSeconds(now),
      lease: isoSeconds(leaseEnd(now, options.leaseMinutes)),
      fallback: options.fallbackFootprint,
    },
    commentsFor,
    renderDashboard({
      state: ledger.state,
      now,
      queue: [],
      dailyBudgetUsd: options.dailyBudgetUsd,
    }),
  );
  report.trackingIssue = report.recovery.issue;
  return report;
}

/** Fail closed: nothing is claimed or expired until a maintainer recovers the ledger. */
async function stopOnTampering(run: Run): Promise<DispatchReport> {
  for (const t of run.ledger.tampering)
    run.logger.error(`Ledger tampering: ${describeTampering(t)}.`);
  if (!run.options.dryRun)
    run.report.tamperingAlerted = await alertTampering(run.ports.ledger, run.ledger, run.now);
  return run.report;
}

async function readRepository(run: Run, overview: Overview): Promise<Repository> {
  const { labels } = run.options;
  const port = run.ports.github;
  const backlog = await port.backlog(labels.ready);
  const { paths, truncated } = await port.tree(overview.defaultBranch);
  if (truncated)
    run.report.warnings.push(
      'The repository tree was truncated by GitHub; footprints only see the files listed.',
    );
  const tree = new RepositoryTree(paths);
  run.report.treeFiles = tree.size;
  return { overview, backlog, tree };
}

/** Claims that no longer hold: the lease passed, or the run holding them is over. */
async function expireClaims(run: Run): Promise<void> {
  const { now, context, report } = run;
  const state = run.ledger.state;
  const at = isoSeconds(now);
  const open = openClaims(state);
  const expire = (claim: ClaimEntry, reason: ExpireEntry['reason']) =>
    report.expired.push({ type: 'expire', issue: claim.issue, claim: claim.claim, reason, at });
  for (const claim of open.filter((c) => Date.parse(c.lease) <= now.getTime()))
    expire(claim, 'lease-passed');
  const others = open.filter((c) => Date.parse(c.lease) > now.getTime() && c.run !== context.runId);
  if (others.length > 0) {
    // A run starts before it claims; two days back also covers a re-run of an older run.
    const earliest = Date.parse(others.map((c) => c.at).sort()[0]!);
    const since = new Date(earliest - 2 * 86_400_000).toISOString().slice(0, 10);
    const finished = await run.ports.github.finishedRuns(since);
    for (const claim of others.filter((c) => finished.has(c.run))) expire(claim, 'run-finished');
  }
  for (const entry of report.expired) applyEntry(state, entry);
}

/** Plans, looking up details and permissions only for the issues the batch may reach. */
async function planWithLookups(run: Run, repository: Repository): Promise<Plan> {
  const { options, now, report } = run;
  const port = run.ports.github;
  const { overview, backlog, tree } = repository;
  const details = new Map<number, IssueDetails>();
  const referenced = new Map<number, boolean>();
  const permissions = new Map<string, Permission>();
  for (const [login, permission] of overview.collaborators ?? [])
    permissions.set(identityKey({ login, bot: false }), permission);
  const permission = (identity: Identity): Permission | undefined => {
    const found = permissions.get(identityKey(identity));
    if (found !== undefined) return found;
    // With the complete collaborator list, anyone missing from it is no collaborator.
    return overview.collaborators && !identity.bot ? 'read' : undefined;
  };
  // The lookup maps fill in place between rounds; the input object is the same each time.
  const input: PlanInput = {
    backlog,
    conflicts: overview.conflicts,
    ledger: run.ledger.state,
    now,
    tree,
    details,
    permission,
    trusted: run.ledger.trusted,
    referenced,
  };
  let plan = planDispatch(input, options);
  for (let round = 0; round < LOOKUP_ROUNDS; round++) {
    const { needs } = plan;
    const wantedDetails = needs.details.filter((n) => !details.has(n));
    const wantedReferences = needs.references.filter((n) => !referenced.has(n));
    const wantedPermissions = needs.permissions.filter((who) => !permissions.has(identityKey(who)));
    if (wantedDetails.length + wantedReferences.length + wantedPermissions.length === 0) break;
    if (wantedDetails.length + wantedReferences.length > 0) {
      const found = await port.details(wantedDetails, wantedReferences, options.labels.ready);
      for (const n of wantedDetails)
        details.set(n, found.details.get(n) ?? { readyLabel: null, edits: [], parent: null });
      // A reference that does not resolve (deleted, or never existed) blocks nothing.
      for (const n of wantedReferences) referenced.set(n, found.referenced.get(n) ?? false);
    }
    if (wantedPermissions.length > 0) {
      const found = await port.permissions(wantedPermissions);
      for (const who of wantedPermissions)
        permissions.set(identityKey(who), found.get(identityKey(who)) ?? 'none');
    }
    plan = planDispatch(input, options);
  }
  for (const forced of options.forcedIssues.filter((n) => !backlog.some((i) => i.number === n)))
    report.warnings.push(
      `Issue #${forced} was asked for but is not an open issue labelled ${options.labels.ready}; it was not dispatched.`,
    );
  report.skipped = plan.skipped;
  report.dayLeftUsd = plan.dayLeftUsd;
  report.capacity = plan.capacity;
  report.activeClaims = plan.activeClaims;
  return plan;
}

function claimsOf(run: Run, plan: Plan): Claimed[] {
  const lease = isoSeconds(leaseEnd(run.now, run.options.leaseMinutes));
  const invocation = newNonce(4);
  return plan.picked.map((picked) => ({
    ...picked,
    claim: claimIdFor(run.context, picked.issue, picked.epoch, invocation),
    lease,
  }));
}

/**
 * A long log moves to a fresh tracking issue first, starting with a snapshot of this one; a log
 * flooded by others moves on the run that finds it, even with nothing else to write.
 */
async function rotateIfLong(run: Run): Promise<void> {
  const { ledger, report } = run;
  if (!ledger.head || ledger.commentCount < ROTATE_AT) return;
  const snapshot = snapshotOf(ledger.state, ledger.head.number, isoSeconds(run.now));
  const dashboard = (continues: number) =>
    renderDashboard({
      state: ledger.state,
      now: run.now,
      queue: [],
      dailyBudgetUsd: run.options.dailyBudgetUsd,
      continues,
    });
  report.rotatedFrom = await rotateLedger(
    run.ports.ledger,
    ledger,
    run.ledgerSettings,
    snapshot,
    commentsFor,
    dashboard,
  );
  report.written += commentsFor(snapshot).length;
  report.trackingIssue = ledger.head.number;
}

/** Expirations, failures, retries and claims, in the order they apply. */
function ledgerEntries(run: Run, plan: Plan, claims: readonly Claimed[]): LedgerEntry[] {
  const at = isoSeconds(run.now);
  const state = run.ledger.state;
  const exhausted: ExhaustedEntry[] = plan.exhausted.map(({ issue }) => ({
    type: 'exhausted',
    issue,
    attempts: state.issues.get(issue)?.attempts ?? 0,
    at,
  }));
  const retries: RetryEntry[] = plan.retries
    .filter((issue) => claims.some((c) => c.issue === issue))
    .map((issue) => ({ type: 'retry', issue, at }));
  const claimEntries: ClaimEntry[] = claims.map((c) => ({
    type: 'claim',
    issue: c.issue,
    claim: c.claim,
    epoch: c.epoch,
    kind: c.kind,
    files: c.footprint.entries.slice(0, 1000),
    run: run.context.runId,
    lease: c.lease,
    at,
    ...(c.pull ? { pr: c.pull } : {}),
    ...(c.complexity ? { complexity: c.complexity } : {}),
  }));
  return [...run.report.expired, ...exhausted, ...retries, ...claimEntries];
}

/** Appends the entries, or learns that a concurrent run opened the first tracking issue. */
async function append(run: Run, entries: LedgerEntry[]): Promise<number[] | undefined> {
  const { ledger, report } = run;
  try {
    const dashboard = renderDashboard({
      state: ledger.state,
      now: run.now,
      queue: [],
      dailyBudgetUsd: run.options.dailyBudgetUsd,
    });
    const appended = await appendComments(
      run.ports.ledger,
      ledger,
      run.ledgerSettings,
      commentsFor(entries),
      dashboard,
    );
    report.written += appended.length;
    report.trackingIssue = ledger.head!.number;
    return appended;
  } catch (error) {
    if (!(error instanceof LostRace)) throw error;
    lostRace(run, error);
    return undefined;
  }
}

/** Another run opened the ledger's next tracking issue first: this one claims nothing. */
function lostRace(run: Run, error: LostRace): DispatchReport {
  const { report } = run;
  report.lost = report.claimed;
  report.claimed = [];
  report.warnings.push(`Claimed nothing: ${error.message}.`);
  return report;
}

/** Reads the log back: an append that lost its place in the chain to a concurrent one is void. */
async function confirmClaims(
  run: Run,
  claims: readonly Claimed[],
  appended: readonly number[],
  entries: readonly LedgerEntry[],
): Promise<void> {
  const { report, now } = run;
  const state = run.ledger.state;
  if (claims.length > 0) {
    const after = await rereadLedger(run.ports.ledger, run.ledger);
    const accepted = new Set(after.log?.accepted.map((c) => c.id));
    const holds = (c: Claimed) =>
      after.tampering.length === 0 &&
      appended.every((id) => accepted.has(id)) &&
      effectiveClaim(after.state, c.issue, now)?.claim === c.claim;
    report.claimed = claims.filter(holds);
    report.lost = claims.filter((c) => !holds(c));
    if (report.lost.length > 0)
      report.warnings.push(
        `${report.lost.length} claim(s) lost to a concurrent ledger write and were left out of the matrix.`,
      );
  }
  // The state the dashboard shows: what was written and held.
  for (const entry of entries)
    if (
      entry.type !== 'expire' &&
      (entry.type !== 'claim' || report.claimed.some((c) => c.claim === entry.claim))
    )
      applyEntry(state, entry);
}

/**
 * Labels are views, written in one request: the batch gets the in-progress label, an expired
 * claim's issue loses it, and an issue out of attempts or budget gets the failed label with one
 * comment saying why and how to retry. A failure here is reported; the ledger stands.
 */
async function settleLabels(run: Run, repository: Repository, plan: Plan): Promise<void> {
  const { options, report } = run;
  const { labels } = options;
  const port = run.ports.github;
  const nodeOf = (issue: number) =>
    repository.backlog.find((candidate) => candidate.number === issue)?.nodeId;
  const claimedIssues = new Set(report.claimed.map((c) => c.issue));
  const start = report.claimed
    .filter((c) => c.kind === 'issue')
    .flatMap((c) => nodeOf(c.issue) ?? []);
  const stop = report.expired
    .filter((e) => !claimedIssues.has(e.issue))
    .flatMap((e) => nodeOf(e.issue) ?? []);
  // An issue's first claim opens its progress comment here, in the same request: its worker
  // finds it and edits it from then on. Later claims find the one their predecessors kept.
  const progress = report.claimed
    .filter((c) => c.kind === 'issue' && c.epoch === 1)
    .flatMap((c) => {
      const nodeId = nodeOf(c.issue);
      return nodeId ? [{ nodeId, body: claimedProgress(c) }] : [];
    });
  const fail = plan.exhausted.flatMap(({ issue, reason }) => {
    const nodeId = nodeOf(issue);
    return nodeId ? [{ issue, nodeId, comment: failureComment(describeSkip(reason), labels) }] : [];
  });
  if (start.length + stop.length + fail.length === 0) return;
  try {
    const label = async (known: string | null, name: string, color: string, description: string) =>
      known ?? (await port.createLabel(name, color, description));
    const inProgress =
      start.length + stop.length > 0
        ? await label(
            repository.overview.inProgressLabelId,
            labels.inProgress,
            IN_PROGRESS_COLOR,
            'An AI worker holds a claim on this issue',
          )
        : '';
    const failed =
      fail.length > 0
        ? await label(
            repository.overview.failedLabelId,
            labels.failed,
            FAILED_COLOR,
            'AI workers used up their attempts or budget on this issue',
          )
        : '';
    await port.settle({
      add: [
        ...start.map((nodeId) => ({ nodeId, labelId: inProgress })),
        ...fail.map(({ nodeId }) => ({ nodeId, labelId: failed })),
      ],
      remove: stop.map((nodeId) => ({ nodeId, labelId: inProgress })),
      comment: [...fail.map(({ nodeId, comment }) => ({ nodeId, body: comment })), ...progress],
    });
    report.failed = fail.map(({ issue }) => issue);
  } catch (error) {
    report.warnings.push(`Could not update the issues' labels: ${String(error)}`);
  }
}

/** The progress comment as dispatch opens it: claimed, its worker about to start. */
export function claimedProgress(claimed: Claimed): string {
  return progressBody(claimed.issue, { claim: claimed.claim, epoch: claimed.epoch }, null, {
    // The worker takes the branch: until then the first step is under way.
    current: 'claimed',
    done: [],
    round: null,
    note: `${CLAIMED_NOTE} Lease until ${claimed.lease}.`,
    costUsd: 0,
    issueCostUsd: 0,
    pull: null,
  });
}

/** The one comment an issue gets when it is labelled failed. */
export function failureComment(why: string, labels: { ready: string; failed: string }): string {
  return [
    `**AI Scrum Master:** no AI worker will take this issue again as it stands: ${why}.`,
    '',
    `To give it another round, someone with write access removes the \`${labels.failed}\` label and applies \`${labels.ready}\` again (removing it first: only a new application counts); its attempts and budget then count afresh. What was tried is on the tracking issue and in this issue's pull requests.`,
  ].join('\n');
}

const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const leaseEnd = (now: Date, minutes: number) => new Date(now.getTime() + minutes * 60_000);

/**
 * Recovery rewrites the ledger: only a maintainer may ask for it, by hand. A re-run keeps the
 * original run's actor, so whoever re-ran it must be a maintainer too.
 */
async function requireMaintainer(port: LedgerPort, context: RunContext): Promise<void> {
  if (context.event !== 'workflow_dispatch')
    throw new ConfigurationError(
      `Invalid input 'recover-ledger': a recovery runs only in a workflow_dispatch run, not on ${context.event || 'an unknown event'}.`,
    );
  for (const actor of new Set([context.actor, context.triggeringActor || context.actor])) {
    const role = actor ? await port.role(actor) : 'none';
    if (role !== 'admin' && role !== 'maintain')
      throw new ConfigurationError(
        `Invalid input 'recover-ledger': ${actor || 'the run’s actor'} has ${role} access; a recovery needs admin or maintain.`,
      );
  }
}

async function refreshDashboard(run: Run, repository: Repository): Promise<void> {
  const { ledger, report } = run;
  if (!ledger.head) return;
  // The queue: issues that wait for capacity or for a lock, in queue order.
  const queue = report.skipped
    .filter((s) => isWaiting(s.reason))
    .map((s) => ({ issue: s.issue, title: s.title }));
  const body = trackingBody(
    renderDashboard({
      state: ledger.state,
      now: run.now,
      queue,
      dailyBudgetUsd: run.options.dailyBudgetUsd,
      titles: new Map(repository.backlog.map((issue) => [issue.number, issue.title])),
      ...(ledger.predecessor ? { continues: ledger.predecessor } : {}),
    }),
    // The chain's length so far: a later deletion of its last comments then shows.
    { ...ledger.head.marker, seq: ledger.chain.seq },
  );
  if (body === ledger.head.body) return;
  await run.ports.ledger
    .updateBody(ledger.head.number, body)
    .catch((error: unknown) =>
      report.warnings.push(`Could not update the dashboard: ${String(error)}`),
    );
}
