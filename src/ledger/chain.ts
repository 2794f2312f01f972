import { createHash, randomBytes } from 'node:crypto';
import { decodeEntries } from './codec.js';
import { showIdentity, type Identity } from './identity.js';

/**
 * The ledger is tamper-evident: each trusted comment starts with a link naming its place in the
 * chain (a sequence number) and the SHA-256 of the previous trusted comment's body. An edit, a
 * deletion or a reordering breaks a link; two appends racing for one place are not tampering: the
 * first in comment order holds, the later one (and anything chained to it) is void.
 */

export interface ChainLink {
  seq: number;
  /** SHA-256 (hex) of the previous trusted comment's body, or the genesis hash of the issue. */
  prev: string;
  /** Unique per write, so a write whose answer was lost can be found again before a retry. */
  nonce: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

const LINK = /^<!-- ai-scrum-chain v1 (\{[^\n]*?\}) -->/;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A random nonce; also the random part of claim ids. */
export const newNonce = (bytes = 8): string => randomBytes(bytes).toString('hex');

/** Where the chain of a first tracking issue starts. */
export function genesis(issue: number): ChainHead {
  return { seq: 0, hash: sha256(`ai-scrum-ledger genesis #${issue}`) };
}

export function linkLine(link: ChainLink): string {
  return `<!-- ai-scrum-chain v1 ${JSON.stringify(link)} -->`;
}

export function readLink(body: string): ChainLink | null {
  const match = LINK.exec(body);
  if (!match) return null;
  try {
    const value = JSON.parse(match[1]!) as Partial<ChainLink>;
    if (
      Number.isInteger(value.seq) &&
      value.seq! > 0 &&
      typeof value.prev === 'string' &&
      /^[0-9a-f]{64}$/.test(value.prev) &&
      typeof value.nonce === 'string'
    )
      return { seq: value.seq!, prev: value.prev, nonce: value.nonce };
  } catch {
    // A malformed link is no link.
  }
  return null;
}

/** The body of a ledger comment: its link, then its entries. */
export function chainedBody(head: ChainHead, nonce: string, entries: string): string {
  return `${linkLine({ seq: head.seq + 1, prev: head.hash, nonce })}\n${entries}`;
}

export interface LogComment {
  id: number;
  author: Identity | null;
  body: string;
  createdAt: string;
  /** Set when GitHub says the comment changed after it was written. */
  edited: {
    by: Identity | null;
    at: string;
    /** The body as first written, from GitHub's edit history, when it has it. */
    original?: string | null;
  } | null;
}

/** A comment GitHub says was deleted, from the issue's timeline. */
export interface Deletion {
  by: Identity | null;
  at: string;
  author: Identity | null;
}

export type Tampering =
  | { kind: 'edited'; issue: number; comment: number; by: Identity | null; at: string }
  | { kind: 'deleted'; issue: number; by: Identity | null; at: string; author: Identity | null }
  | { kind: 'gap'; issue: number; comment: number; at: string; expected: number; found: number }
  | { kind: 'out-of-order'; issue: number; comment: number; at: string; seq: number }
  | { kind: 'unchained'; issue: number; comment: number; at: string; author: Identity | null }
  | { kind: 'two-heads'; issues: [number, number] }
  | { kind: 'broken-link'; issue: number; from: number }
  | { kind: 'truncated'; issue: number; expected: number; found: number }
  | { kind: 'body-edited'; issue: number; by: Identity | null; at: string };

/** Who changed what and when, in one line for the summary, an annotation and the tracking issue. */
export function describeTampering(t: Tampering): string {
  switch (t.kind) {
    case 'edited':
      return `ledger comment ${t.comment} on #${t.issue} was edited by ${showIdentity(t.by)} at ${t.at}`;
    case 'deleted':
      return `a ledger comment by ${showIdentity(t.author)} on #${t.issue} was deleted by ${showIdentity(t.by)} at ${t.at}`;
    case 'gap':
      return `ledger comment ${t.comment} on #${t.issue} (${t.at}) is number ${t.found} in the chain where ${t.expected} was due: a comment before it is missing or was changed`;
    case 'out-of-order':
      return `ledger comment ${t.comment} on #${t.issue} (${t.at}) repeats place ${t.seq} of the chain out of order`;
    case 'unchained':
      return `comment ${t.comment} on #${t.issue} by ${showIdentity(t.author)} (${t.at}) carries ledger entries outside the chain`;
    case 'two-heads':
      return `#${t.issues[0]} and #${t.issues[1]} both hold a live ledger`;
    case 'truncated':
      return `the ledger on #${t.issue} ends at comment ${t.found} of its chain, but reached ${t.expected} when dispatch last wrote: its last comments were deleted`;
    case 'broken-link':
      return `#${t.issue} claims to continue #${t.from}, but its first comment is not that ledger's snapshot`;
    case 'body-edited':
      return `the description of tracking issue #${t.issue} was edited by ${showIdentity(t.by)} at ${t.at}`;
  }
}

export interface VerifiedLog {
  /** Trusted comments whose entries count, in order: the chain up to its first break. */
  accepted: LogComment[];
  /**
   * What a recovery keeps: the accepted comments, and after a break every trusted comment that
   * is itself unchanged (the chain resumes from it). Edited ones and copies are left out.
   */
  salvaged: LogComment[];
  /** Appends that lost a race for their place in the chain: their entries never count. */
  voided: LogComment[];
  tampering: Tampering[];
  /** The chain's last accepted link: the next append goes after it. */
  head: ChainHead;
  /** Trusted comments with no ledger content (a writer's remark): ignored. */
  remarks: number;
  /** Comments by anyone else: ignored for coordination, whatever they hold. */
  untrusted: number;
}

/**
 * Checks one tracking issue's comments, in id order, from the chain's starting point. A rotated
 * issue starts where its first comment says (the snapshot of its predecessor).
 */
export function verifyLog(
  issue: number,
  comments: readonly LogComment[],
  trusted: (who: Identity | null) => boolean,
  start: ChainHead,
  deletions: readonly Deletion[] = [],
): VerifiedLog {
  const result: VerifiedLog = {
    accepted: [],
    salvaged: [],
    voided: [],
    tampering: [],
    head: { ...start },
    remarks: 0,
    untrusted: 0,
  };
  const slots = new Map<number, string>();
  const lost = new Set<string>();
  const nonces = new Set<string>();
  // Where the chain stands for salvage: it resumes after a break, the accepted head does not.
  let resumed = { ...start };
  // Edited comments left out since: the next link cannot match them, and that is no new finding.
  let skipped = 0;
  let broken = false;
  const brk = (t: Tampering) => {
    result.tampering.push(t);
    broken = true;
  };
  const ordered = [...comments].sort((a, b) => a.id - b.id);
  // The link of the next trusted chained comment after position i, which vouches for comment i.
  const nextLink = (i: number): ChainLink | null => {
    for (const later of ordered.slice(i + 1)) {
      if (!trusted(later.author)) continue;
      const link = readLink(later.edited?.original ?? later.body);
      if (link) return link;
    }
    return null;
  };
  for (const [index, comment] of ordered.entries()) {
    if (!trusted(comment.author)) {
      result.untrusted++;
      continue;
    }
    const link = readLink(comment.body);
    const at = comment.createdAt;
    if (!link) {
      const decoded = decodeEntries(comment.body);
      if (decoded.entries.length + decoded.skipped === 0) {
        result.remarks++;
        continue;
      }
      brk({ kind: 'unchained', issue, comment: comment.id, at, author: comment.author });
      continue;
    }
    if (comment.edited) {
      const { by, at: editedAt, original } = comment.edited;
      brk({ kind: 'edited', issue, comment: comment.id, by, at: editedAt });
      // What was written first still counts for a recovery when both its neighbours in the chain
      // vouch for it: it links to the one before, and the one after links to its hash.
      const first = original ? readLink(original) : null;
      if (
        first &&
        first.seq === resumed.seq + 1 &&
        first.prev === resumed.hash &&
        nextLink(index)?.prev === sha256(original!)
      ) {
        nonces.add(first.nonce);
        resumed = { seq: first.seq, hash: sha256(original!) };
        result.salvaged.push({ ...comment, body: original!, edited: null });
        skipped = 0;
        continue;
      }
      skipped++;
      continue;
    }
    if (nonces.has(link.nonce)) {
      // The same write twice (its answer lost, then applied after the read-back): void.
      result.voided.push(comment);
      continue;
    }
    const expected = resumed.seq + 1;
    if (link.seq === expected && link.prev === resumed.hash) {
      slots.set(link.seq, link.prev);
      nonces.add(link.nonce);
      resumed = { seq: link.seq, hash: sha256(comment.body) };
      result.salvaged.push(comment);
      if (!broken) {
        result.head = resumed;
        result.accepted.push(comment);
      }
    } else if (slots.get(link.seq) === link.prev || lost.has(link.prev)) {
      // Lost a race for this place (or continued one that did): void, not tampering.
      lost.add(sha256(comment.body));
      result.voided.push(comment);
    } else {
      if (link.seq !== expected + skipped)
        brk(
          link.seq < expected
            ? { kind: 'out-of-order', issue, comment: comment.id, at, seq: link.seq }
            : { kind: 'gap', issue, comment: comment.id, at, expected, found: link.seq },
        );
      // The comment itself is unchanged: the chain resumes from it for a recovery.
      slots.set(link.seq, link.prev);
      nonces.add(link.nonce);
      resumed = { seq: link.seq, hash: sha256(comment.body) };
      result.salvaged.push(comment);
    }
    if (result.salvaged.at(-1) === comment) skipped = 0;
  }
  for (const deletion of deletions)
    if (trusted(deletion.author)) result.tampering.push({ kind: 'deleted', issue, ...deletion });
  return result;
}
