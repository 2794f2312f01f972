import {
  chainedBody,
  describeTampering,
  genesis,
  newNonce,
  readLink,
  sha256,
  verifyLog,
  type ChainHead,
  type LogComment,
  type Tampering,
  type VerifiedLog,
} from './chain.js';
import { decodeEntries } from './codec.js';
import type { SnapshotEntry } from './entries.js';
import { foldLedger, snapshotIncomplete, snapshotOf, type LedgerState } from './fold.js';
import { identityKey, trustOf, type Identity } from './identity.js';
import { UncertainWrite, type LedgerPort, type WorkEvidence } from './port.js';
import { recoveredState } from './recovery.js';
import {
  resolveTracking,
  trackingMarker,
  type Repair,
  type TrackingCandidate,
  type TrackingMarker,
} from './tracking.js';

/**
 * The ledger as an action sees it: found, checked and folded through the port, and appended to
 * with chained, idempotent writes. Decisions are the pure functions of chain.ts, tracking.ts and
 * fold.ts; this module only sequences the reads and writes.
 */

export interface LedgerSettings {
  /** The coordination label. */
  label: string;
  /** Identities besides the token's own whose ledger comments count. */
  writers: readonly Identity[];
  title: string;
}

export interface Ledger {
  viewer: Identity;
  identities: Identity[];
  trusted: (who: Identity | null) => boolean;
  /** The tracking issue holding the log, or null before the first write. */
  head: TrackingHead | null;
  predecessor: number | null;
  /** Where the next append goes. */
  chain: ChainHead;
  /** All comments on the head, trusted or not: rotation is by size. */
  commentCount: number;
  log: VerifiedLog | null;
  state: LedgerState;
  /** Non-empty: the ledger cannot be trusted, and nothing may be claimed until it is recovered. */
  tampering: Tampering[];
  /** Repairs of the tracking issues that the next write applies. */
  repairs: Repair[];
  candidates: TrackingCandidate[];
}

export interface TrackingHead {
  number: number;
  body: string;
  marker: TrackingMarker;
}

/** Finds the head of the chain, reads and checks its log, and folds it. Reads only. */
export async function openLedger(port: LedgerPort, settings: LedgerSettings): Promise<Ledger> {
  const viewer = await port.viewer();
  const identities = [viewer, ...settings.writers].filter(
    (who, i, all) => all.findIndex((other) => identityKey(other) === identityKey(who)) === i,
  );
  const trusted = trustOf(identities);
  let candidates: TrackingCandidate[] = await port.candidates(identities, settings.label);
  const abandoned: Repair[] = [];
  let repairs: Repair[] = [];
  const ledger = (fields: Partial<Ledger>): Ledger => ({
    viewer,
    identities,
    trusted,
    head: null,
    predecessor: null,
    chain: { seq: 0, hash: '' },
    commentCount: 0,
    log: null,
    state: foldLedger([], trusted),
    tampering: [],
    repairs,
    candidates,
    ...fields,
  });

  for (;;) {
    const decision = resolveTracking(candidates, trusted);
    if (decision.kind === 'tampered') return ledger({ tampering: decision.tampering });
    repairs = [...abandoned, ...decision.repairs];
    if (decision.kind === 'none') return ledger({});
    const head = candidates.find((c) => c.number === decision.head)!;
    // Read even when it looks empty: its only comments may have been deleted.
    const { comments, deletions } = head.log ?? (await port.log(head.number));

    const start = chainStart(head.number, comments, trusted, decision.predecessor);
    if (!start)
      return ledger({
        tampering: [{ kind: 'broken-link', issue: head.number, from: decision.predecessor! }],
      });
    const log = verifyLog(head.number, comments, trusted, start, deletions);
    // Only an otherwise intact chain can be short: a break already stops it before its end.
    if (
      log.tampering.length === 0 &&
      head.marker!.seq !== undefined &&
      log.head.seq < head.marker!.seq
    )
      log.tampering.push({
        kind: 'truncated',
        issue: head.number,
        expected: head.marker!.seq,
        found: log.head.seq,
      });
    const state = foldLog(log, comments.length, trusted);
    if (log.tampering.length === 0 && snapshotIncomplete(state)) {
      // A rotation died between the parts of its snapshot: that issue never became the ledger.
      abandoned.push({
        kind: 'close',
        issue: head.number,
        head: decision.predecessor,
        why: 'empty',
      });
      candidates = candidates.map((c) =>
        c.number === head.number ? { ...c, marker: { ...c.marker!, abandoned: true } } : c,
      );
      continue;
    }
    return ledger({
      head: { number: head.number, body: head.body, marker: head.marker! },
      predecessor: decision.predecessor,
      chain: log.head,
      commentCount: comments.length,
      log,
      state,
      tampering: log.tampering,
    });
  }
}

