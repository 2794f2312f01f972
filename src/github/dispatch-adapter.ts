import { GraphqlResponseError } from '@octokit/graphql';
import { RequestError } from '@octokit/request-error';
import type { BacklogIssue, IssueDetails, Permission } from '../backlog/issue.js';
import type { ConflictPull } from '../backlog/plan.js';
import type { DispatchPort, IssueChanges, Overview } from '../dispatch/port.js';
import { identityKey, identityOf, type Identity } from '../ledger/identity.js';
import type { GitHubClient } from './client.js';
import {
  collaboratorPermissionsQuery,
  CONFLICT_PULLS_QUERY,
  DISPATCH_OVERVIEW_QUERY,
  issueDetailsQuery,
  LABEL_QUERY,
  settleMutation,
} from './graphql/dispatch.js';
import { actorIdentity as identity, SENT_ONCE, type Actor } from './actors.js';
import { ROUTES } from './routes.js';

/**
 * Every edit of an issue's body, newest first as GitHub lists them, from the newest 50. Beyond
 * them lies an edit by someone unknown, dated at the oldest one read: an issue edited that often
 * since it was labelled is not taken on trust.
 */
function bodyEdits(node: {
  lastEditedAt: string | null;
  editor: Actor | null;
  userContentEdits: {
    totalCount: number;
    nodes: ({ editedAt: string; editor: Actor | null } | null)[];
  } | null;
}): { actor: Identity | null; at: string; what: 'body' }[] {
  const history = node.userContentEdits;
  const read = (history?.nodes ?? []).flatMap((edit) =>
    edit ? [{ actor: identity(edit.editor), at: edit.editedAt, what: 'body' as const }] : [],
  );
  if (read.length === 0)
    return node.lastEditedAt
      ? [{ actor: identity(node.editor), at: node.lastEditedAt, what: 'body' }]
      : [];
  const oldest = read.at(-1)!;
  return history!.totalCount > read.length
    ? [...read, { actor: null, at: oldest.at, what: 'body' }]
    : read;
}

interface ConflictPage {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: {
    number: number;
    title: string;
    headRefName: string;
    isCrossRepository: boolean;
    author: Actor | null;
    timelineItems: { nodes: ({ actor?: Actor | null; label?: { name: string } } | null)[] };
  }[];
}

const PERMISSIONS: Record<string, Permission> = {
  ADMIN: 'admin',
  MAINTAIN: 'maintain',
  WRITE: 'write',
  TRIAGE: 'triage',
  READ: 'read',
};

