import picomatch from 'picomatch';
import type { IssueRecord } from '../ledger/entries.js';
import {
  effectiveClaim,
  effectiveClaims,
  spendOn,
  utcDay,
  type LedgerState,
} from '../ledger/fold.js';
import { identityKey, showIdentity, type Identity } from '../ledger/identity.js';
import { attemptEstimate, type Estimate } from './admission.js';
import { estimateFootprint, type Footprint, type RepositoryTree } from './footprint.js';
import {
  canWrite,
  textualDependencies,
  type BacklogIssue,
  type IssueDetails,
  type Permission,
} from './issue.js';

/** Batch selection: pure, deterministic, and explicit about every issue it does not pick. */

export interface PlanSettings {
  maxWorkers: number;
  maxAttempts: number;
  dailyBudgetUsd: number;
  issueBudgetUsd: number;
  forcedIssues: number[];
  labels: {
    ready: string;
    completed: string;
    failed: string;
    conflict: string;
    coordination?: string;
  };
  /** Labels from most to least urgent; an issue without one comes last. */
  priorityOrder: string[];
  /** Labels from smallest to largest; an issue without one comes after them. */
  complexityOrder: string[];
  /** Entries locked for an issue whose text names no file of the repository. */
  fallbackFootprint: string[];
  /** Globs no AI worker may change: an issue whose footprint names one is left to people. */
  protectedPaths: string[];
}

/** A pull request labelled for conflict resolution, going back to a worker. */
export interface ConflictPull {
  pull: number;
  issue: number;
  title: string;
  /** Who opened the pull request (null: a deleted account). */
  author: Identity | null;
  /** The head branch lives in a fork, not in this repository. */
  fromFork: boolean;
  /** Who last applied the conflict label (null: unknown, or a deleted account). */
  labelledBy: Identity | null;
}

export interface PlanInput {
  backlog: BacklogIssue[];
  conflicts: ConflictPull[];
  ledger: LedgerState;
  now: Date;
  tree: RepositoryTree;
  details: ReadonlyMap<number, IssueDetails>;
  /** Permission of an identity, or undefined while it has not been looked up. */
  permission: (identity: Identity) => Permission | undefined;
  /** The ledger's own writers, whose labels and edits count as authorised. */
  trusted: (identity: Identity) => boolean;
  /** Whether an issue named in `depends on #N` is open, for issues outside the backlog. */
  referenced: ReadonlyMap<number, boolean>;
}

export interface Picked {
  kind: 'issue' | 'conflict';
  issue: number;
  pull?: number;
  title: string;
  epoch: number;
  footprint: Footprint;
  /** The issue's complexity label, if it has one of the configured ones. */
  complexity: string | null;
  estimate: Estimate;
}

/** Why an issue was not picked: data, described for people by `describeSkip`. */
export type SkipReason =
  | { kind: 'tracking-issue' }
  | { kind: 'labelled'; label: string }
  | { kind: 'conflict-label'; label: string }
  | { kind: 'resolving' }
  | { kind: 'in-progress'; claim: string; epoch: number }
  | { kind: 'attempts-used'; attempts: number; max: number }
  | { kind: 'issue-budget'; spent: number; budget: number }
  | { kind: 'daily-budget'; budget: number }
  | { kind: 'over-estimate'; scope: 'issue' | 'day'; left: number; estimate: number }
  | { kind: 'protected'; path: string }
  | { kind: 'native-blockers'; count: number }
  | { kind: 'sub-issues'; count: number }
  | { kind: 'blocked-by'; issue: number }
  | { kind: 'sub-issue-order'; earlier: number; parent: number }
  | { kind: 'locked'; holder: number; path: string }
  | { kind: 'fallback-busy'; fallback: string[] }
  | { kind: 'no-capacity' }
  | { kind: 'not-reached' }
  | { kind: 'unauthorised'; label: string; by: Identity | null; access: string }
  | { kind: 'no-label-record'; label: string }
  | { kind: 'edited'; what: 'body' | 'title'; by: Identity | null; access: string; label: string }
  | { kind: 'from-fork' }
  | { kind: 'foreign-pull'; author: Identity | null }
  | { kind: 'never-claimed'; issue: number };

