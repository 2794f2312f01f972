import { RequestError } from '@octokit/request-error';
import {
  identityKey,
  identityOf,
  restLogin,
  sameIdentity,
  type Identity,
} from '../ledger/identity.js';
import { actorIdentity, SENT_ONCE, type Actor } from './actors.js';
import {
  UncertainWrite,
  type LedgerPort,
  type TrackingLog,
  type WorkEvidence,
} from '../ledger/port.js';
import { readTrackingMarker, type Change, type TrackingCandidate } from '../ledger/tracking.js';
import { readClaimTrailers } from '../ledger/trailers.js';
import type { GitHubClient } from './client.js';
import { LEDGER_LOG_QUERY, TRACKING_CANDIDATES_QUERY, VIEWER_QUERY } from './graphql/ledger.js';
import { ROUTES } from './routes.js';

interface CandidateNode {
  number: number;
  state: string;
  body: string;
  lastEditedAt: string | null;
  editor: Actor | null;
  author: Actor | null;
  labels: { nodes: { name: string }[] };
  comments: { totalCount: number; nodes: { author: Actor | null }[] };
  deleted: {
    nodes: ({
      createdAt?: string;
      actor?: Actor | null;
      deletedCommentAuthor?: Actor | null;
    } | null)[];
  };
  timelineItems: {
    nodes: ({
      __typename: string;
      createdAt?: string;
      actor?: Actor | null;
      label?: { name: string };
    } | null)[];
  };
}

interface LogNode {
  number: number;
  comments: {
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: {
      databaseId: number;
      body: string;
      createdAt: string;
      lastEditedAt: string | null;
      editor: Actor | null;
      author: Actor | null;
      original: { nodes: ({ diff: string | null } | null)[] } | null;
    }[];
  };
  timelineItems: {
    nodes: ({
      __typename: string;
      createdAt?: string;
      actor?: Actor | null;
      deletedCommentAuthor?: Actor | null;
    } | null)[];
  };
}

/** One page of a log: its comments, and the deletions GitHub's timeline shows. */
function logPage(node: LogNode): TrackingLog {
  return {
    comments: node.comments.nodes.map((comment) => ({
      id: comment.databaseId,
      author: actorIdentity(comment.author),
      body: comment.body,
      createdAt: comment.createdAt,
      edited: comment.lastEditedAt
        ? {
            by: actorIdentity(comment.editor),
            at: comment.lastEditedAt,
            // GitHub keeps the edit history; its oldest revision is the body as written.
            original: comment.original?.nodes[0]?.diff ?? null,
          }
        : null,
    })),
    deletions: node.timelineItems.nodes.flatMap((event) =>
      event?.__typename === 'CommentDeletedEvent'
        ? [
            {
              by: actorIdentity(event.actor),
              at: event.createdAt ?? '',
              author: actorIdentity(event.deletedCommentAuthor),
            },
          ]
        : [],
    ),
  };
}

/** A lost answer (5xx, a timeout, a dropped connection) leaves a write's outcome unknown. */
function uncertain(error: unknown, what: string): never {
  if (error instanceof RequestError && error.status >= 500)
    throw new UncertainWrite(`${what}: GitHub answered ${error.status}`, { cause: error });
  throw error;
}

/** The first page of an author's tracking candidates, as TRACKING_CANDIDATES_FRAGMENT reads it. */
export interface CandidatesPage {
  live: { nodes: LogNode[] };
  issues: {
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: CandidateNode[];
  };
}

/**
 * A first page of candidates that another request brought along: the ledger takes it once, in
 * place of its own first request for that author, and asks GitHub for anything else.
 */
export class TrackingPrefetch {
  private readonly pages = new Map<string, CandidatesPage>();

  /** The query variables that bring a hinted author's first page along; none without a hint. */
  variables(hint: string | undefined): Record<string, unknown> {
    return hint ? { withLedger: true, author: restLogin(identityOf(hint)) } : {};
  }

