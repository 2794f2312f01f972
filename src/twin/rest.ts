import type { Artifact } from './ci.js';
import { ApiError, notFound, validationFailed } from './errors.js';
import type { Serializer } from './serialize.js';
import { sameLogin, type Item, type TwinState, type User } from './state.js';

/**
 * The REST routes the twin serves, in GitHub's OpenAPI path form. A fidelity test checks every
 * template here against api.github.com.json and validates the answers against its schemas.
 */

export interface RestRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  actor: User;
  /** The Accept header: `application/vnd.github.diff` asks for a pull request's diff. */
  accept: string;
}

/** An answer that is not JSON: a diff, a zip. */
export class RawBody {
  constructor(
    readonly content: string | Buffer,
    readonly type: string,
  ) {}
}

export interface RestAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RestRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  template: string;
  handle(
    request: RestRequest,
    state: TwinState,
    json: Serializer,
  ): Promise<RestAnswer> | RestAnswer;
}

const ok = (body: unknown, status = 200): RestAnswer => ({ status, body });

function int(value: string | undefined, field: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0)
    throw validationFailed([{ resource: 'Request', code: 'invalid', field }]);
  return number;
}

function str(body: Record<string, unknown>, field: string, required = false): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) throw validationFailed([{ resource: 'Request', code: 'missing_field', field }]);
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new ApiError(
      422,
      `Invalid request.\n\nFor '${field}', ${JSON.stringify(value)} is not a string.`,
    );
  }
  return value;
}

function bool(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean')
    throw new ApiError(
      422,
      `Invalid request.\n\nFor '${field}', ${JSON.stringify(value)} is not a boolean.`,
    );
  return value;
}

function labelNames(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((entry) => {
    if (typeof entry === 'string') return entry;
    if (
      entry &&
      typeof entry === 'object' &&
      typeof (entry as { name?: unknown }).name === 'string'
    ) {
      return (entry as { name: string }).name;
    }
    throw new ApiError(
      422,
      `Invalid request.\n\nFor 'items', ${JSON.stringify(entry)} is not a string.`,
    );
  });
}

