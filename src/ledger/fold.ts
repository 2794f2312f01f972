import { decodeEntries } from './codec.js';
import type {
  AttemptCost,
  ClaimEntry,
  IssueRecord,
  LedgerEntry,
  SnapshotEntry,
} from './entries.js';
import type { Identity } from './identity.js';

export interface LedgerComment {
  id: number;
  author: Identity | null;
  body: string;
  createdAt: string;
}

export interface RecentOutcome {
  issue: number;
  claim: string;
  outcome: string;
  at: string;
  pr?: number;
  costUsd?: number;
}

export interface FoldStats {
  comments: number;
  /** Comments by anyone else: ignored for coordination, whatever they contain. */
  untrustedComments: number;
  entries: number;
  /** Markers that did not parse as a known entry. */
  skipped: number;
  /** Claims whose epoch was not exactly one more than the issue's last: they lost a race. */
  voidClaims: number;
  /** Parts of the last snapshot: announced by its first part, and seen. */
  snapshotParts: { expected: number; seen: number };
}

export interface LedgerState {
  issues: Map<number, IssueRecord>;
  spendByDay: Map<string, number>;
  recent: RecentOutcome[];
  /** The latest released attempts' costs (at most COSTS_KEPT), oldest first. */
  costs: AttemptCost[];
  stats: FoldStats;
}

const RECENT_KEPT = 20;
export const COSTS_KEPT = 500;

export const utcDay = (iso: string): string => iso.slice(0, 10);

function emptyState(): LedgerState {
  return {
    issues: new Map(),
    spendByDay: new Map(),
    recent: [],
    costs: [],
    stats: {
      comments: 0,
      untrustedComments: 0,
      entries: 0,
      skipped: 0,
      voidClaims: 0,
      snapshotParts: { expected: 0, seen: 0 },
    },
  };
}

/** An issue the ledger has not seen yet. */
export function newRecord(): IssueRecord {
  return {
    epoch: 0,
    attempts: 0,
    spendUsd: 0,
    lastFiles: [],
    attemptsBefore: 0,
    spendBefore: 0,
    counted: {},
  };
}

function record(state: LedgerState, issue: number): IssueRecord {
  let found = state.issues.get(issue);
  if (!found) {
    found = newRecord();
    state.issues.set(issue, found);
  }
  return found;
}

function remember(state: LedgerState, outcome: RecentOutcome): void {
  state.recent.push(outcome);
  if (state.recent.length > RECENT_KEPT) state.recent.shift();
}

function applySnapshot(state: LedgerState, snapshot: SnapshotEntry): void {
  if (!snapshot.continues) {
    state.issues = new Map();
    state.spendByDay = new Map();
    state.recent = [];
    state.costs = [];
    state.stats.snapshotParts = { expected: snapshot.parts ?? 1, seen: 0 };
  }
  state.stats.snapshotParts.seen++;
  for (const [issue, rec] of Object.entries(snapshot.issues))
    state.issues.set(Number(issue), structuredClone(rec));
  for (const [day, usd] of Object.entries(snapshot.spendByDay)) state.spendByDay.set(day, usd);
  state.recent.push(...snapshot.recent.map((outcome) => ({ ...outcome })));
  state.costs.push(...snapshot.costs.map((cost) => ({ ...cost })));
}

/**
 * Adds an attempt's running total to the issue's and the day's spend: what its checkpoint already
 * counted is not counted again, and a smaller figure never takes anything back.
 */
function addSpend(
  state: LedgerState,
  rec: IssueRecord,
  claim: string,
  totalUsd: number,
  at: string,
): void {
  const counted = rec.counted[claim] ?? 0;
  const added = Math.max(0, totalUsd - counted);
  rec.spendUsd += added;
  state.spendByDay.set(utcDay(at), (state.spendByDay.get(utcDay(at)) ?? 0) + added);
  delete rec.counted[claim];
  rec.counted[claim] = Math.max(counted, totalUsd);
  // The latest claims are enough: an older one's worker is long gone.
  const claims = Object.keys(rec.counted);
  if (claims.length > COUNTED_KEPT) delete rec.counted[claims[0]!];
}

const COUNTED_KEPT = 10;

