import { RequestError } from '@octokit/request-error';
import { identityOf, restLogin, sameIdentity, type Identity } from '../ledger/identity.js';
import { UncertainWrite } from '../ledger/port.js';
import { GATE_COMMENT_MARKER } from '../merge-gate/summary.js';
import type {
  NewIssue,
  Settlement,
  WorkerComment,
  WorkerContext,
  WorkerPort,
  WorkerPull,
} from '../worker/port.js';
import { actorIdentity, SENT_ONCE, type Actor } from './actors.js';
import type { GitHubClient } from './client.js';
import type { CandidatesPage, TrackingPrefetch } from './ledger-adapter.js';
import { VIEWER_QUERY } from './graphql/ledger.js';
import {
  WORKER_COMMENTS_QUERY,
  WORKER_CONTEXT_QUERY,
  WORKER_LABEL_SLOTS,
  workerSettleMutation,
} from './graphql/worker.js';
import { ROUTES } from './routes.js';

interface CommentNode {
  id: string;
  databaseId: number;
  body: string;
  author: Actor | null;
}

interface PullNode {
  number: number;
  id: string;
  url: string;
  isDraft: boolean;
  body: string;
  headRefOid: string;
  baseRefName: string;
  headRepository: { nameWithOwner: string } | null;
  author: Actor | null;
  comments: { nodes: { body: string; author: Actor | null }[] };
}

interface ContextData {
  viewer: Actor;
  ledger?: CandidatesPage | null;
  repository: {
    defaultBranchRef: { name: string; target: { oid: string } | null } | null;
    issue: {
      id: string;
      databaseId: number;
      number: number;
      title: string;
      body: string;
      state: 'OPEN' | 'CLOSED';
      labels: { nodes: { name: string }[] };
      comments: { nodes: CommentNode[] };
    } | null;
    ref: { target: { oid: string; message?: string } | null } | null;
    pullRequests: { nodes: PullNode[] };
  } & Record<`label${number}`, { id: string; name: string } | null>;
}

interface CommentPage {
  pageInfo: { hasPreviousPage: boolean; startCursor: string | null };
  nodes: CommentNode[];
}

/** A pull request as REST answers it. */
interface RestPull {
  number: number;
  node_id: string;
  html_url: string;
  draft?: boolean;
  body: string | null;
  head: { sha: string };
  user: { login: string } | null;
}

/** REST keeps an app's `[bot]` in its login; the identity is the same as GraphQL's. */
const restIdentity = (user: { login: string } | null | undefined): Identity | null =>
  user ? identityOf(user.login) : null;

const commentOf = (node: CommentNode): WorkerComment => ({
  id: node.databaseId,
  nodeId: node.id,
  author: actorIdentity(node.author),
  body: node.body,
});

const pullOf = (data: RestPull): WorkerPull => ({
  number: data.number,
  nodeId: data.node_id,
  url: data.html_url,
  draft: data.draft ?? false,
  body: data.body ?? '',
  headSha: data.head.sha,
});

/** A lost answer (5xx, a timeout, a dropped connection) leaves a write's outcome unknown. */
function uncertain(error: unknown, what: string): never {
  if (error instanceof RequestError && error.status >= 500)
    throw new UncertainWrite(`${what}: GitHub answered ${error.status}`, { cause: error });
  throw error;
}

/** GitHub's 422 when the head already has an open pull request to that base. */
function alreadyOpen(error: unknown): boolean {
  if (!(error instanceof RequestError) || error.status !== 422) return false;
  const errors = (error.response?.data as { errors?: { message?: string }[] } | undefined)?.errors;
  return [error.message, ...(errors ?? []).map((e) => e.message ?? '')].some((text) =>
    /A pull request already exists for /.test(text),
  );
}

export class GitHubWorkerAdapter implements WorkerPort {
  /** Who the token acts as, once read. */
  private viewer: Identity | undefined;

  constructor(
    private readonly github: GitHubClient,
    private readonly repo: { owner: string; repo: string },
    /** Where the tracking issues read along with the context go, for the ledger adapter. */
    private readonly prefetch: TrackingPrefetch | null = null,
  ) {}

  private get names() {
    return { owner: this.repo.owner, name: this.repo.repo };
  }

  private async whoAmI(): Promise<Identity> {
    if (!this.viewer) {
      const data = await this.github.graphql<{ viewer: { login: string } }>(VIEWER_QUERY);
      this.viewer = identityOf(data.viewer.login);
    }
    return this.viewer;
  }