/** GitHub's page-based pagination with a Link header. */
export function paginate<T>(
  items: T[],
  query: URLSearchParams,
  selfUrl: string,
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(query.get('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const link = (n: number, rel: string) => {
    const next = new URLSearchParams(query);
    next.set('page', String(n));
    next.set('per_page', String(perPage));
    return `<${selfUrl}?${next.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  return { page: slice, headers: links.length > 0 ? { link: links.join(', ') } : {} };
}

function listed<T>(
  items: T[],
  request: RestRequest,
  url: string,
  map: (item: T) => unknown,
): RestAnswer {
  const { page, headers } = paginate(items, request.query, url);
  return { status: 200, body: page.map(map), headers };
}

const REPO = '/repos/{owner}/{repo}';

export const REST_ROUTES: RestRoute[] = [
  {
    method: 'GET',
    template: REPO,
    handle: (_r, _s, json) => ok(json.repository()),
  },
  {
    method: 'PATCH',
    template: REPO,
    handle(request, state, json) {
      state.require(request.actor, 'admin');
      // The settings the twin models; any other is refused rather than silently ignored.
      const other = Object.keys(request.body).find((key) => key !== 'delete_branch_on_merge');
      if (other !== undefined)
        throw new ApiError(
          422,
          `The twin does not implement '${other}' of PATCH /repos/{owner}/{repo}.`,
        );
      state.updateRepository(request.actor, {
        deleteBranchOnMerge: bool(request.body, 'delete_branch_on_merge'),
      });
      return ok(json.repository());
    },
  },
  {
    method: 'GET',
    template: `${REPO}/git/trees/{tree_sha}`,
    async handle(request, state, json) {
      const treeish = request.params['tree_sha']!;
      const tree = await state.git.git(['rev-parse', '--verify', '--quiet', `${treeish}^{tree}`]);
      if (tree.code !== 0) throw notFound();
      const sha = tree.stdout.trim();
      const recursive = request.query.get('recursive') !== null;
      const entries = await state.git.tree(sha, recursive);
      return ok({
        sha,
        url: `${json.repoApi}/git/trees/${sha}`,
        truncated: false,
        tree: entries.map((entry) => ({
          path: entry.path,
          mode: entry.mode,
          type: entry.type,
          sha: entry.sha,
          ...(entry.size !== undefined ? { size: entry.size } : {}),
          url: `${json.repoApi}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}`,
        })),
      });
    },
  },
  {
    method: 'GET',
    template: `${REPO}/git/ref/{ref}`,
    async handle(request, state, json) {
      const { ref, sha } = await state.getRef(request.params['ref']!);
      return ok(json.gitRef(ref, sha));
    },
  },
  {
    method: 'GET',
    template: `${REPO}/git/matching-refs/{ref}`,
    async handle(request, state, json) {
      const refs = await state.matchingRefs(request.params['ref']!);
      return ok(refs.map((found) => json.gitRef(found.ref, found.sha)));
    },
  },
  {
    method: 'GET',
    template: `${REPO}/git/commits/{commit_sha}`,
    async handle(request, state, json) {
      const commit = await state.git.commit(request.params['commit_sha']!);
      if (!commit) throw notFound();
      return ok(json.gitCommit(commit));
    },
  },
  {
    method: 'POST',
    template: `${REPO}/git/refs`,
    async handle(request, state, json) {
      const created = await state.createRef(
        request.actor,
        str(request.body, 'ref', true)!,
        str(request.body, 'sha', true)!,
      );
      return {
        status: 201,
        body: json.gitRef(created.ref, created.sha),
        headers: { location: `${json.repoApi}/git/${created.ref}` },
      };
    },
  },
  {
    method: 'PATCH',
    template: `${REPO}/git/refs/{ref}`,
    async handle(request, state, json) {
      const updated = await state.updateRef(
        request.actor,
        request.params['ref']!,
        str(request.body, 'sha', true)!,
        bool(request.body, 'force') ?? false,
      );
      return ok(json.gitRef(updated.ref, updated.sha));
    },
  },
  {
    method: 'DELETE',
    template: `${REPO}/git/refs/{ref}`,
    async handle(request, state) {
      await state.deleteRef(request.actor, request.params['ref']!);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    template: `${REPO}/collaborators/{username}/permission`,
    handle(request, state, json) {
      const login = request.params['username']!;
      const user = state.user(login);
      if (!user) throw notFound();
      const permission =
        user.permission === 'maintain'
          ? 'write'
          : user.permission === 'triage'
            ? 'read'
            : user.permission;
      return ok({
        permission,
        role_name: user.permission,
        user: {
          ...json.user(login),
          role_name: user.permission,
          permissions: permissionsOf(user.permission),
        },
      });
    },
  },
  {
    method: 'GET',
    template: `${REPO}/labels`,
    handle: (request, state, json) =>
      listed([...state.labels.values()], request, `${json.repoApi}/labels`, (label) =>
        json.label(label),
      ),
  },
  {
    method: 'POST',
    template: `${REPO}/labels`,
    handle(request, state, json) {
      const label = state.createLabel(
        request.actor,
        str(request.body, 'name', true)!,
        str(request.body, 'color'),
        str(request.body, 'description') ?? null,
      );
      return ok(json.label(label), 201);
    },
  },
  {
    method: 'GET',
    template: `${REPO}/issues`,
    handle(request, state, json) {
      const wantedState = request.query.get('state') ?? 'open';
      const labels = (request.query.get('labels') ?? '')
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean);
      const since = request.query.get('since');
      // `creator` takes the login as REST writes it: `my-app[bot]` is the app, `my-app` a user.
      const creator = request.query.get('creator');
      const sort = request.query.get('sort') ?? 'created';
      const direction = request.query.get('direction') ?? 'desc';
      let items = [...state.items.values()].filter(
        (item) =>
          (wantedState === 'all' || item.state === wantedState) &&
          labels.every((label) =>
            item.labels.some((have) => have.toLowerCase() === label.toLowerCase()),
          ) &&
          (since === null || item.updatedAt >= since) &&
          (creator === null || sameLogin(item.author, creator)),
      );
      const key = (item: Item) =>
        sort === 'updated'
          ? item.updatedAt
          : sort === 'comments'
            ? String(state.comments.filter((c) => c.issue === item.number).length).padStart(9, '0')
            : item.createdAt;
      items = items.sort((a, b) => key(a).localeCompare(key(b)) || a.number - b.number);
      if (direction === 'desc') items.reverse();
      return listed(items, request, `${json.repoApi}/issues`, (item) => json.issue(item));
    },
  },
  {
    method: 'POST',
    template: `${REPO}/issues`,
    handle(request, state, json) {
      const issue = state.createIssue(
        request.actor,
        str(request.body, 'title', true)!,
        str(request.body, 'body') ?? '',
        labelNames(request.body['labels']),
      );
      return ok(json.issue(issue), 201);
    },
  },
  {
    method: 'GET',
    template: `${REPO}/issues/{issue_number}`,
    handle: (request, state, json) =>
      ok(json.issue(state.item(int(request.params['issue_number'], 'issue_number')))),
  },
  {
    method: 'PATCH',
    template: `${REPO}/issues/{issue_number}`,
    handle(request, state, json) {
      const rawState = str(request.body, 'state');
      if (rawState !== undefined && rawState !== 'open' && rawState !== 'closed') {
        throw validationFailed([{ resource: 'Issue', code: 'invalid', field: 'state' }]);
      }
      const item = state.updateItem(
        request.actor,
        int(request.params['issue_number'], 'issue_number'),
        {
          title: str(request.body, 'title'),
          body: str(request.body, 'body'),
          state: rawState as 'open' | 'closed' | undefined,
          stateReason: str(request.body, 'state_reason') ?? null,
          labels:
            request.body['labels'] === undefined ? undefined : labelNames(request.body['labels']),
        },
      );
      return ok(json.issue(item));
    },
  },
  {
    method: 'GET',
    template: `${REPO}/issues/{issue_number}/comments`,
    handle(request, state, json) {
      const number = int(request.params['issue_number'], 'issue_number');
      const since = request.query.get('since');
      const comments = state
        .commentsOn(number)
        .filter((comment) => since === null || comment.updatedAt >= since);
      return listed(comments, request, `${json.repoApi}/issues/${number}/comments`, (comment) =>
        json.comment(comment),
      );
    },
  },
  {
    method: 'POST',
    template: `${REPO}/issues/{issue_number}/comments`,
    handle(request, state, json) {
      const comment = state.createComment(
        request.actor,
        int(request.params['issue_number'], 'issue_number'),
        str(request.body, 'body', true)!,
      );
      return {
        status: 201,
        body: json.comment(comment),
        headers: { location: `${json.repoApi}/issues/comments/${comment.id}` },
      };
    },
  },
  {
    method: 'GET',
    template: `${REPO}/issues/comments/{comment_id}`,
    handle: (request, state, json) =>
      ok(json.comment(state.comment(int(request.params['comment_id'], 'comment_id')))),
  },
  {
    method: 'PATCH',
    template: `${REPO}/issues/comments/{comment_id}`,
    handle(request, state, json) {
      const comment = state.updateComment(
        request.actor,
        int(request.params['comment_id'], 'comment_id'),
        str(request.body, 'body', true)!,
      );
      return ok(json.comment(comment));
    },
  },
  {
    method: 'DELETE',
    template: `${REPO}/issues/comments/{comment_id}`,
    handle(request, state) {
      state.deleteComment(request.actor, int(request.params['comment_id'], 'comment_id'));
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    template: `${REPO}/issues/{issue_number}/timeline`,
    handle(request, state, json) {
      const item = state.item(int(request.params['issue_number'], 'issue_number'));
      // Events and comments (`commented`) in time order, as GitHub's timeline lists them.
      const entries = [
        ...item.events.map((event) => ({
          at: event.createdAt,
          id: event.id,
          render: () => json.timelineEvent(event, item),
        })),
        ...state.commentsOn(item.number).map((comment) => ({
          at: comment.createdAt,
          id: comment.id,
          render: () => json.timelineComment(comment),
        })),
      ].sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id);
      return listed(entries, request, `${json.repoApi}/issues/${item.number}/timeline`, (entry) =>
        entry.render(),
      );
    },
  },
  {
    method: 'POST',
    template: `${REPO}/issues/{issue_number}/labels`,
    handle(request, state, json) {
      const names = labelNames(
        Array.isArray(request.body['labels'])
          ? request.body['labels']
          : request.body['labels'] === undefined
            ? []
            : request.body['labels'],
      );
      if (names.length === 0)
        throw validationFailed([{ resource: 'Label', code: 'missing_field', field: 'labels' }]);
      return ok(
        state
          .addLabels(request.actor, int(request.params['issue_number'], 'issue_number'), names)
          .map((label) => json.label(label)),
      );
    },
  },
  {
    method: 'DELETE',
    template: `${REPO}/issues/{issue_number}/labels/{name}`,
    handle(request, state, json) {
      const labels = state.removeLabel(
        request.actor,
        int(request.params['issue_number'], 'issue_number'),
        request.params['name']!,
      );
      return ok(labels.map((label) => json.label(label)));
    },
  },
  {
    method: 'PUT',
    template: `${REPO}/issues/{issue_number}/lock`,
    handle(request, state) {
      state.lock(
        request.actor,
        int(request.params['issue_number'], 'issue_number'),
        str(request.body, 'lock_reason') ?? null,
      );
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    template: `${REPO}/issues/{issue_number}/lock`,
    handle(request, state) {
      state.unlock(request.actor, int(request.params['issue_number'], 'issue_number'));
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    template: `${REPO}/issues/{issue_number}/dependencies/blocked_by`,
    handle(request, state, json) {
      const issue = state.issue(int(request.params['issue_number'], 'issue_number'));
      const blockers = issue.blockedBy.map((number) => state.item(number));
      return listed(
        blockers,
        request,
        `${json.repoApi}/issues/${issue.number}/dependencies/blocked_by`,
        (item) => json.issue(item),
      );
    },
  },
  {
    method: 'GET',
    template: `${REPO}/issues/{issue_number}/dependencies/blocking`,
    handle(request, state, json) {
      const number = int(request.params['issue_number'], 'issue_number');
      state.issue(number);
      return listed(
        state.blocking(number),
        request,
        `${json.repoApi}/issues/${number}/dependencies/blocking`,
        (item) => json.issue(item),
      );
    },
  },
  {
    method: 'POST',
    template: `${REPO}/issues/{issue_number}/dependencies/blocked_by`,
    handle(request, state, json) {
      const blocker = state.addBlockedBy(
        request.actor,
        int(request.params['issue_number'], 'issue_number'),
        int(String(request.body['issue_id']), 'issue_id'),
      );
      return ok(json.issue(blocker), 201);
    },
  },
  {
    method: 'DELETE',
    template: `${REPO}/issues/{issue_number}/dependencies/blocked_by/{issue_id}`,
    handle(request, state, json) {
      const blocker = state.removeBlockedBy(
        request.actor,
        int(request.params['issue_number'], 'issue_number'),
        int(request.params['issue_id'], 'issue_id'),
      );
      return ok(json.issue(blocker));
    },
  },
  {
    method: 'GET',
    template: `${REPO}/issues/{issue_number}/sub_issues`,
    handle(request, state, json) {
      const issue = state.issue(int(request.params['issue_number'], 'issue_number'));
      return listed(
        issue.subIssues.map((n) => state.item(n)),
        request,
        `${json.repoApi}/issues/${issue.number}/sub_issues`,
        (item) => json.issue(item),
      );
    },
  },
  {
    method: 'POST',
    template: `${REPO}/issues/{issue_number}/sub_issues`,
    handle(request, state, json) {
      const child = state.addSubIssue(
        request.actor,
        int(request.params['issue_number'], 'issue_number'),
        int(String(request.body['sub_issue_id']), 'sub_issue_id'),
        bool(request.body, 'replace_parent') ?? false,
      );
      return ok(json.issue(state.item(child.parent!)), 201);
    },
  },
  {
    method: 'GET',
    template: `${REPO}/pulls`,
    async handle(request, state, json) {
      const wanted = request.query.get('state') ?? 'open';
      const head = request.query.get('head');
      const base = request.query.get('base');
      const pulls = [...state.items.values()]
        .filter((item) => item.kind === 'pull')
        .filter((pull) => wanted === 'all' || pull.state === wanted)
        // `head` must be `owner:branch`; GitHub ignores a bare branch name and lists every one.
        .filter(
          (pull) =>
            head === null ||
            !head.includes(':') ||
            (head.slice(0, head.indexOf(':')).toLowerCase() ===
              (pull.fork?.owner ?? state.owner).toLowerCase() &&
              head.slice(head.indexOf(':') + 1) === pull.head),
        )
        .filter((pull) => base === null || pull.base === base)
        .sort((a, b) => b.number - a.number);
      const { page, headers } = paginate(pulls, request.query, `${json.repoApi}/pulls`);
      return {
        status: 200,
        body: await Promise.all(page.map((pull) => json.pull(pull, false))),
        headers,
      };
    },
  },
  {
    method: 'POST',
    template: `${REPO}/pulls`,
    async handle(request, state, json) {
      const pull = await state.createPull(request.actor, {
        title: str(request.body, 'title', true)!,
        body: str(request.body, 'body') ?? '',
        head: str(request.body, 'head', true)!,
        base: str(request.body, 'base', true)!,
        draft: bool(request.body, 'draft') ?? false,
      });
      return ok(await json.pull(pull, true), 201);
    },
  },
  {
    method: 'GET',
    template: `${REPO}/pulls/{pull_number}`,
    async handle(request, state, json) {
      const pull = state.pull(int(request.params['pull_number'], 'pull_number'));
      if (/\bdiff\b/.test(request.accept)) {
        const diff = await state.git.diff(
          await state.pullBaseSha(pull),
          await state.pullHeadSha(pull),
        );
        const lines = diff.split('\n').length - 1;
        if (lines > state.diffMaxLines) {
          throw new ApiError(
            406,
            `Sorry, the diff exceeded the maximum number of lines (${state.diffMaxLines}). Consider using 'List pull requests files' API or locally cloning the repository instead.`,
            { errors: [{ resource: 'PullRequest', field: 'diff', code: 'too_large' }] },
          );
        }
        return {
          status: 200,
          body: new RawBody(diff, 'application/vnd.github.diff; charset=utf-8'),
        };
      }
      return ok(await json.pull(pull, true));
    },
  },
  {
    method: 'PATCH',
    template: `${REPO}/pulls/{pull_number}`,
    async handle(request, state, json) {
      const number = int(request.params['pull_number'], 'pull_number');
      state.pull(number);
      const rawState = str(request.body, 'state');
      state.updateItem(request.actor, number, {
        title: str(request.body, 'title'),
        body: str(request.body, 'body'),
        state: rawState as 'open' | 'closed' | undefined,
      });
      return ok(await json.pull(state.pull(number), true));
    },
  },
  {
    method: 'GET',
    template: `${REPO}/pulls/{pull_number}/files`,
    async handle(request, state, json) {
      const pull = state.pull(int(request.params['pull_number'], 'pull_number'));
      const base = await state.pullBaseSha(pull);
      const head = await state.pullHeadSha(pull);
      const files = await state.git.changedFiles(base, head);
      const patches = patchesOf(await state.git.diff(base, head));
      return listed(files, request, `${json.repoApi}/pulls/${pull.number}/files`, (file) => ({
        ...(patches.has(file.path) ? { patch: patches.get(file.path) } : {}),
        sha: file.sha,
        filename: file.path,
        status: file.status,
        ...(file.previousPath ? { previous_filename: file.previousPath } : {}),
        additions: file.additions,
        deletions: file.deletions,
        changes: file.additions + file.deletions,
        blob_url: `${json.repoWeb}/blob/${file.sha}/${file.path}`,
        raw_url: `${json.repoWeb}/raw/${file.sha}/${file.path}`,
        contents_url: `${json.repoApi}/contents/${file.path}?ref=${file.sha}`,
      }));
    },
  },
  {
    method: 'PUT',
    template: `${REPO}/pulls/{pull_number}/merge`,
    async handle(request, state) {
      const method = str(request.body, 'merge_method') ?? 'merge';
      if (!['merge', 'squash', 'rebase'].includes(method)) {
        throw validationFailed([
          { resource: 'PullRequest', code: 'invalid', field: 'merge_method' },
        ]);
      }
      const { sha } = await state.mergePull(
        request.actor,
        int(request.params['pull_number'], 'pull_number'),
        {
          sha: str(request.body, 'sha'),
          method: method as 'merge' | 'squash' | 'rebase',
          title: str(request.body, 'commit_title'),
          message: str(request.body, 'commit_message'),
        },
      );
      return ok({ sha, merged: true, message: 'Pull Request successfully merged' });
    },
  },
  {
    method: 'PUT',
    template: `${REPO}/pulls/{pull_number}/update-branch`,
    async handle(request, state, json) {
      const number = int(request.params['pull_number'], 'pull_number');
      await state.updatePullBranch(request.actor, number, str(request.body, 'expected_head_sha'));
      return ok(
        { message: 'Updating pull request branch.', url: `${json.repoWeb}/pull/${number}` },
        202,
      );
    },
  },
  {
    method: 'GET',
    template: `${REPO}/pulls/{pull_number}/reviews`,
    handle(request, state, json) {
      const number = int(request.params['pull_number'], 'pull_number');
      state.pull(number);
      const reviews = state.reviews.filter((review) => review.pull === number);
      return listed(reviews, request, `${json.repoApi}/pulls/${number}/reviews`, (review) =>
        json.review(review),
      );
    },
  },
  {
    method: 'POST',
    template: `${REPO}/pulls/{pull_number}/reviews`,
    async handle(request, state, json) {
      const review = await state.createReview(
        request.actor,
        int(request.params['pull_number'], 'pull_number'),
        {
          event: str(request.body, 'event') ?? 'COMMENT',
          body: str(request.body, 'body') ?? '',
          commitId: str(request.body, 'commit_id'),
        },
      );
      return ok(json.review(review));
    },
  },
  {
    method: 'GET',
    template: `${REPO}/commits/{ref}/status`,
    async handle(request, state, json) {
      const sha = await resolveCommit(state, request.params['ref']!);
      const statuses = state.latestStatuses(sha);
      const combined = statuses.some((s) => s.state === 'failure' || s.state === 'error')
        ? 'failure'
        : statuses.length > 0 && statuses.every((s) => s.state === 'success')
          ? 'success'
          : 'pending';
      return ok({
        state: combined,
        statuses: statuses.map((status) => json.status(status)),
        sha,
        total_count: statuses.length,
        repository: json.minimalRepository(),
        commit_url: `${json.repoApi}/commits/${sha}`,
        url: `${json.repoApi}/commits/${sha}/status`,
      });
    },
  },
  {
    method: 'GET',
    template: `${REPO}/commits/{ref}/check-runs`,
    async handle(request, state, json) {
      const sha = await resolveCommit(state, request.params['ref']!);
      const name = request.query.get('check_name');
      const runs = (
        request.query.get('filter') === 'all'
          ? state.checkRuns.filter((run) => run.headSha === sha)
          : state.latestCheckRuns(sha)
      ).filter((run) => name === null || run.name === name);
      const { page, headers } = paginate(
        runs,
        request.query,
        `${json.repoApi}/commits/${sha}/check-runs`,
      );
      return {
        status: 200,
        body: { total_count: runs.length, check_runs: page.map((run) => json.checkRun(run)) },
        headers,
      };
    },
  },
  {
    method: 'POST',
    template: `${REPO}/check-runs`,
    async handle(request, state, json) {
      const run = await state.createCheckRun(request.actor, {
        name: str(request.body, 'name', true)!,
        headSha: str(request.body, 'head_sha', true)!,
        status: str(request.body, 'status') as 'queued' | undefined,
        conclusion: str(request.body, 'conclusion') ?? null,
      });
      return ok(json.checkRun(run), 201);
    },
  },
  {
    method: 'POST',
    template: `${REPO}/statuses/{sha}`,
    async handle(request, state, json) {
      const wanted = str(request.body, 'state', true)!;
      if (!['error', 'failure', 'pending', 'success'].includes(wanted)) {
        throw validationFailed([
          {
            resource: 'Status',
            code: 'custom',
            field: 'state',
            message: 'state is not included in the list',
          },
        ]);
      }
      const status = await state.createStatus(request.actor, request.params['sha']!, {
        state: wanted as 'success',
        context: str(request.body, 'context') ?? 'default',
        description: str(request.body, 'description') ?? null,
        targetUrl: str(request.body, 'target_url') ?? null,
      });
      return {
        status: 201,
        body: json.status(status),
        headers: { location: `${json.repoApi}/statuses/${status.sha}` },
      };
    },
  },
  {
    method: 'GET',
    template: `${REPO}/actions/runs/{run_id}`,
    handle: (request, state, json) =>
      ok(json.workflowRun(state.workflowRun(int(request.params['run_id'], 'run_id')))),
  },
  {
    method: 'GET',
    template: `${REPO}/actions/runs/{run_id}/artifacts`,
    handle(request, state, json) {
      const run = state.workflowRun(int(request.params['run_id'], 'run_id'));
      return artifactList(
        state.ci.artifacts.filter((artifact) => artifact.runId === run.id),
        request,
        `${json.repoApi}/actions/runs/${run.id}/artifacts`,
        json,
      );
    },
  },
  {
    method: 'GET',
    template: `${REPO}/actions/artifacts`,
    handle(request, state, json) {
      const name = request.query.get('name');
      return artifactList(
        state.ci.artifacts.filter((artifact) => name === null || artifact.name === name),
        request,
        `${json.repoApi}/actions/artifacts`,
        json,
      );
    },
  },
  {
    method: 'GET',
    template: `${REPO}/actions/artifacts/{artifact_id}/{archive_format}`,
    handle(request, state, json) {
      const id = int(request.params['artifact_id'], 'artifact_id');
      if (!state.ci.artifacts.some((artifact) => artifact.id === id)) throw notFound();
      if (request.params['archive_format'] !== 'zip') throw notFound();
      // GitHub redirects to a short-lived signed URL; the twin's needs no token either.
      return { status: 302, headers: { location: `${json.api}/_twin/artifacts/${id}.zip` } };
    },
  },
  {
    method: 'POST',
    template: `${REPO}/actions/workflows/{workflow_id}/dispatches`,
    async handle(request, state) {
      await state.dispatchWorkflow(
        request.actor,
        request.params['workflow_id']!,
        str(request.body, 'ref', true)!,
      );
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    template: `${REPO}/dispatches`,
    async handle(request, state) {
      await state.repositoryDispatch(request.actor, str(request.body, 'event_type', true)!);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    template: `${REPO}/actions/runs`,
    handle(request, state, json) {
      const status = request.query.get('status');
      const headSha = request.query.get('head_sha');
      const created = createdFilter(request.query.get('created'));
      const runs = state.workflowRuns
        .filter((run) => headSha === null || run.ci?.headSha === headSha)
        .filter(
          (run) =>
            status === null ||
            (run.ci?.status ?? run.status) === status ||
            (run.ci ? run.ci.conclusion : run.conclusion) === status,
        )
        .filter((run) => created(run.createdAt))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const { page, headers } = paginate(runs, request.query, `${json.repoApi}/actions/runs`);
      return {
        status: 200,
        body: { total_count: runs.length, workflow_runs: page.map((run) => json.workflowRun(run)) },
        headers,
      };
    },
  },
];

/** Each file's hunks as the files list's `patch` gives them: from the first `@@` on. */
function patchesOf(diff: string): Map<string, string> {
  const patches = new Map<string, string>();
  for (const section of diff.split(/^(?=diff --git )/m)) {
    const path = /^\+\+\+ b\/(.+)$/m.exec(section)?.[1] ?? /^--- a\/(.+)$/m.exec(section)?.[1];
    const hunks = section.indexOf('\n@@');
    if (path && hunks >= 0) patches.set(path, section.slice(hunks + 1).replace(/\n$/, ''));
  }
  return patches;
}

function artifactList(
  artifacts: Artifact[],
  request: RestRequest,
  url: string,
  json: Serializer,
): RestAnswer {
  const sorted = [...artifacts].sort((a, b) => b.id - a.id);
  const { page, headers } = paginate(sorted, request.query, url);
  return {
    status: 200,
    body: {
      total_count: sorted.length,
      artifacts: page.map((artifact) => json.artifact(artifact)),
    },
    headers,
  };
}

async function resolveCommit(state: TwinState, ref: string): Promise<string> {
  const candidates = /^[0-9a-f]{40}$/.test(ref)
    ? [ref]
    : [`refs/heads/${ref}`, `refs/tags/${ref}`, ref];
  for (const candidate of candidates) {
    const sha = await state.git.resolve(candidate);
    if (sha) return sha;
  }
  throw new ApiError(422, `No commit found for SHA: ${ref}`);
}

/** GitHub's `created` search qualifier: `>=DATE`, `<DATE`, `DATE..DATE` or a day. */
function createdFilter(value: string | null): (at: string) => boolean {
  if (value === null || value === '') return () => true;
  const range = /^(.+)\.\.(.+)$/.exec(value);
  if (range) return (at) => at >= range[1]! && at.slice(0, range[2]!.length) <= range[2]!;
  const bound = /^(>=|<=|>|<)(.+)$/.exec(value);
  if (bound) {
    const [, op, date = ''] = bound;
    if (op === '>=') return (at) => at >= date;
    if (op === '>') return (at) => at > date;
    if (op === '<=') return (at) => at.slice(0, date.length) <= date;
    return (at) => at < date;
  }
  return (at) => at.startsWith(value);
}

function permissionsOf(permission: string): Record<string, boolean> {
  const rank = ['none', 'read', 'triage', 'write', 'maintain', 'admin'].indexOf(permission);
  return {
    pull: rank >= 1,
    triage: rank >= 2,
    push: rank >= 3,
    maintain: rank >= 4,
    admin: rank >= 5,
  };
}

const patterns = new Map<string, { pattern: RegExp; names: string[] }>();

/** A template as a regular expression, compiled once. */
function compiled(template: string): { pattern: RegExp; names: string[] } {
  let found = patterns.get(template);
  if (!found) {
    const names: string[] = [];
    const source = template
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{(\w+)\}/g, (_m, name: string) => {
        names.push(name);
        // A git ref name may hold slashes (heads/ai-feature/issue-1); other parameters may not.
        return name === 'ref' ? '(.+?)' : '([^/]+)';
      });
    found = { pattern: new RegExp(`^${source}$`), names };
    patterns.set(template, found);
  }
  return found;
}

/** A compiled route table: `METHOD /path` → handler and path parameters. */
export function matchRoute(
  routes: RestRoute[],
  method: string,
  path: string,
): { route: RestRoute; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const { pattern, names } = compiled(route.template);
    const match = pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1]!)));
    return { route, params };
  }
  return undefined;
}
