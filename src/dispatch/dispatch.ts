import { coarsen, RepositoryTree } from '../backlog/footprint.js';
import type { IssueDetails, Permission } from '../backlog/issue.js';
import {
  planDispatch,
  type Picked,
  type PlanInput,
  type PlanSettings,
  type Skipped,
} from '../backlog/plan.js';
import { encodeEntries, MAX_COMMENT_LENGTH } from '../ledger/codec.js';
import { renderDashboard, TRACKING_TITLE } from '../ledger/dashboard.js';
import type { ClaimEntry, ExpireEntry, LedgerEntry } from '../ledger/entries.js';
import {
  applyEntry,
  effectiveClaim,
  foldLedger,
  identityOf,
  openClaims,
  sameIdentity,
  snapshotOf,
  type FoldStats,
  type Identity,
  type LedgerState,
} from '../ledger/fold.js';
import type { Logger } from '../logger.js';
import type { DispatchPort, TrackingIssue } from './port.js';

export interface DispatchOptions extends PlanSettings {
  leaseMinutes: number;
  dryRun: boolean;
  ledgerWriters: string[];
  labels: PlanSettings['labels'] & { inProgress: string; coordination: string };
}

export interface RunContext {
  runId: number;
  runAttempt: number;
}

export interface Claimed extends Picked {
  claim: string;
  lease: string;
}

export interface DispatchReport {
  trackingIssue: number | null;
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
}

/** Rotate the log to a fresh tracking issue past this many comments, so one read holds it all. */
export const ROTATE_AT = 60;
/** Rounds of lookups (issue details, permissions) before planning gives up on the rest. */
const LOOKUP_ROUNDS = 4;
const IN_PROGRESS_COLOR = 'fbca04';

const key = (identity: Identity) => `${identity.login}:${identity.bot ? 'bot' : 'user'}`;

export function claimIdFor(context: RunContext, issue: number, epoch: number): string {
  return `r${context.runId}a${context.runAttempt}-${issue}-e${epoch}`;
}

function trustFor(tracking: TrackingIssue | undefined, writers: readonly Identity[]) {
  return (identity: Identity) =>
    (tracking?.author != null && sameIdentity(identity, tracking.author)) ||
    writers.some((writer) => sameIdentity(writer, identity));
}

/**
 * Ledger entries as comments of at most GitHub's length, in order. Expirations and claims go in
 * one comment whatever the batch size: lines for people get brief, and when that is not enough
 * the largest footprints are coarsened (a coarser lock covers at least the same paths).
 */
