import type { Deletion, Tampering } from './chain.js';
import type { TrackingLog } from './port.js';
import { showIdentity, type Identity } from './identity.js';

/**
 * Which issue holds the ledger. The ledger is a chain of tracking issues opened by a trusted
 * identity, each after the first continuing the one before (`from`), found among every issue
 * those identities opened, in any state: closing or unlabelling one does not start a new ledger,
 * and an issue outside the chain never becomes the ledger, whatever its labels.
 */

/** In each tracking issue's description: written once by dispatch, rewritten with the dashboard. */
export interface TrackingMarker {
  nonce: string;
  /** The tracking issue this one continues, or null for the first. */
  from: number | null;
  /** Set when dispatch closed it before it held a complete ledger: it is out of the chain. */
  abandoned?: true;
  /** Set on the first issue of a recovered ledger: the tracking issues it replaces. */
  supersedes?: number[];
  /**
   * The chain's length when dispatch last wrote the description: a log shorter than this lost
   * comments from its end, which no link can show.
   */
  seq?: number;
}

/** At the very start of the description, where dispatch writes it. */
const MARKER = /^<!-- ai-scrum-tracking v1 (\{[^\n]*?\}) -->/;

export function trackingMarker(marker: TrackingMarker): string {
  return `<!-- ai-scrum-tracking v1 ${JSON.stringify(marker)} -->`;
}

export function readTrackingMarker(body: string): TrackingMarker | null {
  const match = MARKER.exec(body);
  if (!match) return null;
  try {
    const value = JSON.parse(match[1]!) as Partial<TrackingMarker>;
    const from = value.from ?? null;
    const supersedes = Array.isArray(value.supersedes)
      ? value.supersedes.filter((n) => Number.isInteger(n))
      : [];
    if (typeof value.nonce === 'string' && (from === null || Number.isInteger(from)))
      return {
        nonce: value.nonce,
        from,
        ...(value.abandoned === true ? { abandoned: true } : {}),
        ...(supersedes.length > 0 ? { supersedes } : {}),
        ...(Number.isInteger(value.seq) && value.seq! > 0 ? { seq: value.seq! } : {}),
      };
  } catch {
    // A malformed marker is no marker.
  }
  return null;
}

export interface Change {
  by: Identity | null;
  at: string;
}

export interface TrackingCandidate {
  number: number;
  open: boolean;
  /** Carries the coordination label. */
  labelled: boolean;
  author: Identity | null;
  /** Its description, which starts with the marker and shows the dashboard. */
  body: string;
  marker: TrackingMarker | null;
  /** The description's last edit, and who made it. */
  lastEdit: Change | null;
  /** Its first comment is a trusted, chained ledger comment: it holds entries. */
  hasEntries: boolean;
  /** Comments GitHub's timeline says were deleted from it. */
  deletions: Deletion[];
  /** The last close and label removal, and who did them. */
  closed: Change | null;
  unlabelled: Change | null;
  /** Its whole log, when the read that found it brought it along (saving a request). */
  log?: TrackingLog;
}

export type Repair =
  | { kind: 'reopen'; issue: number; change: Change | null }
  | { kind: 'relabel'; issue: number; change: Change | null }
  /** An empty issue that lost a race or an interrupted rotation, or a finished predecessor. */
  | { kind: 'close'; issue: number; head: number | null; why: 'empty' | 'continued' };

export type TrackingDecision =
  | { kind: 'none'; repairs: Repair[] }
  | { kind: 'head'; head: number; predecessor: number | null; chain: number[]; repairs: Repair[] }
  | { kind: 'tampered'; tampering: Tampering[] };