export function applyEntry(state: LedgerState, entry: LedgerEntry): void {
  state.stats.entries++;
  switch (entry.type) {
    case 'claim': {
      const rec = record(state, entry.issue);
      // Of two claims racing for one epoch, the first in the log wins; the other is void.
      if (entry.epoch !== rec.epoch + 1) {
        state.stats.voidClaims++;
        return;
      }
      rec.epoch = entry.epoch;
      // Conflict resolutions spend model money too: they count against the attempts.
      rec.attempts++;
      rec.lastFiles = [...entry.files];
      rec.active = entry;
      if (entry.complexity !== undefined) rec.complexity = entry.complexity;
      else delete rec.complexity;
      return;
    }
    case 'checkpoint': {
      const rec = record(state, entry.issue);
      addSpend(state, rec, entry.claim, entry.spendUsd, entry.at);
      // Only the claim holding the issue moves its resume point: a stale worker's does not.
      if (rec.active?.claim === entry.claim)
        rec.checkpoint = { ...entry, spendUsd: rec.counted[entry.claim] ?? entry.spendUsd };
      return;
    }
    case 'release': {
      const rec = record(state, entry.issue);
      // Money spent is counted even when the release comes after the claim expired.
      addSpend(state, rec, entry.claim, entry.costUsd, entry.at);
      // A worker that lost its claim learns it from the state before its release: that release
      // must not end or relabel the later claim's work. Nor may one written after its own lease
      // passed (the claim is dispatch's to expire); a merge is a fact and always counts.
      if (entry.epoch !== undefined && entry.epoch < rec.epoch) return;
      if (
        entry.outcome !== 'merged' &&
        rec.active?.claim === entry.claim &&
        Date.parse(rec.active.lease) <= Date.parse(entry.at)
      )
        return;
      if (rec.active?.claim === entry.claim) delete rec.active;
      // Work that is done leaves nothing to resume.
      if (entry.outcome === 'merged' || entry.outcome === 'decomposed') delete rec.checkpoint;
      rec.released = {
        claim: entry.claim,
        outcome: entry.outcome,
        ...(entry.pr ? { pr: entry.pr } : {}),
        at: entry.at,
      };
      state.costs.push({ complexity: rec.complexity ?? null, usd: entry.costUsd });
      if (state.costs.length > COSTS_KEPT) state.costs.shift();
      remember(state, {
        issue: entry.issue,
        claim: entry.claim,
        outcome: entry.outcome,
        at: entry.at,
        costUsd: entry.costUsd,
        ...(entry.pr ? { pr: entry.pr } : {}),
      });
      return;
    }
    case 'expire': {
      const rec = record(state, entry.issue);
      if (rec.active?.claim !== entry.claim) return;
      delete rec.active;
      remember(state, {
        issue: entry.issue,
        claim: entry.claim,
        outcome: `expired (${entry.reason})`,
        at: entry.at,
      });
      return;
    }
    case 'exhausted':
      record(state, entry.issue).exhaustedAt = entry.at;
      return;
    case 'retry': {
      const rec = record(state, entry.issue);
      rec.attemptsBefore = rec.attempts;
      rec.spendBefore = rec.spendUsd;
      delete rec.exhaustedAt;
      return;
    }
    case 'snapshot':
      applySnapshot(state, entry);
  }
}

/**
 * Replays the log: comments in id order, only those by a trusted identity, every entry in
 * order. Deterministic and pure; malformed entries are skipped and counted.
 */
export function foldLedger(
  comments: readonly LedgerComment[],
  trusted: (author: Identity) => boolean,
): LedgerState {
  const state = emptyState();
  for (const comment of [...comments].sort((a, b) => a.id - b.id)) {
    state.stats.comments++;
    if (!comment.author || !trusted(comment.author)) {
      state.stats.untrustedComments++;
      continue;
    }
    const decoded = decodeEntries(comment.body);
    state.stats.skipped += decoded.skipped;
    for (const entry of decoded.entries) applyEntry(state, entry);
  }
  return state;
}

/** Claims not released or expired in the log, whatever their lease. */
export function openClaims(state: LedgerState): ClaimEntry[] {
  return [...state.issues.values()].flatMap((rec) => (rec.active ? [rec.active] : []));
}

/** The claims that hold now: open and within their lease. */
export function effectiveClaims(state: LedgerState, now: Date): ClaimEntry[] {
  return openClaims(state).filter((claim) => Date.parse(claim.lease) > now.getTime());
}

export function effectiveClaim(
  state: LedgerState,
  issue: number,
  now: Date,
): ClaimEntry | undefined {
  const active = state.issues.get(issue)?.active;
  return active && Date.parse(active.lease) > now.getTime() ? active : undefined;
}

/** Every path locked by an effective claim, with the issue holding it. */
export function lockedPaths(state: LedgerState, now: Date): Map<string, number> {
  const locks = new Map<string, number>();
  for (const claim of effectiveClaims(state, now))
    for (const file of claim.files) locks.set(file, claim.issue);
  return locks;
}

/** The log starts with a snapshot whose parts are not all there (a rotation died midway). */
export function snapshotIncomplete(state: LedgerState): boolean {
  return state.stats.snapshotParts.seen < state.stats.snapshotParts.expected;
}

export function spendOn(state: LedgerState, day: string): number {
  return state.spendByDay.get(day) ?? 0;
}

/**
 * The folded state as snapshot entries for a fresh tracking issue, in parts small enough for one
 * comment each. Every issue's record is kept (attempts and spend must survive a rotation, even
 * for an issue closed today and reopened tomorrow); only an active claim keeps its files.
 */
export function snapshotOf(
  state: LedgerState,
  from: number,
  at: string,
  maxChars = 50_000,
): SnapshotEntry[] {
  const days = [...state.spendByDay.keys()].sort().slice(-7);
  const kept = [...state.issues.entries()].map(([issue, rec]): [string, IssueRecord] => [
    String(issue),
    rec.active ? structuredClone(rec) : { ...structuredClone(rec), lastFiles: [] },
  ]);
  const parts: SnapshotEntry[] = [];
  let current: [string, IssueRecord][] = [];
  let size = 0;
  const flush = () => {
    parts.push({
      type: 'snapshot',
      from,
      continues: parts.length > 0,
      issues: Object.fromEntries(current),
      spendByDay:
        parts.length === 0
          ? Object.fromEntries(days.map((day) => [day, state.spendByDay.get(day) ?? 0]))
          : {},
      recent: parts.length === 0 ? state.recent.slice(-RECENT_KEPT) : [],
      costs: parts.length === 0 ? state.costs.slice(-COSTS_KEPT) : [],
      at,
    });
    current = [];
    size = 0;
  };
  for (const entry of kept) {
    const length = JSON.stringify(entry).length;
    if (size + length > maxChars && current.length > 0) flush();
    current.push(entry);
    size += length;
  }
  flush();
  parts[0]!.parts = parts.length;
  return parts;
}