export function commentsFor(entries: readonly LedgerEntry[]): string[] {
  const limit = MAX_COMMENT_LENGTH - 100;
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

/**
 * The tracking issue: the lowest-numbered open one opened by this token's identity or a ledger
 * writer. One opened by anyone else (who could then write a trusted log) is ignored.
 */
function ownTracking(
  candidates: readonly TrackingIssue[],
  viewer: string,
  writers: readonly Identity[],
) {
  return candidates.find(
    (issue) =>
      issue.author !== null &&
      (issue.author.login === viewer ||
        writers.some((writer) => sameIdentity(writer, issue.author!))),
  );
}

async function readLog(port: DispatchPort, tracking: TrackingIssue | undefined) {
  if (!tracking) return [];
  // A log longer than one page (someone flooding the issue, say) is read in full, not guessed at.
  return tracking.commentCount > tracking.comments.length
    ? port.allComments(tracking.number)
    : tracking.comments;
}

export async function dispatch(
  port: DispatchPort,
  options: DispatchOptions,
  context: RunContext,
  now: Date,
  logger: Logger,
): Promise<DispatchReport> {
  const warnings: string[] = [];
  const labels = options.labels;
  const writers = options.ledgerWriters.map(identityOf);
  const overview = await port.overview({
    coordination: labels.coordination,
    conflict: labels.conflict,
    inProgress: labels.inProgress,
  });
  let tracking = ownTracking(overview.tracking, overview.viewer, writers);
  const state = foldLedger(await readLog(port, tracking), trustFor(tracking, writers));
  if (state.stats.untrustedComments > 0) {
    logger.info(
      `Ignored ${state.stats.untrustedComments} comment(s) on the tracking issue not written by the ledger's writers.`,
    );
  }
  const backlog = await port.backlog(labels.ready);
  const { paths, truncated } = await port.tree(overview.defaultBranch);
  if (truncated)
    warnings.push(
      'The repository tree was truncated by GitHub; footprints only see the files listed.',
    );
  const tree = new RepositoryTree(paths);

  // Claims that no longer hold: the lease passed, or the run holding them is over.
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const expired: ExpireEntry[] = [];
  const open = openClaims(state);
  for (const claim of open.filter((c) => Date.parse(c.lease) <= now.getTime())) {
    expired.push({
      type: 'expire',
      issue: claim.issue,
      claim: claim.claim,
      reason: 'lease-passed',
      at,
    });
  }
  const others = open.filter((c) => Date.parse(c.lease) > now.getTime() && c.run !== context.runId);
  if (others.length > 0) {
    // A run starts before it claims; two days back also covers a re-run of an older run.
    const earliest = Date.parse(others.map((c) => c.at).sort()[0]!);
    const since = new Date(earliest - 2 * 86_400_000).toISOString().slice(0, 10);
    const finished = await port.finishedRuns(since);
    for (const claim of others.filter((c) => finished.has(c.run))) {
      expired.push({
        type: 'expire',
        issue: claim.issue,
        claim: claim.claim,
        reason: 'run-finished',
        at,
      });
    }
  }
  for (const entry of expired) applyEntry(state, entry);

  // Plan, looking up details and permissions only for the issues it may reach.
  const details = new Map<number, IssueDetails>();
  const referenced = new Map<number, boolean>();
  const permissions = new Map<string, Permission>();
  for (const [login, permission] of overview.collaborators ?? [])
    permissions.set(`${login}:user`, permission);
  const permission = (identity: Identity): Permission | undefined => {
    const found = permissions.get(key(identity));
    if (found !== undefined) return found;
    // With the complete collaborator list, anyone missing from it is no collaborator.
    return overview.collaborators && !identity.bot ? 'read' : undefined;
  };
  const trusted = trustFor(tracking, writers);
  // The lookup maps fill in place between rounds; the input object is the same each time.
  const planInput: PlanInput = {
    backlog,
    conflicts: overview.conflicts,
    ledger: state,
    now,
    tree,
    details,
    permission,
    trusted,
    referenced,
  };
  let plan = planDispatch(planInput, options);
  for (let round = 0; round < LOOKUP_ROUNDS; round++) {
    const { needs } = plan;
    const wantedDetails = needs.details.filter((n) => !details.has(n));
    const wantedReferences = needs.references.filter((n) => !referenced.has(n));
    const wantedPermissions = needs.permissions.filter(
      (identity) => !permissions.has(key(identity)),
    );
    if (wantedDetails.length + wantedReferences.length + wantedPermissions.length === 0) break;
    if (wantedDetails.length + wantedReferences.length > 0) {
      const found = await port.details(wantedDetails, wantedReferences, labels.ready);
      for (const n of wantedDetails)
        details.set(n, found.details.get(n) ?? { readyLabel: null, edits: [], parent: null });
      // A reference that does not resolve (deleted, or never existed) blocks nothing.
      for (const n of wantedReferences) referenced.set(n, found.referenced.get(n) ?? false);
    }
    if (wantedPermissions.length > 0) {
      const found = await port.permissions(wantedPermissions);
      for (const identity of wantedPermissions)
        permissions.set(key(identity), found.get(key(identity)) ?? 'none');
    }
    plan = planDispatch(planInput, options);
  }
  for (const forced of options.forcedIssues.filter(
    (n) => !backlog.some((issue) => issue.number === n),
  )) {
    warnings.push(
      `Issue #${forced} was asked for but is not an open issue labelled ${labels.ready}; it was not dispatched.`,
    );
  }
  const skipped = plan.skipped.map((s) =>
    s.reason.startsWith('not reached')
      ? { ...s, reason: 'not checked this run (lookup limit)' }
      : s,
  );

  const lease = new Date(now.getTime() + options.leaseMinutes * 60_000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  const claims: Claimed[] = plan.picked.map((picked) => ({
    ...picked,
    claim: claimIdFor(context, picked.issue, picked.epoch),
    lease,
  }));
  const report: DispatchReport = {
    trackingIssue: tracking?.number ?? null,
    claimed: claims,
    lost: [],
    skipped,
    expired,
    ledger: state.stats,
    capacity: plan.capacity,
    activeClaims: plan.activeClaims,
    dryRun: options.dryRun,
    rotatedFrom: null,
    treeFiles: tree.size,
    warnings,
  };
  if (options.dryRun) return report;

  const claimEntries: ClaimEntry[] = claims.map((c) => ({
    type: 'claim',
    issue: c.issue,
    claim: c.claim,
    epoch: c.epoch,
    kind: c.kind,
    files: c.footprint.entries.slice(0, 1000),
    run: context.runId,
    lease: c.lease,
    at,
    ...(c.pull ? { pr: c.pull } : {}),
  }));
  const entries: LedgerEntry[] = [...expired, ...claimEntries];
  if (entries.length === 0 && tracking) {
    await refreshDashboard(port, tracking, state, now, skipped, options, warnings);
    return report;
  }

  // A missing tracking issue is created; a long log moves to a fresh one, starting with a snapshot.
  const rotate = tracking !== undefined && tracking.commentCount >= ROTATE_AT;
  const previous = tracking;
  if (!tracking || rotate) {
    const body = renderDashboard({
      state,
      now,
      queue: [],
      dailyBudgetUsd: options.dailyBudgetUsd,
      ...(rotate ? { continues: previous!.number } : {}),
    });
    tracking = await port.createTrackingIssue(TRACKING_TITLE, body, labels.coordination);
    report.trackingIssue = tracking.number;
  }
  if (rotate && previous) {
    const keep = new Set([
      ...backlog.map((issue) => issue.number),
      ...overview.conflicts.map((c) => c.issue),
    ]);
    const snapshot = snapshotOf(state, previous.number, at, (issue) => keep.has(issue));
    entries.unshift(...snapshot);
    report.rotatedFrom = previous.number;
  }
  for (const body of commentsFor(entries)) await port.appendComment(tracking.number, body);
  if (rotate && previous) {
    await port
      .closeIssue(
        previous.number,
        `${previous.body}\n\nThe ledger continues in #${tracking.number}.`,
      )
      .catch((error: unknown) =>
        warnings.push(
          `Could not close the previous tracking issue #${previous.number}: ${String(error)}`,
        ),
      );
  }

  // Read the ledger back: a concurrent dispatch may have claimed first, voiding our claims.
  if (claims.length > 0) {
    const fresh = await port.ledger(labels.coordination);
    const winner = ownTracking(fresh.tracking, fresh.viewer, writers);
    const after = winner
      ? foldLedger(await readLog(port, winner), trustFor(winner, writers))
      : undefined;
    const holds = (c: Claimed) =>
      winner?.number === tracking!.number &&
      after !== undefined &&
      effectiveClaim(after, c.issue, now)?.claim === c.claim;
    report.claimed = claims.filter(holds);
    report.lost = claims.filter((c) => !holds(c));
    if (report.lost.length > 0) {
      warnings.push(
        `${report.lost.length} claim(s) lost to a concurrent dispatch and were left out of the matrix.`,
      );
    }
  }
  for (const entry of claimEntries)
    if (report.claimed.some((c) => c.claim === entry.claim)) applyEntry(state, entry);

  // Labels and the dashboard are views: a failure there is reported, the claims stand.
  const toLabel = report.claimed
    .filter((c) => c.kind === 'issue')
    .flatMap((c) => backlog.find((issue) => issue.number === c.issue)?.nodeId ?? []);
  if (toLabel.length > 0) {
    try {
      const labelId =
        overview.inProgressLabelId ??
        (await port.createLabel(
          labels.inProgress,
          IN_PROGRESS_COLOR,
          'An AI worker holds a claim on this issue',
        ));
      await port.addLabel(labelId, toLabel);
    } catch (error) {
      warnings.push(`Could not label the batch ${labels.inProgress}: ${String(error)}`);
    }
  }
  await refreshDashboard(port, tracking, state, now, skipped, options, warnings);
  return report;
}

async function refreshDashboard(
  port: DispatchPort,
  tracking: TrackingIssue,
  state: LedgerState,
  now: Date,
  skipped: readonly Skipped[],
  options: DispatchOptions,
  warnings: string[],
): Promise<void> {
  const queue = skipped
    .filter((s) => s.reason === 'no capacity')
    .map((s) => ({ issue: s.issue, title: s.title }));
  const body = renderDashboard({ state, now, queue, dailyBudgetUsd: options.dailyBudgetUsd });
  if (body === tracking.body) return;
  await port
    .updateIssueBody(tracking.number, body)
    .catch((error: unknown) => warnings.push(`Could not update the dashboard: ${String(error)}`));
}