export function describeSkip(reason: SkipReason): string {
  switch (reason.kind) {
    case 'tracking-issue':
      return 'the tracking issue is never work';
    case 'labelled':
      return `labelled ${reason.label}`;
    case 'conflict-label':
      return `labelled ${reason.label}: its pull request waits for conflict resolution`;
    case 'resolving':
      return 'its pull request is in conflict resolution';
    case 'in-progress':
      return `in progress (claim \`${reason.claim}\`, epoch ${reason.epoch})`;
    case 'attempts-used':
      return `attempts used (${reason.attempts} of ${reason.max})`;
    case 'issue-budget':
      return `issue budget reached ($${reason.spent.toFixed(2)} of $${reason.budget})`;
    case 'daily-budget':
      return `daily budget reached ($${reason.budget})`;
    case 'over-estimate':
      return `${reason.scope === 'issue' ? 'issue' : 'daily'} budget left ($${reason.left.toFixed(2)}) does not cover the estimate ($${reason.estimate.toFixed(2)})`;
    case 'protected':
      return `touches the protected path \`${reason.path}\`: a human must do it`;
    case 'native-blockers':
      return `blocked by ${reason.count} open issue${reason.count === 1 ? '' : 's'} (native dependency)`;
    case 'sub-issues':
      return `waits for ${reason.count} open sub-issue${reason.count === 1 ? '' : 's'}`;
    case 'blocked-by':
      return `blocked by #${reason.issue}`;
    case 'sub-issue-order':
      return `waits for #${reason.earlier}, an earlier sub-issue of #${reason.parent}`;
    case 'locked':
      return `conflicts with #${reason.holder} on \`${reason.path}\``;
    case 'fallback-busy':
      return `names no file; runs alone under the fallback \`${reason.fallback.join(', ')}\``;
    case 'no-capacity':
      return 'no capacity';
    case 'not-reached':
      return 'not checked this run (lookup limit)';
    case 'unauthorised':
      return `not authorised: ${reason.label} applied by ${showIdentity(reason.by)} (${reason.access})`;
    case 'no-label-record':
      return `not authorised: no record of who applied ${reason.label}`;
    case 'edited':
      return `${reason.what} edited by ${showIdentity(reason.by)} (${reason.access}) after ${reason.label} was applied`;
    case 'from-fork':
      return 'from a fork';
    case 'foreign-pull':
      return `opened by ${showIdentity(reason.author)}, not the toolkit`;
    case 'never-claimed':
      return `#${reason.issue} was never claimed`;
  }
}

/** Reasons that mean "not now, but in line": capacity or a lock. Such an issue is in the queue. */
export function isWaiting(reason: SkipReason): boolean {
  return (
    reason.kind === 'no-capacity' || reason.kind === 'locked' || reason.kind === 'fallback-busy'
  );
}

export interface Skipped {
  issue: number;
  title: string;
  reason: SkipReason;
}

export interface Plan {
  picked: Picked[];
  skipped: Skipped[];
  capacity: number;
  activeClaims: number;
  /** The day's budget left before this batch, released spend only (attempts running are not in). */
  dayLeftUsd: number;
  /** Issues that used up their attempts or budget: labelled failed, once, with why. */
  exhausted: { issue: number; reason: SkipReason }[];
  /** Issues a writer gave another round; their attempts count again from this run. */
  retries: number[];
  /** Lookups needed before the plan is final; empty when it is. */
  needs: { details: number[]; permissions: Identity[]; references: number[] };
}

/** How many issues past the free capacity get their details looked up in one round. */
export const LOOKAHEAD = 10;

function rank(labels: readonly string[], order: readonly string[]): number {
  const lowered = labels.map((label) => label.toLowerCase());
  const index = order.findIndex((label) => lowered.includes(label.toLowerCase()));
  return index < 0 ? order.length : index;
}

/** Priority, then smaller complexity, then oldest, then lowest number; forced issues first. */
export function queueOrder(
  backlog: readonly BacklogIssue[],
  settings: PlanSettings,
): BacklogIssue[] {
  const forced = new Map(settings.forcedIssues.map((number, index) => [number, index]));
  return [...backlog].sort(
    (a, b) =>
      (forced.get(a.number) ?? Infinity) - (forced.get(b.number) ?? Infinity) ||
      rank(a.labels, settings.priorityOrder) - rank(b.labels, settings.priorityOrder) ||
      rank(a.labels, settings.complexityOrder) - rank(b.labels, settings.complexityOrder) ||
      a.createdAt.localeCompare(b.createdAt) ||
      a.number - b.number,
  );
}

