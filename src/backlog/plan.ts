import type { IssueRecord } from '../ledger/entries.js';
import {
  effectiveClaim,
  effectiveClaims,
  spendOn,
  utcDay,
  type LedgerState,
} from '../ledger/fold.js';
import { identityKey, type Identity } from '../ledger/identity.js';
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
}

export interface Skipped {
  issue: number;
  title: string;
  reason: string;
}

export interface Plan {
  picked: Picked[];
  skipped: Skipped[];
  capacity: number;
  activeClaims: number;
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

const show = (identity: Identity | null): string =>
  identity === null ? 'a deleted account' : `${identity.login}${identity.bot ? '[bot]' : ''}`;

export function planDispatch(input: PlanInput, settings: PlanSettings): Plan {
  const { ledger, now, tree } = input;
  const active = effectiveClaims(ledger, now);
  const capacity = Math.max(settings.maxWorkers - active.length, 0);
  const picked: Picked[] = [];
  const skipped: Skipped[] = [];
  const needs: Plan['needs'] = { details: [], permissions: [], references: [] };
  const budgetReached = spendOn(ledger, utcDay(now.toISOString())) >= settings.dailyBudgetUsd;
  const inBacklog = new Map(input.backlog.map((issue) => [issue.number, issue]));

  const footprints = new Map<number, Footprint>();
  const footprintOf = (issue: BacklogIssue): Footprint => {
    let found = footprints.get(issue.number);
    if (!found) {
      found = estimateFootprint(issue.title, issue.body, tree, settings.fallbackFootprint);
      footprints.set(issue.number, found);
    }
    return found;
  };
  // New files named by claims take part in glob expansion, so `src/**` meets `src/new.ts`.
  tree.addPlanned(active.flatMap((claim) => claim.files));

  const locks = new Map<string, number>();
  const lock = (issue: number, entries: readonly string[]) => {
    for (const entry of entries)
      for (const path of tree.expand(entry)) if (!locks.has(path)) locks.set(path, issue);
  };
  for (const claim of active) lock(claim.issue, claim.files);
  const conflictWith = (issue: number, entries: readonly string[]): string | undefined => {
    for (const entry of entries) {
      for (const path of tree.expand(entry)) {
        const owner = locks.get(path);
        if (owner !== undefined && owner !== issue)
          return `conflicts with #${owner} on \`${path}\``;
      }
    }
    return undefined;
  };
  const nextEpoch = (issue: number) => (ledger.issues.get(issue)?.epoch ?? 0) + 1;
  // Every claim of an issue, a conflict resolution too, counts against its attempts and budget.
  const spent = (record: IssueRecord | undefined): string | undefined => {
    const attempts = record?.attempts ?? 0;
    const spend = record?.spendUsd ?? 0;
    if (attempts >= settings.maxAttempts)
      return `attempts used (${attempts} of ${settings.maxAttempts})`;
    if (spend >= settings.issueBudgetUsd)
      return `issue budget reached ($${spend.toFixed(2)} of $${settings.issueBudgetUsd})`;
    if (budgetReached) return `daily budget reached ($${settings.dailyBudgetUsd})`;
    return undefined;
  };

  // Authorisation: a label counts when it comes from someone with write access (or the ledger's
  // writers); undefined while the permission is still to be looked up.
  const authorised = (identity: Identity | null): boolean | undefined => {
    if (identity === null) return false;
    if (input.trusted(identity)) return true;
    const permission = input.permission(identity);
    if (permission === undefined) {
      needs.permissions.push(identity);
      return undefined;
    }
    return canWrite(permission);
  };
  const accessOf = (identity: Identity | null) =>
    `${(identity ? input.permission(identity) : 'none') ?? 'unknown'} access`;

  // Conflict resolutions go first, under the same locks and claims. A branch named for an issue
  // proves nothing (anyone can name a branch): the pull request must come from the toolkit, in
  // this repository, for an issue it claimed, and be labelled by someone who may send it back.
  const resolving = new Set<number>();
  for (const conflict of [...input.conflicts].sort((a, b) => a.pull - b.pull)) {
    const title = `conflict in #${conflict.pull}: ${conflict.title}`;
    const skip = (reason: string) => skipped.push({ issue: conflict.issue, title, reason });
    const record = ledger.issues.get(conflict.issue);
    if (conflict.fromFork) {
      skip('from a fork');
      continue;
    }
    if (conflict.author === null || !input.trusted(conflict.author)) {
      skip(`opened by ${show(conflict.author)}, not the toolkit`);
      continue;
    }
    if ((record?.epoch ?? 0) === 0) {
      skip(`#${conflict.issue} was never claimed`);
      continue;
    }
    // The pull request is the toolkit's own: its issue waits for it, whatever happens to it here.
    resolving.add(conflict.issue);
    const claim = effectiveClaim(ledger, conflict.issue, now);
    if (claim) {
      skip(`in progress (claim \`${claim.claim}\`, epoch ${claim.epoch})`);
      continue;
    }
    const refused = spent(record);
    if (refused) {
      skip(refused);
      continue;
    }
    if (picked.length >= capacity) {
      skip('no capacity');
      continue;
    }
    const labelOk = authorised(conflict.labelledBy);
    if (labelOk === undefined) {
      skip('not reached (waiting for checks)');
      continue;
    }
    if (!labelOk) {
      skip(
        conflict.labelledBy
          ? `not authorised: ${settings.labels.conflict} applied by ${show(conflict.labelledBy)} (${accessOf(conflict.labelledBy)})`
          : `not authorised: no record of who applied ${settings.labels.conflict}`,
      );
      continue;
    }
    const remembered = record?.lastFiles ?? [];
    const issue = inBacklog.get(conflict.issue);
    const footprint: Footprint =
      remembered.length > 0
        ? { entries: [...remembered], source: 'explicit', hiddenTextIgnored: false }
        : issue
          ? footprintOf(issue)
          : {
              entries: [...settings.fallbackFootprint],
              source: 'fallback',
              hiddenTextIgnored: false,
            };
    const clash = conflictWith(conflict.issue, footprint.entries);
    if (clash) {
      skip(clash);
      continue;
    }
    picked.push({
      kind: 'conflict',
      issue: conflict.issue,
      pull: conflict.pull,
      title: conflict.title,
      epoch: nextEpoch(conflict.issue),
      footprint,
    });
    lock(conflict.issue, footprint.entries);
  }

  let pending = false;
  let looked = 0;
  for (const issue of queueOrder(input.backlog, settings)) {
    const skip = (reason: string) =>
      skipped.push({ issue: issue.number, title: issue.title, reason });
    const labels = issue.labels.map((label) => label.toLowerCase());
    const record = ledger.issues.get(issue.number);
    const claim = effectiveClaim(ledger, issue.number, now);
    if (resolving.has(issue.number)) {
      skip('its pull request is in conflict resolution');
      continue;
    }
    if (
      settings.labels.coordination &&
      labels.includes(settings.labels.coordination.toLowerCase())
    ) {
      skip('the tracking issue is never work');
      continue;
    }
    if (labels.includes(settings.labels.completed.toLowerCase())) {
      skip(`labelled ${settings.labels.completed}`);
      continue;
    }
    if (labels.includes(settings.labels.failed.toLowerCase())) {
      skip(`labelled ${settings.labels.failed}`);
      continue;
    }
    if (claim) {
      skip(`in progress (claim \`${claim.claim}\`, epoch ${claim.epoch})`);
      continue;
    }
    if (labels.includes(settings.labels.conflict.toLowerCase())) {
      skip(`labelled ${settings.labels.conflict}: its pull request waits for conflict resolution`);
      continue;
    }
    const refused = spent(record);
    if (refused) {
      skip(refused);
      continue;
    }
    if (issue.openNativeBlockers > 0) {
      skip(
        `blocked by ${issue.openNativeBlockers} open issue${issue.openNativeBlockers === 1 ? '' : 's'} (native dependency)`,
      );
      continue;
    }
    if (issue.openSubIssues > 0) {
      skip(
        `waits for ${issue.openSubIssues} open sub-issue${issue.openSubIssues === 1 ? '' : 's'}`,
      );
      continue;
    }
    const dependencies = textualDependencies(issue.body).filter(
      (number) => number !== issue.number,
    );
    const openDependency = dependencies.find(
      (number) => inBacklog.has(number) || input.referenced.get(number) === true,
    );
    if (openDependency !== undefined) {
      skip(`blocked by #${openDependency}`);
      continue;
    }
    if (picked.length >= capacity) {
      skip('no capacity');
      continue;
    }
    const unknownReference = dependencies.filter((number) => !input.referenced.has(number));
    const details = input.details.get(issue.number);
    if (pending) {
      // An earlier issue awaits a lookup: nothing behind it may overtake it, but the lookups
      // it will need are gathered now, so one round serves several issues.
      if (looked < LOOKAHEAD + capacity - picked.length) {
        needs.references.push(...unknownReference);
        if (!details) needs.details.push(issue.number);
        else
          for (const actor of [
            details.readyLabel?.actor,
            ...details.edits.map((edit) => edit.actor),
          ])
            authorised(actor ?? null);
      }
      looked++;
      skip('not reached (waiting for an earlier issue’s checks)');
      continue;
    }
    if (unknownReference.length > 0 || !details) {
      needs.references.push(...unknownReference);
      if (!details) needs.details.push(issue.number);
      pending = true;
      looked++;
      skip('not reached (waiting for checks)');
      continue;
    }
    const label = details.readyLabel;
    const labelOk = label ? authorised(label.actor) : false;
    const lateEdits = label ? details.edits.filter((edit) => edit.at > label.at) : [];
    const editsOk = lateEdits.map((edit) => ({ edit, ok: authorised(edit.actor) }));
    if (labelOk === undefined || editsOk.some((e) => e.ok === undefined)) {
      pending = true;
      looked++;
      skip('not reached (waiting for checks)');
      continue;
    }
    if (!label) {
      skip(`not authorised: no record of who applied ${settings.labels.ready}`);
      continue;
    }
    if (!labelOk) {
      skip(
        `not authorised: ${settings.labels.ready} applied by ${show(label.actor)} (${accessOf(label.actor)})`,
      );
      continue;
    }
    const lesser = editsOk.find((e) => !e.ok);
    if (lesser) {
      skip(
        `${lesser.edit.what} edited by ${show(lesser.edit.actor)} (${accessOf(lesser.edit.actor)}) after ${settings.labels.ready} was applied`,
      );
      continue;
    }
    if (details.parent) {
      const position = details.parent.subIssues.findIndex((sub) => sub.number === issue.number);
      const earlier = details.parent.subIssues
        .slice(0, Math.max(position, 0))
        .find((sub) => sub.open);
      if (earlier) {
        skip(`waits for #${earlier.number}, an earlier sub-issue of #${details.parent.number}`);
        continue;
      }
    }
    const footprint = footprintOf(issue);
    const clash = conflictWith(issue.number, footprint.entries);
    if (clash) {
      skip(clash);
      continue;
    }
    picked.push({
      kind: 'issue',
      issue: issue.number,
      title: issue.title,
      epoch: nextEpoch(issue.number),
      footprint,
    });
    lock(issue.number, footprint.entries);
  }

  const unique = <T>(items: T[], key: (item: T) => string) => [
    ...new Map(items.map((item) => [key(item), item])).values(),
  ];
  return {
    picked,
    skipped,
    capacity,
    activeClaims: active.length,
    needs: {
      details: unique(needs.details, String),
      permissions: unique(needs.permissions, identityKey),
      references: unique(needs.references, String),
    },
  };
}
