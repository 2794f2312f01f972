import { coarsen, RepositoryTree } from '../backlog/footprint.js';
import type { IssueDetails, Permission } from '../backlog/issue.js';
import {
  planDispatch,
  type Picked,
  type PlanInput,
  type PlanSettings,
  type Skipped,
} from '../backlog/plan.js';
import { describeTampering, newNonce, type Tampering } from '../ledger/chain.js';
import { encodeEntries, MAX_COMMENT_LENGTH } from '../ledger/codec.js';
import { renderDashboard, TRACKING_TITLE } from '../ledger/dashboard.js';
import type { ClaimEntry, ExpireEntry, LedgerEntry } from '../ledger/entries.js';
import {
  applyEntry,
  effectiveClaim,
  openClaims,
  snapshotOf,
  type FoldStats,
  type LedgerState,
} from '../ledger/fold.js';
import { identityKey, identityOf, type Identity } from '../ledger/identity.js';
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
import type { LedgerPort } from '../ledger/port.js';
import { describeRepair } from '../ledger/tracking.js';
import { ConfigurationError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DispatchPort } from './port.js';

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
  /** Set when this run recovered the ledger. */
  recovery: Recovery | null;
  /** The day's budget left before this batch. */
  dayLeftUsd: number;
  /** Ledger comments this run wrote (claims, expirations, a rotation's snapshot). */
  written: number;
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