/** The configured complexity label an issue carries, if any. */
function complexityOf(labels: readonly string[], order: readonly string[]): string | null {
  const index = rank(labels, order);
  return index < order.length ? order[index]! : null;
}

/**
 * Everything a plan decides with: the locks held and taken, the money left, the lookups still
 * needed. Built once per plan; the rules below read it, and `pick` changes it.
 */
class Planning {
  readonly picked: Picked[] = [];
  readonly skipped: Skipped[] = [];
  readonly needs: Plan['needs'] = { details: [], permissions: [], references: [] };
  /** Issues out of attempts or budget for the first time: they get the failed label. */
  readonly exhausted: Plan['exhausted'] = [];
  /** Issues given another round: a writer applied the ready label again after they failed. */
  readonly retries: number[] = [];
  /** Issues that failed and lost their failed label: a retry, if the ready label is newer. */
  readonly mayRetry = new Set<number>();
  readonly capacity: number;
  readonly activeClaims: number;
  readonly dayLeftUsd: number;
  readonly inBacklog: Map<number, BacklogIssue>;
  /** Issues whose pull request is the toolkit's own and in conflict resolution. */
  readonly resolving = new Set<number>();
  private readonly locks = new Map<string, number>();
  private readonly footprints = new Map<number, Footprint>();
  private readonly protectedPath: (path: string) => boolean;
  private committedUsd = 0;

  constructor(
    readonly input: PlanInput,
    readonly settings: PlanSettings,
  ) {
    const { ledger, now, tree } = input;
    const active = effectiveClaims(ledger, now);
    this.activeClaims = active.length;
    this.capacity = Math.max(settings.maxWorkers - active.length, 0);
    this.dayLeftUsd = settings.dailyBudgetUsd - spendOn(ledger, utcDay(now.toISOString()));
    this.inBacklog = new Map(input.backlog.map((issue) => [issue.number, issue]));
    this.protectedPath = picomatch(settings.protectedPaths, { dot: true });
    // New files named by claims take part in glob expansion, so `src/**` meets `src/new.ts`.
    tree.addPlanned(active.flatMap((claim) => claim.files));
    for (const claim of active) this.lock(claim.issue, claim.files);
    // Attempts still running will spend too: the day's budget left holds their estimates back,
    // less what their checkpoints already counted as spent.
    this.committedUsd = active.reduce((sum, claim) => {
      const counted = ledger.issues.get(claim.issue)?.counted[claim.claim] ?? 0;
      return (
        sum + Math.max(0, attemptEstimate(ledger.costs, claim.complexity ?? null).usd - counted)
      );
    }, 0);
  }

  record(issue: number): IssueRecord | undefined {
    return this.input.ledger.issues.get(issue);
  }

  footprintOf(issue: BacklogIssue): Footprint {
    let found = this.footprints.get(issue.number);
    if (!found) {
      found = estimateFootprint(
        issue.title,
        issue.body,
        this.input.tree,
        this.settings.fallbackFootprint,
      );
      this.footprints.set(issue.number, found);
    }
    return found;
  }

  private lock(issue: number, entries: readonly string[]): void {
    for (const entry of entries)
      for (const path of this.input.tree.expand(entry))
        if (!this.locks.has(path)) this.locks.set(path, issue);
  }

  /** A held lock, or one taken earlier in this batch, on a path of the footprint. */
  clash(issue: number, footprint: Footprint): SkipReason | undefined {
    for (const entry of footprint.entries) {
      for (const path of this.input.tree.expand(entry)) {
        const holder = this.locks.get(path);
        if (holder !== undefined && holder !== issue)
          return footprint.source === 'fallback'
            ? { kind: 'fallback-busy', fallback: footprint.entries }
            : { kind: 'locked', holder, path };
      }
    }
    return undefined;
  }

  /**
   * A path no AI worker may change that the issue names, in its footprint or only in its text
   * (a file that does not exist yet, `.github/workflows/new.yml`, is still protected).
   */
  protectedIn(issue: BacklogIssue): string | undefined {
    if (this.settings.protectedPaths.length === 0) return undefined;
    const footprint = this.footprintOf(issue);
    const entries = footprint.source === 'fallback' ? [] : footprint.entries;
    for (const entry of [...entries, ...(footprint.named ?? [])]) {
      if (this.protectedPath(entry)) return entry;
      const hit = this.input.tree.expand(entry).find(this.protectedPath);
      if (hit) return hit;
    }
    return undefined;
  }