/** At most this many issues or logins go into one aliased GraphQL request. */
const ALIASES_PER_REQUEST = 50;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class GitHubDispatchAdapter implements DispatchPort {
  constructor(
    private readonly github: GitHubClient,
    private readonly repo: { owner: string; repo: string },
  ) {}

  private get names() {
    return { owner: this.repo.owner, name: this.repo.repo };
  }

  async overview(labels: {
    conflict: string;
    inProgress: string;
    failed: string;
  }): Promise<Overview> {
    type Data = {
      viewer: { login: string };
      repository: {
        defaultBranchRef: { name: string } | null;
        label: { id: string } | null;
        failedLabel: { id: string } | null;
        conflicts: ConflictPage;
        collaborators: {
          totalCount: number;
          edges: { permission: string; node: { login: string } }[];
        } | null;
      };
    };
    let data: Data;
    try {
      data = await this.github.graphql<Data>(DISPATCH_OVERVIEW_QUERY, { ...this.names, ...labels });
    } catch (error) {
      // Listing collaborators needs push access; without it the rest of the answer still holds.
      const onlyCollaborators =
        error instanceof GraphqlResponseError &&
        error.errors?.every((e) => (e.path ?? []).includes('collaborators')) &&
        (error.data as Data | undefined)?.repository;
      if (!onlyCollaborators) throw error;
      data = error.data as Data;
    }
    const repository = data.repository;
    const collaborators = repository.collaborators;
    return {
      viewer: identityOf(data.viewer.login),
      defaultBranch: repository.defaultBranchRef?.name ?? 'main',
      conflicts: await this.conflictPulls(repository.conflicts, labels.conflict),
      inProgressLabelId: repository.label?.id ?? null,
      failedLabelId: repository.failedLabel?.id ?? null,
      collaborators:
        collaborators && collaborators.totalCount <= collaborators.edges.length
          ? new Map(
              collaborators.edges.map((edge) => [
                edge.node.login.toLowerCase(),
                PERMISSIONS[edge.permission] ?? 'read',
              ]),
            )
          : null,
    };
  }

  /** Every page of them: a triager labelling many pull requests must not hide the toolkit's. */
  private async conflictPulls(first: ConflictPage, label: string): Promise<ConflictPull[]> {
    const pulls = [...first.nodes];
    for (let page = first.pageInfo; page.hasNextPage && page.endCursor;) {
      const data: { repository: { conflicts: ConflictPage } } = await this.github.graphql(
        CONFLICT_PULLS_QUERY,
        { ...this.names, conflict: label, cursor: page.endCursor },
      );
      pulls.push(...data.repository.conflicts.nodes);
      page = data.repository.conflicts.pageInfo;
    }
    return pulls.flatMap((pull) => {
      const match = /^ai-feature\/issue-(\d+)$/.exec(pull.headRefName);
      if (!match) return [];
      const labelled = pull.timelineItems.nodes
        .filter((e) => e?.label?.name.toLowerCase() === label.toLowerCase())
        .at(-1);
      return [
        {
          pull: pull.number,
          issue: Number(match[1]),
          title: pull.title,
          author: identity(pull.author),
          fromFork: pull.isCrossRepository,
          labelledBy: identity(labelled?.actor),
        },
      ];
    });
  }

  async backlog(readyLabel: string): Promise<(BacklogIssue & { nodeId: string })[]> {
    const issues = await this.github.rest.paginate(ROUTES.listIssues, {
      ...this.repo,
      labels: readyLabel,
      state: 'open',
      sort: 'created',
      direction: 'asc',
      per_page: 100,
    });
    return issues
      .filter((issue) => !issue.pull_request)
      .map((issue) => {
        const dependencies = (issue as { issue_dependencies_summary?: { blocked_by?: number } })
          .issue_dependencies_summary;
        const subIssues = (issue as { sub_issues_summary?: { total?: number; completed?: number } })
          .sub_issues_summary;
        return {
          number: issue.number,
          nodeId: issue.node_id,
          title: issue.title,
          body: issue.body ?? '',
          author: issue.user?.login ?? '',
          createdAt: issue.created_at,
          labels: issue.labels.map((label) =>
            typeof label === 'string' ? label : (label.name ?? ''),
          ),
          openNativeBlockers: dependencies?.blocked_by ?? 0,
          openSubIssues: Math.max((subIssues?.total ?? 0) - (subIssues?.completed ?? 0), 0),
        };
      });
  }

  async tree(branch: string): Promise<{ paths: string[]; truncated: boolean }> {
    const { data } = await this.github.rest.request(ROUTES.getTree, {
      ...this.repo,
      tree_sha: branch,
      recursive: '1',
    });
    return {
      paths: data.tree
        .filter((entry) => entry.type === 'blob' && entry.path)
        .map((entry) => entry.path!),
      truncated: data.truncated,
    };
  }

  async finishedRuns(since: string): Promise<Set<number>> {
    const { data } = await this.github.rest.request(ROUTES.listWorkflowRuns, {
      ...this.repo,
      status: 'completed',
      created: `>=${since}`,
      per_page: 100,
    });
    return new Set(data.workflow_runs.map((run) => Number(run.id)));
  }

  async details(issues: readonly number[], references: readonly number[], readyLabel: string) {
    const details = new Map<number, IssueDetails>();
    const referenced = new Map<number, boolean>();
    type Node = {
      number: number;
      lastEditedAt: string | null;
      editor: Actor | null;
      userContentEdits: {
        totalCount: number;
        nodes: ({ editedAt: string; editor: Actor | null } | null)[];
      } | null;
      timelineItems: {
        nodes: ({
          __typename: string;
          createdAt?: string;
          actor?: Actor | null;
          label?: { name: string };
        } | null)[];
      };
      parent: { number: number; subIssues: { nodes: { number: number; state: string }[] } } | null;
    };
    const batches = chunks(
      [
        ...issues.map((n) => ({ n, kind: 'i' as const })),
        ...references.map((n) => ({ n, kind: 'r' as const })),
      ],
      ALIASES_PER_REQUEST,
    );
    for (const batch of batches) {
      const wanted = batch.filter((b) => b.kind === 'i').map((b) => b.n);
      const refs = batch.filter((b) => b.kind === 'r').map((b) => b.n);
      const data = await this.github.graphql<{
        repository: Record<string, Node | { state?: string } | null>;
      }>(issueDetailsQuery(wanted, refs), this.names);
      for (const n of wanted) {
        const node = data.repository[`i${n}`] as Node | null | undefined;
        if (!node) continue;
        const events = node.timelineItems.nodes.filter((event) => event !== null);
        const labelled = events.filter(
          (event) =>
            event.__typename === 'LabeledEvent' &&
            event.label?.name.toLowerCase() === readyLabel.toLowerCase(),
        );
        const last = labelled.at(-1);
        details.set(n, {
          readyLabel: last ? { actor: identity(last.actor), at: last.createdAt ?? '' } : null,
          // Every edit counts, not only the last: a writer's later edit does not launder a
          // lesser user's earlier one. The history starts with the original text, by its author.
          edits: [
            ...bodyEdits(node),
            ...events
              .filter((event) => event.__typename === 'RenamedTitleEvent')
              .map((event) => ({
                actor: identity(event.actor),
                at: event.createdAt ?? '',
                what: 'title' as const,
              })),
          ],
          parent: node.parent
            ? {
                number: node.parent.number,
                subIssues: node.parent.subIssues.nodes.map((sub) => ({
                  number: sub.number,
                  open: sub.state === 'OPEN',
                })),
              }
            : null,
        });
      }
      for (const n of refs) {
        const node = data.repository[`r${n}`] as
          { issueState?: string; pullState?: string } | null | undefined;
        const state = node?.issueState ?? node?.pullState;
        if (state) referenced.set(n, state === 'OPEN');
      }
    }
    return { details, referenced };
  }

  async permissions(identities: readonly Identity[]): Promise<Map<string, Permission>> {
    const found = new Map<string, Permission>();
    // Apps are never collaborators: a bot that is not one of the ledger's writers has no say.
    for (const who of identities.filter((i) => i.bot)) found.set(identityKey(who), 'none');
    const users = identities.filter((i) => !i.bot);
    for (const batch of chunks(users, ALIASES_PER_REQUEST)) {
      const data = await this.github.graphql<{
        repository: Record<string, { edges: { permission: string }[] }>;
      }>(collaboratorPermissionsQuery(batch.map((user) => user.login)), this.names);
      batch.forEach((user, i) => {
        const edge = data.repository[`c${i}`]?.edges[0];
        // Someone who is not a collaborator can at most read (a public repository's visitors).
        found.set(identityKey(user), edge ? (PERMISSIONS[edge.permission] ?? 'read') : 'read');
      });
    }
    return found;
  }

  async createLabel(name: string, color: string, description: string): Promise<string> {
    try {
      const { data } = await this.github.rest.request(ROUTES.createLabel, {
        ...this.repo,
        name,
        color,
        description,
        // Not repeated blindly: a lost answer or "already exists" is settled by reading the label.
        ...SENT_ONCE,
      });
      return data.node_id;
    } catch (error) {
      if (!(error instanceof RequestError && (error.status >= 500 || error.status === 422)))
        throw error;
      const found = await this.github.graphql<{ repository: { label: { id: string } | null } }>(
        LABEL_QUERY,
        { ...this.names, label: name },
      );
      if (!found.repository.label) throw error;
      return found.repository.label.id;
    }
  }

  async settle(changes: IssueChanges): Promise<void> {
    // A whole batch (at most 256 claims, the matrix limit) is settled in one request; the
    // comments in it are content, so the request is not repeated blindly after a lost answer
    // (the ledger's `exhausted` entry keeps a second comment from being written later).
    const variables: Record<string, unknown> = {};
    changes.add.forEach((c, i) =>
      Object.assign(variables, { [`a${i}`]: c.nodeId, [`al${i}`]: c.labelId }),
    );
    changes.remove.forEach((c, i) =>
      Object.assign(variables, { [`r${i}`]: c.nodeId, [`rl${i}`]: c.labelId }),
    );
    changes.comment.forEach((c, i) =>
      Object.assign(variables, { [`c${i}`]: c.nodeId, [`cb${i}`]: c.body }),
    );
    await this.github.graphql(
      settleMutation({
        add: changes.add.length,
        remove: changes.remove.length,
        comment: changes.comment.length,
      }),
      { ...variables, ...SENT_ONCE },
    );
  }
}