  async context(
    issue: number,
    branch: string,
    labels: readonly string[],
    ledgerWriter?: string,
  ): Promise<WorkerContext> {
    if (labels.length > WORKER_LABEL_SLOTS)
      throw new RangeError(
        `The worker looks up at most ${WORKER_LABEL_SLOTS} labels at once, not ${labels.length}`,
      );
    const slots = Object.fromEntries(
      Array.from({ length: WORKER_LABEL_SLOTS }, (_, i) => [
        `label${i}`,
        labels[i] ?? labels[0] ?? '',
      ]),
    );
    const data = await this.github.graphql<ContextData>(WORKER_CONTEXT_QUERY, {
      ...this.names,
      number: issue,
      branch,
      qualifiedBranch: `refs/heads/${branch}`,
      ...slots,
      ...this.prefetch?.variables(ledgerWriter),
    });
    // `viewer` is typed User even for an app, whose login then keeps its `[bot]`.
    const viewer = identityOf(data.viewer.login);
    this.viewer = viewer;
    this.prefetch?.keep(ledgerWriter, data.ledger);
    const repository = data.repository;
    const node = repository.issue;
    if (!node)
      throw new RequestError(`Issue #${issue} not found`, 404, {
        request: { method: 'POST', url: 'graphql', headers: {} },
      });
    const base = repository.defaultBranchRef;
    if (!base?.target)
      throw new Error(`${this.repo.owner}/${this.repo.repo} has no default branch yet`);
    const ours = (author: Actor | null) => {
      const who = actorIdentity(author);
      return who !== null && sameIdentity(who, viewer);
    };
    const here = `${this.repo.owner}/${this.repo.repo}`.toLowerCase();
    // A fork's branch of the same name is not the work branch; nor is anyone else's pull request.
    const candidates = repository.pullRequests.nodes.filter(
      (pull) => pull.headRepository?.nameWithOwner.toLowerCase() === here && ours(pull.author),
    );
    const pull =
      candidates.find((candidate) => candidate.baseRefName === base.name) ?? candidates[0];
    // The comment the gate edits is the first of its own (see GitHubMergeGateAdapter.pull).
    const gate = pull?.comments.nodes.find(
      (comment) => comment.body.startsWith(GATE_COMMENT_MARKER) && ours(comment.author),
    );
    const labelIds: Record<string, string | null> = {};
    labels.forEach((name, i) => {
      labelIds[name] = repository[`label${i}`]?.id ?? null;
    });
    const head = repository.ref?.target;
    return {
      viewer,
      defaultBranch: base.name,
      baseSha: base.target.oid,
      issue: {
        nodeId: node.id,
        databaseId: node.databaseId,
        number: node.number,
        title: node.title,
        body: node.body,
        open: node.state === 'OPEN',
        labels: node.labels.nodes.map((label) => label.name),
        comments: node.comments.nodes.map(commentOf),
      },
      branchHead: head ? { sha: head.oid, message: head.message ?? '' } : null,
      pull: pull
        ? {
            number: pull.number,
            nodeId: pull.id,
            url: pull.url,
            draft: pull.isDraft,
            body: pull.body,
            headSha: pull.headRefOid,
          }
        : null,
      gateComment: gate?.body ?? null,
      labelIds,
    };
  }

  async postComment(issue: number, body: string): Promise<WorkerComment> {
    try {
      const { data } = await this.github.rest.request(ROUTES.createIssueComment, {
        ...this.repo,
        issue_number: issue,
        body,
        ...SENT_ONCE,
      });
      return {
        id: Number(data.id),
        nodeId: data.node_id,
        author: restIdentity(data.user),
        body: data.body ?? body,
      };
    } catch (error) {
      uncertain(error, `Commenting on #${issue}`);
    }
  }

  /** Pages from the newest comment back: a comment whose answer was lost is among the latest. */
  async findComment(
    issue: number,
    marker: string,
    author: Identity,
  ): Promise<WorkerComment | null> {
    let cursor: string | null = null;
    do {
      const data: {
        repository: { issueOrPullRequest: { comments: CommentPage } | null } | null;
      } = await this.github.graphql(WORKER_COMMENTS_QUERY, {
        ...this.names,
        number: issue,
        cursor,
      });
      const page = data.repository?.issueOrPullRequest?.comments;
      if (!page) return null;
      const found = page.nodes.findLast((node) => {
        const who = actorIdentity(node.author);
        return who !== null && sameIdentity(who, author) && node.body.includes(marker);
      });
      if (found) return commentOf(found);
      cursor = page.pageInfo.hasPreviousPage ? page.pageInfo.startCursor : null;
    } while (cursor);
    return null;
  }

  async editComment(id: number, body: string): Promise<void> {
    await this.github.rest.request(ROUTES.updateIssueComment, {
      ...this.repo,
      comment_id: id,
      body,
    });
  }

  async openPull(pull: {
    title: string;
    body: string;
    head: string;
    base: string;
    draft: boolean;
  }): Promise<WorkerPull> {
    try {
      const { data } = await this.github.rest.request(ROUTES.createPullRequest, {
        ...this.repo,
        title: pull.title,
        body: pull.body,
        head: pull.head,
        base: pull.base,
        draft: pull.draft,
        ...SENT_ONCE,
      });
      return pullOf(data as RestPull);
    } catch (error) {
      if (alreadyOpen(error)) {
        // Ours from an earlier attempt is the one to carry on with; anyone else's is a conflict.
        const branch = pull.head.slice(pull.head.indexOf(':') + 1);
        const found = await this.findPull(branch, await this.whoAmI());
        if (found) return found;
        throw error;
      }
      uncertain(error, `Opening the pull request from ${pull.head}`);
    }
  }