/** A first tracking issue lost to one another run opened at the same moment: nothing was written. */
export class LostRace extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LostRace';
  }
}

/**
 * Where an issue's chain starts: a first issue at its genesis, a rotated one where its first
 * comment, the predecessor's snapshot, says. Null when that comment is not such a snapshot.
 */
function chainStart(
  issue: number,
  comments: readonly LogComment[],
  trusted: (who: Identity | null) => boolean,
  predecessor: number | null,
): ChainHead | null {
  if (predecessor === null) return genesis(issue);
  const first = comments.find((c) => trusted(c.author) && readLink(c.body));
  const link = first ? readLink(first.body) : null;
  const entry = first ? decodeEntries(first.body).entries[0] : undefined;
  if (!link || entry?.type !== 'snapshot' || entry.continues || entry.from !== predecessor)
    return null;
  return { seq: link.seq - 1, hash: link.prev };
}

/** The state of a checked log; its counts cover every comment read, not only those that count. */
function foldLog(
  log: VerifiedLog,
  comments: number,
  trusted: (who: Identity | null) => boolean,
): LedgerState {
  const state = foldLedger(log.accepted, trusted);
  state.stats.comments = comments;
  state.stats.untrustedComments = log.untrusted;
  return state;
}

/**
 * A content-creating write that is never repeated blindly: when its answer is lost, the write is
 * looked for first, and made again only when it did not happen.
 */
export async function writeOnce<T>(
  write: () => Promise<T>,
  readBack: () => Promise<T | null>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof UncertainWrite)) throw error;
      const found = await readBack();
      if (found !== null) return found;
      if (attempt >= attempts) throw error;
    }
  }
}

/** Applies the repairs `openLedger` found: reopen, relabel, close strays. Returns what it did. */
export async function applyRepairs(
  port: LedgerPort,
  ledger: Ledger,
  settings: LedgerSettings,
): Promise<Repair[]> {
  const done: Repair[] = [];
  for (const repair of ledger.repairs) {
    switch (repair.kind) {
      case 'reopen':
        await port.reopen(repair.issue);
        break;
      case 'relabel':
        await port.addLabel(repair.issue, settings.label);
        break;
      case 'close': {
        const stray = ledger.candidates.find((c) => c.number === repair.issue);
        const marker = stray?.marker ?? { nonce: newNonce(), from: null };
        await port.close(
          repair.issue,
          repair.why === 'empty'
            ? trackingBody(
                `This issue never held a complete ledger${repair.head ? `; it is in #${repair.head}` : ''}.`,
                {
                  ...marker,
                  abandoned: true,
                },
              )
            : `${stray?.body ?? trackingMarker(marker)}\n\nThe ledger continues in #${repair.head}.`,
        );
        break;
      }
    }
    done.push(repair);
  }
  ledger.repairs = [];
  return done;
}

/** The description of a tracking issue: its chain marker, then the dashboard. */
export function trackingBody(dashboard: string, marker: TrackingMarker): string {
  return `${trackingMarker(marker)}\n${dashboard}`;
}

/** Opens a tracking issue, at most once however its answer is lost. */
async function openTrackingIssue(
  port: LedgerPort,
  ledger: Ledger,
  settings: LedgerSettings,
  dashboard: string,
  from: number | null,
  supersedes: number[] = [],
): Promise<TrackingHead> {
  const marker = { nonce: newNonce(), from, ...(supersedes.length > 0 ? { supersedes } : {}) };
  const body = trackingBody(dashboard, marker);
  const number = await writeOnce(
    () => port.createIssue(settings.title, body, settings.label),
    () => port.findIssue(ledger.viewer, marker.nonce),
  );
  return { number, body, marker };
}

/**
 * Another run may have opened a tracking issue continuing the same one (or a first one) at the
 * same moment. Before anything is written to ours: if a rival holds entries already, or has the
 * lower number, ours is set aside (closed, marked abandoned) and this run claims nothing.
 */