  estimateFor(labels: readonly string[]): { complexity: string | null; estimate: Estimate } {
    const complexity = complexityOf(labels, this.settings.complexityOrder);
    return { complexity, estimate: attemptEstimate(this.input.ledger.costs, complexity) };
  }

  /**
   * Attempts, the issue's budget and the day's, against what one more attempt should cost.
   * Attempts and spend count from the last retry, or from the start for a retry being granted.
   */
  unaffordable(issue: number, estimate: Estimate, retrying = false): SkipReason | undefined {
    const record = this.record(issue);
    const attempts = retrying ? 0 : (record?.attempts ?? 0) - (record?.attemptsBefore ?? 0);
    const spent = retrying ? 0 : (record?.spendUsd ?? 0) - (record?.spendBefore ?? 0);
    const { maxAttempts, issueBudgetUsd, dailyBudgetUsd } = this.settings;
    if (attempts >= maxAttempts) return { kind: 'attempts-used', attempts, max: maxAttempts };
    if (spent >= issueBudgetUsd) return { kind: 'issue-budget', spent, budget: issueBudgetUsd };
    if (this.dayLeftUsd <= 0) return { kind: 'daily-budget', budget: dailyBudgetUsd };
    if (issueBudgetUsd - spent < estimate.usd)
      return {
        kind: 'over-estimate',
        scope: 'issue',
        left: issueBudgetUsd - spent,
        estimate: estimate.usd,
      };
    const dayLeft = this.dayLeftUsd - this.committedUsd;
    if (dayLeft < estimate.usd)
      return { kind: 'over-estimate', scope: 'day', left: dayLeft, estimate: estimate.usd };
    return undefined;
  }

  full(): boolean {
    return this.picked.length >= this.capacity;
  }

  /** Whether a label or edit by someone counts; undefined while their permission is unknown. */
  authorised(identity: Identity | null): boolean | undefined {
    if (identity === null) return false;
    if (this.input.trusted(identity)) return true;
    const permission = this.input.permission(identity);
    if (permission === undefined) {
      this.needs.permissions.push(identity);
      return undefined;
    }
    return canWrite(permission);
  }

  accessOf(identity: Identity | null): string {
    return `${(identity ? this.input.permission(identity) : 'none') ?? 'unknown'} access`;
  }

  skip(issue: number, title: string, reason: SkipReason): void {
    this.skipped.push({ issue, title, reason });
  }

  pick(picked: Omit<Picked, 'epoch'>): void {
    this.picked.push({ ...picked, epoch: (this.record(picked.issue)?.epoch ?? 0) + 1 });
    this.lock(picked.issue, picked.footprint.entries);
    this.committedUsd += picked.estimate.usd;
  }

  plan(): Plan {
    const unique = <T>(items: T[], key: (item: T) => string) => [
      ...new Map(items.map((item) => [key(item), item])).values(),
    ];
    return {
      picked: this.picked,
      skipped: this.skipped,
      capacity: this.capacity,
      activeClaims: this.activeClaims,
      dayLeftUsd: this.dayLeftUsd,
      exhausted: this.exhausted,
      retries: this.retries,
      needs: {
        details: unique(this.needs.details, String),
        permissions: unique(this.needs.permissions, identityKey),
        references: unique(this.needs.references, String),
      },
    };
  }
}

/** A rule that decides from what dispatch already holds: no lookup is spent on what it skips. */
type Rule = (issue: BacklogIssue, p: Planning) => SkipReason | undefined;

const hasLabel = (issue: BacklogIssue, label: string | undefined) =>
  label !== undefined && issue.labels.some((l) => l.toLowerCase() === label.toLowerCase());

const openDependency = (issue: BacklogIssue, p: Planning) =>
  textualDependencies(issue.body)
    .filter((n) => n !== issue.number)
    .find((n) => p.inBacklog.has(n) || p.input.referenced.get(n) === true);