export async function dispatch(
  ports: DispatchPorts,
  options: DispatchOptions,
  context: RunContext,
  now: Date,
  logger: Logger,
): Promise<DispatchReport> {
  const port = ports.github;
  const warnings: string[] = [];
  const labels = options.labels;
  const ledgerSettings: LedgerSettings = {
    label: labels.coordination,
    writers: options.ledgerWriters.map(identityOf),
    title: TRACKING_TITLE,
  };
  const ledger = await openLedger(ports.ledger, ledgerSettings);
  const state = ledger.state;
  const report: DispatchReport = {
    trackingIssue: ledger.head?.number ?? null,
    claimed: [],
    lost: [],
    skipped: [],
    expired: [],
    ledger: state.stats,
    capacity: 0,
    activeClaims: 0,
    dryRun: options.dryRun,
    rotatedFrom: null,
    treeFiles: 0,
    warnings,
    tampering: ledger.tampering,
    recovery: null,
    dayLeftUsd: 0,
    written: 0,
  };
  if (options.recoverLedger) {
    if (ledger.tampering.length === 0) {
      warnings.push(
        'recover-ledger is set, but the ledger is intact: there is nothing to recover.',
      );
    } else {
      await requireMaintainer(ports.ledger, context);
      if (!options.dryRun) {
        report.recovery = await recoverLedger(
          ports.ledger,
          ledger,
          ledgerSettings,
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
      }
      return report;
    }
  }
  if (ledger.tampering.length > 0) {
    // Fail closed: nothing is claimed or expired until a maintainer recovers the ledger.
    for (const t of ledger.tampering) logger.error(`Ledger tampering: ${describeTampering(t)}.`);
    if (!options.dryRun) await alertTampering(ports.ledger, ledger, now);
    return report;
  }
  if (state.stats.untrustedComments > 0) {
    logger.info(
      `Ignored ${state.stats.untrustedComments} comment(s) on the tracking issue not written by the ledger's writers.`,
    );
  }
  const overview = await port.overview({
    conflict: labels.conflict,
    inProgress: labels.inProgress,
  });
  const backlog = await port.backlog(labels.ready);
  const { paths, truncated } = await port.tree(overview.defaultBranch);
  if (truncated)
    warnings.push(
      'The repository tree was truncated by GitHub; footprints only see the files listed.',
    );
  const tree = new RepositoryTree(paths);
  report.treeFiles = tree.size;

  // Claims that no longer hold: the lease passed, or the run holding them is over.
  const at = isoSeconds(now);
  const expired = report.expired;
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
    permissions.set(identityKey({ login, bot: false }), permission);
  const permission = (identity: Identity): Permission | undefined => {
    const found = permissions.get(identityKey(identity));
    if (found !== undefined) return found;
    // With the complete collaborator list, anyone missing from it is no collaborator.
    return overview.collaborators && !identity.bot ? 'read' : undefined;
  };
  // The lookup maps fill in place between rounds; the input object is the same each time.
  const planInput: PlanInput = {
    backlog,
    conflicts: overview.conflicts,
    ledger: state,
    now,
    tree,
    details,
    permission,
    trusted: ledger.trusted,
    referenced,
  };
  let plan = planDispatch(planInput, options);
  for (let round = 0; round < LOOKUP_ROUNDS; round++) {
    const { needs } = plan;
    const wantedDetails = needs.details.filter((n) => !details.has(n));
    const wantedReferences = needs.references.filter((n) => !referenced.has(n));
    const wantedPermissions = needs.permissions.filter(
      (identity) => !permissions.has(identityKey(identity)),
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
        permissions.set(identityKey(identity), found.get(identityKey(identity)) ?? 'none');
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
  report.skipped = plan.skipped;
  report.dayLeftUsd = plan.dayLeftUsd;
  report.capacity = plan.capacity;
  report.activeClaims = plan.activeClaims;

  const lease = isoSeconds(leaseEnd(now, options.leaseMinutes));
  const invocation = newNonce(4);
  const claims: Claimed[] = plan.picked.map((picked) => ({
    ...picked,
    claim: claimIdFor(context, picked.issue, picked.epoch, invocation),
    lease,
  }));
  report.claimed = claims;
  if (options.dryRun) return report;

  for (const repair of await applyRepairs(ports.ledger, ledger, ledgerSettings))
    warnings.push(describeRepair(repair));
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
    ...(c.complexity ? { complexity: c.complexity } : {}),
  }));
  const entries: LedgerEntry[] = [...expired, ...claimEntries];
  const dashboard = (continues?: number) =>
    renderDashboard({
      state,
      now,
      queue: [],
      dailyBudgetUsd: options.dailyBudgetUsd,
      ...(continues ? { continues } : {}),
    });
  // A long log moves to a fresh tracking issue first, starting with a snapshot of this one; a
  // log flooded by others moves on the run that finds it, even with nothing else to write.
  if (ledger.head && ledger.commentCount >= ROTATE_AT) {
    const snapshot = snapshotOf(state, ledger.head.number, at);
    report.rotatedFrom = await rotateLedger(
      ports.ledger,
      ledger,
      ledgerSettings,
      snapshot,
      commentsFor,
      dashboard,
    );
    report.written += commentsFor(snapshot).length;
    report.trackingIssue = ledger.head.number;
  }
  // Nothing to write: a first run with nothing to claim opens no tracking issue.
  if (entries.length === 0) {
    await refreshDashboard(ports.ledger, ledger, state, now, report.skipped, options, warnings);
    return report;
  }
  let appended: number[];
  try {
    appended = await appendComments(
      ports.ledger,
      ledger,
      ledgerSettings,
      commentsFor(entries),
      dashboard(),
    );
  } catch (error) {
    if (!(error instanceof LostRace)) throw error;
    report.lost = claims;
    report.claimed = [];
    warnings.push(`Claimed nothing: ${error.message}.`);
    return report;
  }
  report.written += appended.length;
  report.trackingIssue = ledger.head!.number;

  // Read the log back: an append that lost its place in the chain to a concurrent one is void.
  if (claims.length > 0) {
    const after = await rereadLedger(ports.ledger, ledger);
    const accepted = new Set(after.log?.accepted.map((c) => c.id));
    const holds = (c: Claimed) =>
      after.tampering.length === 0 &&
      appended.every((id) => accepted.has(id)) &&
      effectiveClaim(after.state, c.issue, now)?.claim === c.claim;
    report.claimed = claims.filter(holds);
    report.lost = claims.filter((c) => !holds(c));
    if (report.lost.length > 0) {
      warnings.push(
        `${report.lost.length} claim(s) lost to a concurrent ledger write and were left out of the matrix.`,
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
  await refreshDashboard(ports.ledger, ledger, state, now, report.skipped, options, warnings);
  return report;
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

async function refreshDashboard(
  port: LedgerPort,
  ledger: Ledger,
  state: LedgerState,
  now: Date,
  skipped: readonly Skipped[],
  options: DispatchOptions,
  warnings: string[],
): Promise<void> {
  if (!ledger.head) return;
  // The queue: issues that wait for capacity or for a lock, in queue order.
  const queue = skipped
    .filter((s) => ['no-capacity', 'locked', 'fallback-busy'].includes(s.reason.kind))
    .map((s) => ({ issue: s.issue, title: s.title }));
  const body = trackingBody(
    renderDashboard({
      state,
      now,
      queue,
      dailyBudgetUsd: options.dailyBudgetUsd,
      ...(ledger.predecessor ? { continues: ledger.predecessor } : {}),
    }),
    // The chain's length so far: a later deletion of its last comments then shows.
    { ...ledger.head.marker, seq: ledger.chain.seq },
  );
  if (body === ledger.head.body) return;
  await port
    .updateBody(ledger.head.number, body)
    .catch((error: unknown) => warnings.push(`Could not update the dashboard: ${String(error)}`));
}