async function settleRace(
  port: LedgerPort,
  ledger: Ledger,
  settings: LedgerSettings,
  mine: TrackingHead,
): Promise<void> {
  const rival = (await port.candidates(ledger.identities, settings.label)).find(
    (c) =>
      c.number !== mine.number &&
      ledger.trusted(c.author) &&
      c.marker !== null &&
      !c.marker.abandoned &&
      c.marker.from === mine.marker.from &&
      (c.hasEntries || c.number < mine.number),
  );
  if (!rival) return;
  await port.close(
    mine.number,
    trackingBody(`Another run opened #${rival.number} at the same time; this issue is not used.`, {
      ...mine.marker,
      abandoned: true,
    }),
  );
  throw new LostRace(`another run opened the ledger in #${rival.number} at the same time`);
}

/** Appends comments to the chain, each once, and returns their ids. */
export async function appendComments(
  port: LedgerPort,
  ledger: Ledger,
  settings: LedgerSettings,
  bodies: readonly string[],
  dashboard: string,
): Promise<number[]> {
  if (!ledger.head) {
    const head = await openTrackingIssue(port, ledger, settings, dashboard, null);
    await settleRace(port, ledger, settings, head);
    ledger.head = head;
    ledger.chain = genesis(head.number);
  }
  const issue = ledger.head.number;
  const ids: number[] = [];
  for (const entries of bodies) {
    const nonce = newNonce();
    const body = chainedBody(ledger.chain, nonce, entries);
    ids.push(
      await writeOnce(
        () => port.postComment(issue, body),
        () => port.findComment(issue, nonce, ledger.viewer),
      ),
    );
    ledger.chain = { seq: ledger.chain.seq + 1, hash: sha256(body) };
    ledger.commentCount++;
  }
  return ids;
}

/**
 * Moves the log to a fresh tracking issue: open it, write the snapshot as its first comments
 * (chained to the old log), then close the old one. Interrupted anywhere, the next run completes
 * it or starts over: the new issue counts only once its whole snapshot is there.
 */
export async function rotateLedger(
  port: LedgerPort,
  ledger: Ledger,
  settings: LedgerSettings,
  snapshot: readonly SnapshotEntry[],
  encode: (entries: readonly SnapshotEntry[]) => string[],
  dashboard: (continues: number) => string,
): Promise<number> {
  const previous = ledger.head!;
  const next = await openTrackingIssue(
    port,
    ledger,
    settings,
    dashboard(previous.number),
    previous.number,
  );
  await settleRace(port, ledger, settings, next);
  ledger.head = next;
  ledger.predecessor = previous.number;
  ledger.commentCount = 0;
  await appendComments(port, ledger, settings, encode(snapshot), '');
  await port.close(
    previous.number,
    `${previous.body}\n\nThe ledger continues in #${ledger.head.number}.`,
  );
  return previous.number;
}

/** Reads the head's log again, after appending, to learn which appends won their place. */
export async function rereadLedger(port: LedgerPort, ledger: Ledger): Promise<Ledger> {
  const issue = ledger.head!.number;
  const { comments, deletions } = await port.log(issue);
  const start = chainStart(issue, comments, ledger.trusted, ledger.predecessor);
  if (!start)
    return { ...ledger, tampering: [{ kind: 'broken-link', issue, from: ledger.predecessor! }] };
  const log = verifyLog(issue, comments, ledger.trusted, start, deletions);
  return {
    ...ledger,
    log,
    chain: log.head,
    commentCount: comments.length,
    state: foldLog(log, comments.length, ledger.trusted),
    tampering: log.tampering,
  };
}

/**
 * The state the ledger was in just before one of its comments: what that comment's entries were
 * appended to. A writer reads back its append and learns from this whether its claim still held.
 */
export function stateBefore(ledger: Ledger, commentId: number): LedgerState {
  const earlier = (ledger.log?.accepted ?? []).filter((comment) => comment.id < commentId);
  return foldLedger(earlier, ledger.trusted);
}

/**
 * Says on the tracking issue why dispatch stopped, once per distinct finding: the alert carries
 * a digest of what it reports, and is not posted again while the same alert is there. True when
 * this call posted it.
 */