/** In order: the first rule that answers gives the reason. */
const UP_FRONT: readonly Rule[] = [
  (issue, p) => (p.resolving.has(issue.number) ? { kind: 'resolving' } : undefined),
  (issue, p) =>
    hasLabel(issue, p.settings.labels.coordination) ? { kind: 'tracking-issue' } : undefined,
  (issue, p) =>
    hasLabel(issue, p.settings.labels.completed)
      ? { kind: 'labelled', label: p.settings.labels.completed }
      : undefined,
  (issue, p) =>
    hasLabel(issue, p.settings.labels.failed)
      ? { kind: 'labelled', label: p.settings.labels.failed }
      : undefined,
  (issue, p) => {
    const claim = effectiveClaim(p.input.ledger, issue.number, p.input.now);
    return claim ? { kind: 'in-progress', claim: claim.claim, epoch: claim.epoch } : undefined;
  },
  (issue, p) =>
    hasLabel(issue, p.settings.labels.conflict)
      ? { kind: 'conflict-label', label: p.settings.labels.conflict }
      : undefined,
  (issue, p) => {
    const refused = p.unaffordable(issue.number, p.estimateFor(issue.labels).estimate);
    if (refused?.kind !== 'attempts-used' && refused?.kind !== 'issue-budget') return refused;
    // Out of attempts or budget: the first time, it is labelled failed; once it was, someone
    // removing that label may be asking for another round, which its ready label tells.
    const record = p.record(issue.number);
    if (record?.exhaustedAt === undefined)
      p.exhausted.push({ issue: issue.number, reason: refused });
    else if (!hasLabel(issue, p.settings.labels.failed)) {
      p.mayRetry.add(issue.number);
      return undefined;
    }
    return refused;
  },
  (issue) =>
    issue.openNativeBlockers > 0
      ? { kind: 'native-blockers', count: issue.openNativeBlockers }
      : undefined,
  (issue) =>
    issue.openSubIssues > 0 ? { kind: 'sub-issues', count: issue.openSubIssues } : undefined,
  (issue, p) => {
    const blocker = openDependency(issue, p);
    return blocker !== undefined ? { kind: 'blocked-by', issue: blocker } : undefined;
  },
  // Capacity before footprints: past a full batch, no issue's text needs reading this run.
  (_issue, p) => (p.full() ? { kind: 'no-capacity' } : undefined),
  (issue, p) => {
    const path = p.protectedIn(issue);
    return path ? { kind: 'protected', path } : undefined;
  },
  (issue, p) => p.clash(issue.number, p.footprintOf(issue)),
];

/** Rules that need the issue's details: who labelled and edited it, and its place among siblings. */
function authority(issue: BacklogIssue, details: IssueDetails, p: Planning) {
  const ready = p.settings.labels.ready;
  const label = details.readyLabel;
  if (!label) return { kind: 'no-label-record', label: ready } as const;
  const labelOk = p.authorised(label.actor);
  const late = details.edits.filter((edit) => edit.at > label.at);
  const edits = late.map((edit) => ({ edit, ok: p.authorised(edit.actor) }));
  if (labelOk === undefined || edits.some((e) => e.ok === undefined)) return 'pending' as const;
  if (!labelOk)
    return {
      kind: 'unauthorised',
      label: ready,
      by: label.actor,
      access: p.accessOf(label.actor),
    } as const;
  const lesser = edits.find((e) => !e.ok);
  if (lesser)
    return {
      kind: 'edited',
      what: lesser.edit.what,
      by: lesser.edit.actor,
      access: p.accessOf(lesser.edit.actor),
      label: ready,
    } as const;
  if (details.parent) {
    const siblings = details.parent.subIssues;
    const position = siblings.findIndex((sub) => sub.number === issue.number);
    const earlier = siblings.slice(0, Math.max(position, 0)).find((sub) => sub.open);
    if (earlier)
      return {
        kind: 'sub-issue-order',
        earlier: earlier.number,
        parent: details.parent.number,
      } as const;
  }
  return undefined;
}

/**
 * Conflict resolutions go first, under the same locks and claims. A branch named for an issue
 * proves nothing (anyone can name a branch): the pull request must come from the toolkit, in
 * this repository, for an issue it claimed, and be labelled by someone who may send it back.
 */