  async findPull(branch: string, author: Identity): Promise<WorkerPull | null> {
    // `head` must be owner:branch: GitHub ignores a bare branch name and lists every pull request.
    const pulls = await this.github.rest.paginate(ROUTES.listPullRequests, {
      ...this.repo,
      head: `${this.repo.owner}:${branch}`,
      state: 'open',
      per_page: 100,
    });
    const found = (pulls as RestPull[]).find((candidate) => {
      const who = restIdentity(candidate.user);
      return who !== null && sameIdentity(who, author);
    });
    return found ? pullOf(found) : null;
  }

  async updatePull(number: number, change: { title?: string; body: string }): Promise<void> {
    await this.github.rest.request(ROUTES.updatePullRequest, {
      ...this.repo,
      pull_number: number,
      body: change.body,
      ...(change.title === undefined ? {} : { title: change.title }),
    });
  }

  async settle(settlement: Settlement): Promise<void> {
    const parts = {
      pullBody: settlement.pull !== null,
      ready: settlement.pull?.ready ?? false,
      addLabels: settlement.addLabelIds.length > 0,
      removeLabels: settlement.removeLabelIds.length > 0,
      progress: settlement.progress !== null,
    };
    if (!Object.values(parts).some(Boolean)) return;
    // Every part is an edit that can be made twice: the client's retries may resend it.
    await this.github.graphql(workerSettleMutation(parts), {
      ...(settlement.pull ? { pull: settlement.pull.nodeId, pullBody: settlement.pull.body } : {}),
      ...(parts.addLabels || parts.removeLabels ? { issue: settlement.issueNodeId } : {}),
      ...(parts.addLabels ? { add: settlement.addLabelIds } : {}),
      ...(parts.removeLabels ? { remove: settlement.removeLabelIds } : {}),
      ...(settlement.progress
        ? { comment: settlement.progress.nodeId, progress: settlement.progress.body }
        : {}),
    });
  }

  async addLabels(issue: number, labels: string[]): Promise<void> {
    if (labels.length === 0) return;
    await this.github.rest.request(ROUTES.addLabels, { ...this.repo, issue_number: issue, labels });
  }

  async removeLabel(issue: number, label: string): Promise<void> {
    try {
      await this.github.rest.request(ROUTES.removeLabel, {
        ...this.repo,
        issue_number: issue,
        name: label,
      });
    } catch (error) {
      // Not there (any more): what was asked for holds.
      if (error instanceof RequestError && error.status === 404) return;
      throw error;
    }
  }

  async createIssue(issue: NewIssue): Promise<{ number: number; databaseId: number }> {
    try {
      const { data } = await this.github.rest.request(ROUTES.createIssue, {
        ...this.repo,
        title: issue.title,
        body: issue.body,
        labels: issue.labels,
        ...SENT_ONCE,
      });
      return { number: data.number, databaseId: Number(data.id) };
    } catch (error) {
      uncertain(error, `Opening the issue "${issue.title}"`);
    }
  }

  /** Searches the author's issues, newest first: an issue whose answer was lost is among them. */
  async findIssue(
    marker: string,
    author: Identity,
  ): Promise<{ number: number; databaseId: number } | null> {
    const pages = this.github.rest.paginate.iterator(ROUTES.listIssues, {
      ...this.repo,
      // GitHub matches `creator` by login: `my-app[bot]` is the app, `my-app` a user.
      creator: restLogin(author),
      state: 'all',
      sort: 'created',
      direction: 'desc',
      per_page: 100,
    });
    for await (const { data } of pages) {
      const found = data.find((candidate) => {
        const who = restIdentity(candidate.user);
        return (
          !candidate.pull_request &&
          who !== null &&
          sameIdentity(who, author) &&
          (candidate.body ?? '').includes(marker)
        );
      });
      if (found) return { number: found.number, databaseId: found.id };
    }
    return null;
  }

  async addSubIssue(parent: number, childDatabaseId: number): Promise<void> {
    await this.github.rest.request(ROUTES.addSubIssue, {
      ...this.repo,
      issue_number: parent,
      sub_issue_id: childDatabaseId,
    });
  }

  async addBlockedBy(issue: number, blockerDatabaseId: number): Promise<void> {
    await this.github.rest.request(ROUTES.addBlockedBy, {
      ...this.repo,
      issue_number: issue,
      issue_id: blockerDatabaseId,
    });
  }

  async startWorkflow(file: string, branch: string): Promise<void> {
    await this.github.rest.request(ROUTES.dispatchWorkflow, {
      ...this.repo,
      workflow_id: file,
      ref: branch,
    });
  }
}
