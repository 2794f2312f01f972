import type { Identity } from '../ledger/identity.js';

/**
 * What the worker reads and writes on GitHub, besides the ledger and git:
 * src/github/worker-adapter.ts is the real one. Content-creating writes are made once, never
 * retried blindly: a lost answer throws UncertainWrite (src/ledger/port.ts) and the caller reads
 * back (the comment's marker, the pull request by its head) before trying again.
 */

export interface WorkerComment {
  /** REST id, and the GraphQL node id the settling mutation edits it by. */
  id: number;
  nodeId: string;
  author: Identity | null;
  body: string;
}

export interface WorkerIssue {
  /** GraphQL node id (labels), REST id (sub-issues and dependencies name issues by it). */
  nodeId: string;
  databaseId: number;
  number: number;
  title: string;
  body: string;
  open: boolean;
  labels: string[];
  /** The latest comments (up to 30), oldest first. */
  comments: WorkerComment[];
}

export interface WorkerPull {
  number: number;
  nodeId: string;
  url: string;
  draft: boolean;
  body: string;
  headSha: string;
}

export interface WorkerContext {
  /** Who the token acts as. */
  viewer: Identity;
  defaultBranch: string;
  /** The default branch's head commit. */
  baseSha: string;
  issue: WorkerIssue;
  /** The work branch's head, when the branch exists. */
  branchHead: { sha: string; message: string } | null;
  /**
   * The open pull request whose head is this repository's work branch (owner-qualified: a fork's
   * branch of the same name is not it) and whose author is the viewer.
   */
  pull: WorkerPull | null;
  /** The merge gate's sticky comment on that pull request (a conflict task reads it). */
  gateComment: string | null;
  /** Node ids of the labels the worker sets, by name; null when the repository lacks one. */
  labelIds: Record<string, string | null>;
}

/** The end of a worker's run in one request: pull request, labels and progress comment. */
export interface Settlement {
  issueNodeId: string;
  addLabelIds: string[];
  removeLabelIds: string[];
  progress: { nodeId: string; body: string } | null;
  pull: { nodeId: string; body: string; ready: boolean } | null;
}

export interface NewIssue {
  title: string;
  body: string;
  labels: string[];
}

export interface WorkerPort {
  /**
   * Everything the worker starts from, in one read: viewer, default branch, the issue and its
   * latest comments, the work branch, its pull request and the gate's comment there, label ids.
   * `ledgerWriter`, when known, is whose tracking issues the ledger will look for next: an
   * adapter may read them in the same request. It is trusted for nothing.
   */
  context(
    issue: number,
    branch: string,
    labels: readonly string[],
    ledgerWriter?: string,
  ): Promise<WorkerContext>;
  /** Posts a comment once; throws UncertainWrite when the answer was lost. */
  postComment(issue: number, body: string): Promise<WorkerComment>;
  /** The comment by `author` on `issue` whose body holds `marker`, if any. */
  findComment(issue: number, marker: string, author: Identity): Promise<WorkerComment | null>;
  editComment(id: number, body: string): Promise<void>;
  /** Opens a pull request once; throws UncertainWrite when the answer was lost. */
  openPull(pull: {
    title: string;
    body: string;
    head: string;
    base: string;
    draft: boolean;
  }): Promise<WorkerPull>;
  /** The open pull request whose head is `OWNER:branch`, by `author`. */
  findPull(branch: string, author: Identity): Promise<WorkerPull | null>;
  /** Edits a pull request's body (and title). */
  updatePull(number: number, change: { title?: string; body: string }): Promise<void>;
  /** Applies a settlement: one GraphQL mutation. */
  settle(settlement: Settlement): Promise<void>;
  /** Adds labels by name (REST: creates a label the repository lacks). */
  addLabels(issue: number, labels: string[]): Promise<void>;
  removeLabel(issue: number, label: string): Promise<void>;
  /** Opens an issue once; throws UncertainWrite when the answer was lost. */
  createIssue(issue: NewIssue): Promise<{ number: number; databaseId: number }>;
  /** The issue by `author` whose body holds `marker`, if any. */
  findIssue(
    marker: string,
    author: Identity,
  ): Promise<{ number: number; databaseId: number } | null>;
  /** Makes `child` (REST id) a native sub-issue of `parent`. */
  addSubIssue(parent: number, childDatabaseId: number): Promise<void>;
  /** Marks `issue` as blocked by `blocker` (REST id): GitHub's native dependency. */
  addBlockedBy(issue: number, blockerDatabaseId: number): Promise<void>;
  /**
   * Starts a workflow (by file name) on a branch with `workflow_dispatch`: the one event a
   * `GITHUB_TOKEN` may cause that starts a run, so the repository's CI checks the pull request.
   */
  startWorkflow(file: string, branch: string): Promise<void>;
}