function planConflicts(p: Planning): void {
  const { input, settings } = p;
  for (const conflict of [...input.conflicts].sort((a, b) => a.pull - b.pull)) {
    const title = `conflict in #${conflict.pull}: ${conflict.title}`;
    const skip = (reason: SkipReason) => p.skip(conflict.issue, title, reason);
    const record = p.record(conflict.issue);
    if (conflict.fromFork) {
      skip({ kind: 'from-fork' });
      continue;
    }
    if (conflict.author === null || !input.trusted(conflict.author)) {
      skip({ kind: 'foreign-pull', author: conflict.author });
      continue;
    }
    if ((record?.epoch ?? 0) === 0) {
      skip({ kind: 'never-claimed', issue: conflict.issue });
      continue;
    }
    // The pull request is the toolkit's own: its issue waits for it, whatever happens to it here.
    p.resolving.add(conflict.issue);
    const claim = effectiveClaim(input.ledger, conflict.issue, input.now);
    if (claim) {
      skip({ kind: 'in-progress', claim: claim.claim, epoch: claim.epoch });
      continue;
    }
    const issue = p.inBacklog.get(conflict.issue);
    const { complexity, estimate } = p.estimateFor(issue?.labels ?? []);
    const refused = p.unaffordable(conflict.issue, estimate);
    if (refused) {
      skip(refused);
      continue;
    }
    if (p.full()) {
      skip({ kind: 'no-capacity' });
      continue;
    }
    const labelOk = p.authorised(conflict.labelledBy);
    if (labelOk === undefined) {
      skip({ kind: 'not-reached' });
      continue;
    }
    if (!labelOk) {
      skip(
        conflict.labelledBy
          ? {
              kind: 'unauthorised',
              label: settings.labels.conflict,
              by: conflict.labelledBy,
              access: p.accessOf(conflict.labelledBy),
            }
          : { kind: 'no-label-record', label: settings.labels.conflict },
      );
      continue;
    }
    const remembered = record?.lastFiles ?? [];
    const footprint: Footprint =
      remembered.length > 0
        ? { entries: [...remembered], source: 'explicit', hiddenTextIgnored: false }
        : issue
          ? p.footprintOf(issue)
          : {
              entries: [...settings.fallbackFootprint],
              source: 'fallback',
              hiddenTextIgnored: false,
            };
    const clash = p.clash(conflict.issue, footprint);
    if (clash) {
      skip(clash);
      continue;
    }
    p.pick({
      kind: 'conflict',
      issue: conflict.issue,
      pull: conflict.pull,
      title: conflict.title,
      footprint,
      complexity,
      estimate,
    });
  }
}

/**
 * Issues in queue order. What is known up front decides first; only an issue that passes those
 * rules costs a lookup. An issue waiting for its lookup holds its place: nothing behind it may
 * overtake it, but the lookups the next ones need are gathered now, so one round serves several.
 */
function planIssues(p: Planning): void {
  let pending = false;
  let looked = 0;
  for (const issue of queueOrder(p.input.backlog, p.settings)) {
    const skip = (reason: SkipReason) => p.skip(issue.number, issue.title, reason);
    const known = UP_FRONT.reduce<SkipReason | undefined>(
      (found, rule) => found ?? rule(issue, p),
      undefined,
    );
    if (known) {
      skip(known);
      continue;
    }
    const unknownReferences = textualDependencies(issue.body).filter(
      (n) => n !== issue.number && !p.input.referenced.has(n),
    );
    const details = p.input.details.get(issue.number);
    const lookAhead = looked < LOOKAHEAD + p.capacity - p.picked.length;
    if (pending || unknownReferences.length > 0 || !details) {
      if (lookAhead) {
        p.needs.references.push(...unknownReferences);
        if (!details) p.needs.details.push(issue.number);
        else authority(issue, details, p);
      }
      pending = true;
      looked++;
      skip({ kind: 'not-reached' });
      continue;
    }
    const refused = authority(issue, details, p);
    if (refused === 'pending') {
      pending = true;
      looked++;
      skip({ kind: 'not-reached' });
      continue;
    }
    if (refused) {
      skip(refused);
      continue;
    }
    const { complexity, estimate } = p.estimateFor(issue.labels);
    if (p.mayRetry.has(issue.number)) {
      // Another round only when the ready label (by someone authorised) came after the failure
      // (GitHub times events to the second: the same second counts as after).
      const exhaustedAt = p.record(issue.number)!.exhaustedAt!;
      const asked =
        details.readyLabel !== null && Date.parse(details.readyLabel.at) >= Date.parse(exhaustedAt);
      const still = asked
        ? p.unaffordable(issue.number, estimate, true)
        : p.unaffordable(issue.number, estimate);
      if (still) {
        skip(still);
        continue;
      }
      p.retries.push(issue.number);
    }
    p.pick({
      kind: 'issue',
      issue: issue.number,
      title: issue.title,
      footprint: p.footprintOf(issue),
      complexity,
      estimate,
    });
  }
}

export function planDispatch(input: PlanInput, settings: PlanSettings): Plan {
  const planning = new Planning(input, settings);
  planConflicts(planning);
  planIssues(planning);
  return planning.plan();
}
