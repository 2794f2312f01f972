import type { Identity } from '../ledger/identity.js';

/** An open issue of the backlog, as the REST issue list gives it. */
export interface BacklogIssue {
  number: number;
  title: string;
  body: string;
  author: string;
  createdAt: string;
  labels: string[];
  /** Open issues blocking this one through GitHub's native dependencies. */
  openNativeBlockers: number;
  /** Sub-issues of this issue not closed yet. */
  openSubIssues: number;
}

/** What eligibility needs beyond the list, fetched only for the issues dispatch may pick. */
export interface IssueDetails {
  /** The last time the ready label was applied, and by whom (null actor: a deleted account). */
  readyLabel: { actor: Identity | null; at: string } | null;
  /** Body edits and title renames, latest first or in any order. */
  edits: { actor: Identity | null; at: string; what: 'body' | 'title' }[];
  /** The parent issue and its sub-issues in their order, when this is a sub-issue. */
  parent: { number: number; subIssues: { number: number; open: boolean }[] } | null;
}

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export function canWrite(permission: Permission): boolean {
  return permission === 'admin' || permission === 'maintain' || permission === 'write';
}

/** `depends on #12`, `blocked by #3 and #4`, `Depends on: #5, #6`. */
export function textualDependencies(body: string): number[] {
  const found = new Set<number>();
  const text = body.slice(0, 64 * 1024);
  for (const match of text.matchAll(
    /\b(?:depends\s+on|blocked\s+by)\b\s*:?\s*((?:#\d{1,9}(?:\s*(?:,|and|&)\s*)?)+)/gi,
  )) {
    for (const number of match[1]!.matchAll(/#(\d{1,9})/g)) found.add(Number(number[1]));
  }
  return [...found].sort((a, b) => a - b);
}