export function describeRepair(repair: Repair): string {
  switch (repair.kind) {
    case 'reopen':
      return `Tracking issue #${repair.issue} was closed${repair.change ? ` by ${showIdentity(repair.change.by)} at ${repair.change.at}` : ''}; reopened it.`;
    case 'relabel':
      return `Tracking issue #${repair.issue} lost its label${repair.change ? ` (removed by ${showIdentity(repair.change.by)} at ${repair.change.at})` : ''}; labelled it again.`;
    case 'close':
      return repair.why === 'empty'
        ? `Tracking issue #${repair.issue} holds no complete ledger; closed it${repair.head ? ` in favour of #${repair.head}` : ''}.`
        : `Tracking issue #${repair.issue} is continued by #${repair.head}; closed it.`;
  }
}

/** Finds the chain's head among the candidates (all opened by trusted identities). */
export function resolveTracking(
  candidates: readonly TrackingCandidate[],
  trusted: (who: Identity | null) => boolean,
): TrackingDecision {
  const marked = candidates.filter((c) => trusted(c.author) && c.marker !== null);
  // Only dispatch writes a tracking issue's description: anyone else could rewire the chain, or
  // mark an issue abandoned or superseded. So every marked issue is checked, before its marker
  // is believed.
  const tampering: Tampering[] = marked
    .filter((c) => c.lastEdit && !trusted(c.lastEdit.by))
    .map((c) => ({ kind: 'body-edited', issue: c.number, ...c.lastEdit! }));
  // A trusted comment deleted from any tracking issue: emptied, an issue would drop out of the
  // chain and roll the ledger back to its predecessor.
  for (const c of marked)
    for (const deletion of c.deletions)
      if (trusted(deletion.author))
        tampering.push({ kind: 'deleted', issue: c.number, ...deletion });
  if (tampering.length > 0) return { kind: 'tampered', tampering };
  const current = marked.filter((c) => !c.marker!.abandoned);
  // A recovered ledger replaces the issues it names, from the moment it holds entries.
  const superseded = new Set(
    current.filter((c) => c.hasEntries).flatMap((c) => c.marker!.supersedes ?? []),
  );
  const members = current
    .filter((c) => !superseded.has(c.number))
    .sort((a, b) => a.number - b.number);

  const repairs: Repair[] = [];
  const successors = (from: number | null) => members.filter((c) => c.marker!.from === from);
  const chain: TrackingCandidate[] = [];
  let level = successors(null);
  while (level.length > 0) {
    const live = level.filter((c) => c.hasEntries);
    if (live.length > 1)
      return {
        kind: 'tampered',
        tampering: [{ kind: 'two-heads', issues: [live[0]!.number, live[1]!.number] }],
      };
    // With no live one yet, the oldest empty first issue is the ledger-to-be.
    const next = live[0] ?? (chain.length === 0 ? level[0] : undefined);
    const head = next ?? chain.at(-1)!;
    for (const empty of level.filter((c) => c !== next && !c.hasEntries && c.open))
      repairs.push({ kind: 'close', issue: empty.number, head: head.number, why: 'empty' });
    if (!next) break;
    chain.push(next);
    level = successors(next.number);
  }
  // An issue holding entries outside the chain: a second head, or a broken link. Fail closed.
  const head = chain.at(-1);
  const inChain = new Set(chain.map((c) => c.number));
  const stray = members.find((c) => !inChain.has(c.number) && c.hasEntries);
  if (stray)
    return {
      kind: 'tampered',
      tampering: [
        stray.marker!.from === null && head
          ? { kind: 'two-heads', issues: [head.number, stray.number] }
          : { kind: 'broken-link', issue: stray.number, from: stray.marker!.from ?? 0 },
      ],
    };
  if (!head) return { kind: 'none', repairs };

  for (const earlier of chain.slice(0, -1).filter((c) => c.open))
    repairs.push({ kind: 'close', issue: earlier.number, head: head.number, why: 'continued' });
  if (!head.open) repairs.push({ kind: 'reopen', issue: head.number, change: head.closed });
  if (!head.labelled)
    repairs.push({ kind: 'relabel', issue: head.number, change: head.unlabelled });
  return {
    kind: 'head',
    head: head.number,
    predecessor: chain.at(-2)?.number ?? null,
    chain: chain.map((c) => c.number),
    repairs,
  };
}