export async function alertTampering(
  port: LedgerPort,
  ledger: Ledger,
  now: Date,
): Promise<boolean> {
  const issue =
    ledger.head?.number ??
    ledger.tampering
      .flatMap((t) => ('issues' in t ? t.issues : [t.issue]))
      .sort((a, b) => a - b)[0];
  if (issue === undefined) return false;
  const findings = ledger.tampering.map(describeTampering);
  const digest = sha256(findings.join('\n')).slice(0, 32);
  if ((await port.findComment(issue, digest, ledger.viewer)) !== null) return false;
  await writeOnce(
    () =>
      port.postComment(
        issue,
        [
          `<!-- ai-scrum-alert {"nonce":"${digest}"} -->`,
          `**The ledger was changed by hand, so dispatch claims nothing until it is recovered** (found ${now.toISOString()}):`,
          '',
          ...findings.map((f) => `- ${f}`),
          '',
          'To recover, a maintainer (admin or maintain access) runs the dispatch workflow by hand with `recover-ledger: true`: it writes a new ledger from the unchanged comments of this one and the work GitHub still shows (branches `ai-feature/issue-N`, their pull requests and claim trailers). See docs/ledger.md.',
        ].join('\n'),
      ),
    () => port.findComment(issue, digest, ledger.viewer),
  );
  return true;
}

export interface Recovery {
  /** The new tracking issue, which starts with the recovered snapshot. */
  issue: number;
  /** The tracking issues set aside. */
  superseded: number[];
  evidence: WorkEvidence[];
}

/**
 * A maintainer's explicit recovery of a tampered ledger: a fresh chain whose first comments are a
 * snapshot of the intact log plus the work GitHub still shows; every earlier tracking issue is
 * closed and marked out of the chain, so none of them can become the ledger again.
 */
export async function recoverLedger(
  port: LedgerPort,
  ledger: Ledger,
  settings: LedgerSettings,
  time: { at: string; lease: string; fallback: readonly string[] },
  encode: (entries: readonly SnapshotEntry[]) => string[],
  dashboard: string,
): Promise<Recovery> {
  // Every tracking issue that may hold the ledger: the chain may have been rewired, and an
  // `abandoned` mark counts only when dispatch wrote it. Their unchanged comments, in the order
  // GitHub created them, fold into what the ledger knew (snapshots reset it as rotations did).
  const holders = ledger.candidates.filter(
    (c) =>
      ledger.trusted(c.author) &&
      c.marker !== null &&
      c.hasEntries &&
      !(c.marker.abandoned && (c.lastEdit === null || ledger.trusted(c.lastEdit.by))),
  );
  const salvaged: LogComment[] = [];
  for (const holder of holders) {
    const { comments } = holder.log ?? (await port.log(holder.number));
    salvaged.push(
      ...verifyLog(holder.number, comments, ledger.trusted, genesis(holder.number)).salvaged,
    );
  }
  const kept = foldLedger(salvaged, ledger.trusted);
  const evidence = await port.evidence();
  const state = recoveredState(kept, evidence, time);
  const from =
    ledger.head?.number ??
    holders.at(-1)?.number ??
    ledger.tampering.flatMap((t) => ('issues' in t ? t.issues : [t.issue]))[0] ??
    1;
  const snapshot = snapshotOf(state, from, time.at).map((part) => ({
    ...part,
    recovered: true,
  }));
  const members = ledger.candidates.filter(
    (c) =>
      ledger.trusted(c.author) && c.marker !== null && (!c.marker.abandoned || holders.includes(c)),
  );
  const superseded = members.map((m) => m.number);
  // The new ledger names the issues it replaces: once its snapshot is written it is the ledger,
  // even if this run dies before closing them.
  const head = await openTrackingIssue(port, ledger, settings, dashboard, null, superseded);
  const fresh: Ledger = {
    ...ledger,
    head,
    chain: genesis(head.number),
    predecessor: null,
    repairs: [],
    commentCount: 0,
  };
  await appendComments(port, fresh, settings, encode(snapshot), dashboard);
  const issue = head.number;
  for (const member of members) {
    await port.close(
      member.number,
      trackingBody(
        `This ledger was tampered with and recovered into #${issue} on ${time.at}; it is no longer used.`,
        { ...member.marker!, abandoned: true },
      ),
    );
  }
  return { issue, superseded, evidence };
}