  /** Keeps the page an answer brought along for `hint`, for the ledger to take. */
  keep(hint: string | undefined, page: CandidatesPage | null | undefined): void {
    if (hint && page) this.pages.set(identityKey(identityOf(hint)), page);
  }

  take(author: Identity): CandidatesPage | undefined {
    const key = identityKey(author);
    const page = this.pages.get(key);
    this.pages.delete(key);
    return page;
  }
}

export class GitHubLedgerAdapter implements LedgerPort {
  constructor(
    private readonly github: GitHubClient,
    private readonly repo: { owner: string; repo: string },
    private readonly prefetch: TrackingPrefetch | null = null,
  ) {}

  private get names() {
    return { owner: this.repo.owner, name: this.repo.repo };
  }

  async viewer(): Promise<Identity> {
    const data = await this.github.graphql<{ viewer: { login: string } }>(VIEWER_QUERY);
    return identityOf(data.viewer.login);
  }

  async candidates(authors: readonly Identity[], label: string): Promise<TrackingCandidate[]> {
    const found: TrackingCandidate[] = [];
    for (const author of authors) {
      let cursor: string | null = null;
      do {
        const page: CandidatesPage =
          (cursor === null ? this.prefetch?.take(author) : undefined) ??
          (
            await this.github.graphql<{ repository: CandidatesPage }>(TRACKING_CANDIDATES_QUERY, {
              ...this.names,
              author: restLogin(author),
              after: cursor,
              cursor: null,
            })
          ).repository;
        const issues = page.issues;
        // The newest open issues came with their log; a log longer than a page is read in full later.
        const logs = new Map(
          page.live.nodes
            .filter((node) => !node.comments.pageInfo.hasNextPage)
            .map((node) => [node.number, logPage(node)]),
        );
        for (const node of issues.nodes) {
          const log = logs.get(node.number);
          const candidate = { ...this.candidate(node, label, authors), ...(log ? { log } : {}) };
          // GitHub matches `createdBy` by login: keep only issues whose author is this identity.
          if (candidate.author?.bot === author.bot) found.push(candidate);
        }
        cursor = issues.pageInfo.hasNextPage ? issues.pageInfo.endCursor : null;
      } while (cursor);
    }
    return found.sort((a, b) => a.number - b.number);
  }

  private candidate(
    node: CandidateNode,
    label: string,
    trusted: readonly Identity[],
  ): TrackingCandidate {
    const events = node.timelineItems.nodes.filter((event) => event !== null);
    const last = (kind: string): Change | null => {
      const event = events
        .filter(
          (e) =>
            e.__typename === kind &&
            (kind !== 'UnlabeledEvent' || e.label?.name.toLowerCase() === label.toLowerCase()),
        )
        .at(-1);
      return event ? { by: actorIdentity(event.actor), at: event.createdAt ?? '' } : null;
    };
    return {
      number: node.number,
      open: node.state === 'OPEN',
      labelled: node.labels.nodes.some((l) => l.name.toLowerCase() === label.toLowerCase()),
      author: actorIdentity(node.author),
      body: node.body,
      marker: readTrackingMarker(node.body),
      lastEdit: node.lastEditedAt
        ? { by: actorIdentity(node.editor), at: node.lastEditedAt }
        : null,
      hasEntries: trusted.some((who) => {
        const first = actorIdentity(node.comments.nodes[0]?.author);
        return first !== null && sameIdentity(first, who);
      }),
      deletions: node.deleted.nodes.flatMap((event) =>
        event?.createdAt
          ? [
              {
                by: actorIdentity(event.actor),
                at: event.createdAt,
                author: actorIdentity(event.deletedCommentAuthor),
              },
            ]
          : [],
      ),
      closed: last('ClosedEvent'),
      unlabelled: last('UnlabeledEvent'),
    };
  }

