import {
  chainedBody,
  genesis,
  sha256,
  type ChainHead,
  type Deletion,
  type LogComment,
} from '../../src/ledger/chain.js';
import { encodeEntries } from '../../src/ledger/codec.js';
import type { LedgerEntry } from '../../src/ledger/entries.js';
import { identityOf, sameIdentity, type Identity } from '../../src/ledger/identity.js';
import {
  UncertainWrite,
  type LedgerPort,
  type TrackingLog,
  type WorkEvidence,
} from '../../src/ledger/port.js';
import {
  readTrackingMarker,
  trackingMarker,
  type TrackingCandidate,
} from '../../src/ledger/tracking.js';

/** Ledger comments as dispatch writes them: each chained to the one before. */
export function chained(
  issue: number,
  groups: readonly (readonly LedgerEntry[])[],
  start: ChainHead = genesis(issue),
): { bodies: string[]; head: ChainHead } {
  let head = start;
  const bodies = groups.map((entries, i) => {
    const body = chainedBody(head, `n${issue}x${i}`, encodeEntries(entries));
    head = { seq: head.seq + 1, hash: sha256(body) };
    return body;
  });
  return { bodies, head };
}

/** A tracking issue for a twin fixture, as dispatch opens it. */
export function trackingFixture(options: {
  number: number;
  at: string;
  comments?: { author: string; body: string; at: string }[];
  from?: number | null;
  state?: 'open' | 'closed';
  author?: string;
}) {
  return {
    number: options.number,
    title: 'AI Scrum Master — coordination',
    body: `${trackingMarker({ nonce: `t${options.number}`, from: options.from ?? null })}\ndashboard`,
    author: options.author ?? 'github-actions[bot]',
    createdAt: options.at,
    ...(options.state ? { state: options.state } : {}),
    labels: [
      { name: 'ai-coordination', by: options.author ?? 'github-actions[bot]', at: options.at },
    ],
    comments: options.comments ?? [],
  };
}

interface FakeIssue {
  number: number;
  open: boolean;
  labels: string[];
  author: Identity;
  body: string;
  lastEdit: { by: Identity; at: string } | null;
  comments: LogComment[];
  deletions?: Deletion[];
}

/**
 * An in-memory LedgerPort for use-case tests: issues and comments, and a switch that applies the
 * next writes but loses their answers.
 */
export class FakeLedgerPort implements LedgerPort {
  issues: FakeIssue[] = [];
  private nextNumber = 1;
  private nextComment = 1;
  /** Writes to apply and then answer with an uncertain failure. */
  loseAnswers = 0;
  writes = 0;
  evidenceFound: WorkEvidence[] = [];
  roles = new Map<string, string>();

  constructor(readonly me: Identity = identityOf('github-actions[bot]')) {}

  private lose(): void {
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      throw new UncertainWrite('lost answer');
    }
  }

  issue(number: number): FakeIssue {
    const found = this.issues.find((i) => i.number === number);
    if (!found) throw new Error(`no issue #${number}`);
    return found;
  }

  async viewer() {
    return this.me;
  }

  async candidates(authors: readonly Identity[], label: string): Promise<TrackingCandidate[]> {
    return this.issues
      .filter((i) => authors.some((a) => sameIdentity(a, i.author)))
      .map((i) => ({
        number: i.number,
        open: i.open,
        labelled: i.labels.includes(label),
        author: i.author,
        body: i.body,
        marker: readTrackingMarker(i.body),
        lastEdit: i.lastEdit,
        hasEntries: i.comments.length > 0 && sameIdentity(i.comments[0]!.author!, i.author),
        deletions: i.deletions ?? [],
        closed: null,
        unlabelled: null,
      }));
  }

  async log(issue: number): Promise<TrackingLog> {
    const found = this.issue(issue);
    return { comments: found.comments.map((c) => ({ ...c })), deletions: found.deletions ?? [] };
  }

  /** Someone deletes a comment; the timeline remembers who and whose. */
  deleteComment(issue: number, id: number, by: Identity): void {
    const found = this.issue(issue);
    const comment = found.comments.find((c) => c.id === id)!;
    found.comments = found.comments.filter((c) => c.id !== id);
    (found.deletions ??= []).push({ by, at: '2026-11-26T10:59:00Z', author: comment.author });
  }

  async createIssue(_title: string, body: string, label: string): Promise<number> {
    this.writes++;
    const number = this.nextNumber++;
    this.issues.push({
      number,
      open: true,
      labels: [label],
      author: this.me,
      body,
      lastEdit: null,
      comments: [],
    });
    this.lose();
    return number;
  }

  async findIssue(author: Identity, nonce: string) {
    return (
      this.issues.find(
        (i) => sameIdentity(i.author, author) && readTrackingMarker(i.body)?.nonce === nonce,
      )?.number ?? null
    );
  }

  /** A comment by anyone, as GitHub would take it. */
  comment(issue: number, body: string, author: Identity = this.me): number {
    const id = this.nextComment++;
    this.issue(issue).comments.push({
      id,
      author,
      body,
      createdAt: new Date(Date.UTC(2026, 10, 26, 10, 0, id)).toISOString(),
      edited: null,
    });
    return id;
  }

  async postComment(issue: number, body: string): Promise<number> {
    this.writes++;
    const id = this.comment(issue, body);
    this.lose();
    return id;
  }

  async findComment(issue: number, nonce: string, author: Identity) {
    return (
      this.issue(issue).comments.find(
        (c) => sameIdentity(c.author!, author) && c.body.includes(`"nonce":"${nonce}"`),
      )?.id ?? null
    );
  }

  async reopen(issue: number) {
    this.issue(issue).open = true;
  }

  async addLabel(issue: number, label: string) {
    this.issue(issue).labels.push(label);
  }

  async updateBody(issue: number, body: string) {
    this.issue(issue).body = body;
  }

  async close(issue: number, body: string) {
    this.issue(issue).body = body;
    this.issue(issue).open = false;
  }

  async role(login: string) {
    return this.roles.get(login) ?? 'none';
  }

  async evidence() {
    return this.evidenceFound;
  }
}

export type FixtureComment = { author: string; at: string } & (
  { entries: LedgerEntry[] } | { body: string }
);

/**
 * A tracking issue for a twin fixture, as dispatch keeps it: the chain marker in its description,
 * and the comments given with `entries` chained in order (those given as `body` are taken as is).
 */
export function ledgerIssue(options: {
  number: number;
  at: string;
  comments?: FixtureComment[];
  from?: number | null;
  state?: 'open' | 'closed';
  author?: string;
  start?: ChainHead;
}) {
  let head = options.start ?? genesis(options.number);
  const comments = (options.comments ?? []).map((comment, i) => {
    if ('body' in comment) return comment;
    const body = chainedBody(head, `f${options.number}x${i}`, encodeEntries(comment.entries));
    head = { seq: head.seq + 1, hash: sha256(body) };
    return { author: comment.author, at: comment.at, body };
  });
  return trackingFixture({ ...options, comments });
}