  async log(issue: number): Promise<TrackingLog> {
    const log: TrackingLog = { comments: [], deletions: [] };
    let cursor: string | null = null;
    do {
      const data: { repository: { issue: LogNode | null } } = await this.github.graphql(
        LEDGER_LOG_QUERY,
        { ...this.names, number: issue, cursor },
      );
      const node = data.repository.issue;
      if (!node) break;
      const page = logPage(node);
      log.comments.push(...page.comments);
      log.deletions = page.deletions;
      cursor = node.comments.pageInfo.hasNextPage ? node.comments.pageInfo.endCursor : null;
    } while (cursor);
    return log;
  }

  async createIssue(title: string, body: string, label: string): Promise<number> {
    try {
      const { data } = await this.github.rest.request(ROUTES.createIssue, {
        ...this.repo,
        title,
        body,
        labels: [label],
        ...SENT_ONCE,
      });
      return data.number;
    } catch (error) {
      uncertain(error, 'Opening the tracking issue');
    }
  }

  async findIssue(author: Identity, nonce: string): Promise<number | null> {
    const candidates = await this.candidates([author], '');
    return candidates.find((c) => c.marker?.nonce === nonce)?.number ?? null;
  }

  async postComment(issue: number, body: string): Promise<number> {
    try {
      const { data } = await this.github.rest.request(ROUTES.createIssueComment, {
        ...this.repo,
        issue_number: issue,
        body,
        ...SENT_ONCE,
      });
      return Number(data.id);
    } catch (error) {
      uncertain(error, `Appending to the ledger on #${issue}`);
    }
  }

  async findComment(issue: number, nonce: string, author: Identity): Promise<number | null> {
    const { comments } = await this.log(issue);
    return (
      comments.find(
        (c) =>
          c.author !== null &&
          sameIdentity(c.author, author) &&
          c.body.includes(`"nonce":"${nonce}"`),
      )?.id ?? null
    );
  }

  async reopen(issue: number): Promise<void> {
    await this.github.rest.request(ROUTES.updateIssue, {
      ...this.repo,
      issue_number: issue,
      state: 'open',
    });
  }

  async addLabel(issue: number, label: string): Promise<void> {
    await this.github.rest.request(ROUTES.addLabels, {
      ...this.repo,
      issue_number: issue,
      labels: [label],
    });
  }

  async updateBody(issue: number, body: string): Promise<void> {
    await this.github.rest.request(ROUTES.updateIssue, { ...this.repo, issue_number: issue, body });
  }

  async close(issue: number, body: string): Promise<void> {
    await this.github.rest.request(ROUTES.updateIssue, {
      ...this.repo,
      issue_number: issue,
      body,
      state: 'closed',
      state_reason: 'completed',
    });
  }

  async role(login: string): Promise<string> {
    try {
      const { data } = await this.github.rest.request(ROUTES.getCollaboratorPermission, {
        ...this.repo,
        username: login,
      });
      return data.role_name ?? data.permission;
    } catch (error) {
      if (error instanceof RequestError && error.status === 404) return 'none';
      throw error;
    }
  }

  async evidence(): Promise<WorkEvidence[]> {
    const refs = await this.github.rest.request(ROUTES.listMatchingRefs, {
      ...this.repo,
      ref: 'heads/ai-feature/issue-',
    });
    const pulls = await this.github.rest.paginate(ROUTES.listPullRequests, {
      ...this.repo,
      state: 'open',
      per_page: 100,
    });
    const found: WorkEvidence[] = [];
    for (const ref of refs.data) {
      const match = /^refs\/heads\/(ai-feature\/issue-(\d+))$/.exec(ref.ref);
      if (!match) continue;
      const branch = match[1]!;
      const { data: commit } = await this.github.rest.request(ROUTES.getGitCommit, {
        ...this.repo,
        commit_sha: ref.object.sha,
      });
      const pull = pulls.find(
        (p) =>
          p.head.ref === branch &&
          p.head.repo?.full_name === `${this.repo.owner}/${this.repo.repo}`,
      );
      const mark = readClaimTrailers(commit.message);
      found.push({
        issue: Number(match[2]),
        branch,
        claim: mark?.claim ?? null,
        epoch: mark?.epoch ?? null,
        pull: pull?.number ?? null,
      });
    }
    return found;
  }
}
