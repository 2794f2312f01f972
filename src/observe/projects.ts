import { ConfigurationError, errorMessage, oneLine } from '../errors.js';
import { apiError } from '../github/api-errors.js';
import type { GitHubClient } from '../github/client.js';
import {
  addProjectItemsMutation,
  PROJECT_WRITE_BATCH,
  projectStatusQuery,
  setProjectStatusMutation,
} from '../github/graphql/projects.js';
import type { Logger } from '../logger.js';
import type { ProjectRef, ProjectStatus, StatusChange } from './types.js';

/**
 * Keeps a Projects (v2) board's single-select Status field in step with the issues: adds each
 * issue to the board and sets its Status. A board is auxiliary: nothing here throws, every
 * failure becomes a warning that names its cause. See docs/projects.md.
 */

const BOARD_PATH =
  /^\/(orgs|users)\/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/projects\/([1-9]\d{0,9})(?:\/views\/[1-9]\d{0,9})?\/?$/;

/** GraphQL's Int: a board number past it cannot be asked for. */
const MAX_NUMBER = 2 ** 31 - 1;

const EXPECTED_URL =
  'the URL of a Projects board: https://github.com/orgs/ORG/projects/N or https://github.com/users/USER/projects/N (on GitHub Enterprise Server, its host instead of github.com; a /views/M ending is fine)';

/** The `project` input: '' for none, or a board's URL on any GitHub host. */
export function parseProjectUrl(value: string): ProjectRef | null {
  const text = value.trim();
  if (text === '') return null;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const match =
    url && /^https?:$/.test(url.protocol) && url.username === '' && url.password === ''
      ? BOARD_PATH.exec(url.pathname)
      : null;
  const number = Number(match?.[3]);
  if (!url || !match || number > MAX_NUMBER) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new ConfigurationError(
      `Invalid input 'project': ${JSON.stringify(shown)}. Expected ${EXPECTED_URL}.`,
    );
  }
  const [, kind, owner] = match as unknown as [string, 'orgs' | 'users', string];
  return {
    url: `${url.origin}/${kind}/${owner}/projects/${number}`,
    ownerType: kind === 'orgs' ? 'organization' : 'user',
    owner,
    number,
  };
}

/**
 * The Status options each status takes, in order of preference: the first one the board has
 * wins. Names compare without regard to case, spaces, punctuation or emoji ("🏗 In progress" is
 * "In Progress"). A board made with GitHub's defaults (Todo, In Progress, Done) shows queued
 * issues as Todo and issues in review as In Progress; it has no option for failed ones.
 */
export const STATUS_OPTIONS: Readonly<Record<ProjectStatus, readonly string[]>> = {
  queued: ['Queued', 'Todo', 'Ready'],
  'in progress': ['In Progress', 'Doing'],
  'in review': ['In Review', 'Review', 'In Progress'],
  done: ['Done', 'Completed'],
  failed: ['Failed'],
};

const STATUS_FIELD = 'Status';

const comparable = (name: string) =>
  name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');

interface Option {
  id: string;
  name: string;
}

/** The board's option for a status, by STATUS_OPTIONS; undefined when it has none. */
export function statusOption(
  status: ProjectStatus,
  options: readonly Option[],
): Option | undefined {
  for (const wanted of STATUS_OPTIONS[status]) {
    const found = options.find((option) => comparable(option.name) === comparable(wanted));
    if (found) return found;
  }
  return undefined;
}

// ---- what GitHub answers --------------------------------------------------------------------

interface FieldNode {
  id?: string;
  name?: string;
  dataType?: string;
  options?: Option[];
}

interface BoardNode {
  id: string;
  title: string;
  url: string;
  fields: { nodes: (FieldNode | null)[] | null };
}

interface IssueNode {
  id: string;
  projectItems: {
    pageInfo: { hasNextPage: boolean };
    nodes:
      | ({
          id: string;
          project: { id: string };
          status: { optionId?: string | null } | null;
        } | null)[]
      | null;
  };
}

interface StatusAnswer {
  owner: { projectV2: BoardNode | null } | null;
  repository: Record<string, IssueNode | null> | null;
}

interface GraphqlFailure {
  type?: string;
  message: string;
  path?: readonly (string | number)[];
}

/** What a GraphQL request gave: its data (partial when some fields failed) and the errors. */
type Outcome<T> =
  { data: T | null; errors: GraphqlFailure[] } | { data: null; errors: []; failure: string };

async function request<T>(
  client: GitHubClient,
  document: string,
  variables: Record<string, unknown>,
): Promise<Outcome<T>> {
  try {
    return { data: await client.graphql<T>(document, variables), errors: [] };
  } catch (error) {
    // GitHub answers 200 with `errors` beside partial `data`; Octokit throws both together.
    const errors = (error as { errors?: unknown } | null)?.errors;
    if (Array.isArray(errors) && errors.length > 0)
      return {
        data: ((error as { data?: T | null }).data ?? null) as T | null,
        errors: errors as GraphqlFailure[],
      };
    const refused = apiError(error)?.status === 401 ? 'GitHub did not accept the token: ' : '';
    return { data: null, errors: [], failure: `${refused}${oneLine(errorMessage(error))}` };
  }
}

// ---- the sync ---------------------------------------------------------------------------------

/** One issue's way to its Status: its node id, its item on the board if any, the option wanted. */
interface Step {
  issue: number;
  status: ProjectStatus;
  contentId: string;
  itemId: string | null;
  currentOptionId: string | null;
  option: Option;
}

const listIssues = (issues: readonly number[]) => issues.map((n) => `#${n}`).join(', ');

const quoted = (message: string) => JSON.stringify(oneLine(message));

const capitalised = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** Why the token could not read or write the board, and what token it takes. */
function tokenHint(type: string | undefined, writing: boolean): string {
  if (type === 'FORBIDDEN')
    return writing
      ? ' The token needs write access to the board: a personal access token (classic) with the `project` scope, or a GitHub App token with Organization projects read and write.'
      : ' A GITHUB_TOKEN cannot reach user or organization projects: set `project-token` to a personal access token (classic) with the `project` scope, or a GitHub App token with Organization projects read and write (organization boards only).';
  if (type === 'INSUFFICIENT_SCOPES')
    return writing
      ? ' A personal access token (classic) needs the `project` scope; `read:project` only reads.'
      : ' A personal access token (classic) needs the `project` scope.';
  return '';
}

/**
 * Adds each issue to the board and sets its Status: one query (the board, its fields and every
 * issue with its items), then one mutation adding the issues not on the board yet and one setting
 * the Status values that differ (each split per PROJECT_WRITE_BATCH issues). Changes are deduped
 * per issue, the last one winning. Never throws: failures come back as warnings, each also
 * logged as one.
 */
export async function syncProjectStatus(
  client: GitHubClient,
  project: ProjectRef,
  repo: { owner: string; repo: string },
  changes: readonly StatusChange[],
  logger: Logger,
): Promise<{ updated: number; warnings: string[] }> {
  const wanted = new Map<number, ProjectStatus>();
  for (const change of changes) wanted.set(change.issue, change.status);
  if (wanted.size === 0) return { updated: 0, warnings: [] };
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    logger.warning(message);
  };
  let updated = 0;
  try {
    updated = await sync(client, project, repo, wanted, warn, logger);
  } catch (error) {
    warn(`Project board ${project.url}: ${oneLine(errorMessage(error))}`);
  }
  return { updated, warnings };
}

async function sync(
  client: GitHubClient,
  project: ProjectRef,
  repo: { owner: string; repo: string },
  wanted: ReadonlyMap<number, ProjectStatus>,
  warn: (message: string) => void,
  logger: Logger,
): Promise<number> {
  const board = `the project board ${project.url}`;
  const read = await request<StatusAnswer>(
    client,
    projectStatusQuery(project.ownerType, [...wanted.keys()]),
    { login: project.owner, number: project.number, owner: repo.owner, name: repo.repo },
  );
  if ('failure' in read) {
    warn(`Could not read ${board}: ${read.failure}`);
    return 0;
  }
  const found = reachableBoard(read, board, repo, warn);
  if (!found) return 0;
  const field = statusField(found, board, warn);
  if (!field) return 0;
  const steps = plan(read, found.id, field.options, wanted, repo, board, warn);
  if (steps.length === 0) return 0;

  await addToBoard(client, found.id, steps, board, warn);
  const changing = steps.filter(
    (step) => step.itemId !== null && step.currentOptionId !== step.option.id,
  );
  if (changing.length === 0) {
    if (steps.every((step) => step.itemId !== null))
      logger.info(`Project board ${project.url}: every Status is already as wanted.`);
    return 0;
  }
  const set = await setStatus(client, found.id, field.id, changing, board, warn);
  if (set.length > 0)
    logger.info(
      `Project board ${project.url}: Status set for ${set.map((step) => `#${step.issue} (${step.option.name})`).join(', ')}.`,
    );
  return set.length;
}

/** The board, when GitHub showed it and the issues to the token; otherwise warnings saying why not. */
function reachableBoard(
  read: { data: StatusAnswer | null; errors: GraphqlFailure[] },
  board: string,
  repo: { owner: string; repo: string },
  warn: (message: string) => void,
): BoardNode | undefined {
  const boardErrors = read.errors.filter((error) => error.path?.[0] !== 'repository');
  for (const error of boardErrors)
    warn(
      error.type === 'NOT_FOUND'
        ? `This token sees no ${board}: ${quoted(error.message)}. Check the URL, and that the board is shared with the token's user or app (GitHub hides a private board from anyone else).`
        : `Could not read ${board}: ${quoted(error.message)}.${tokenHint(error.type, false)}`,
    );
  const found = read.data?.owner?.projectV2 ?? undefined;
  if (!found) {
    if (boardErrors.length === 0) warn(`This token sees no ${board}.`);
    return undefined;
  }
  if (!read.data?.repository) {
    const error = read.errors.find((e) => e.path?.[0] === 'repository');
    warn(
      `Could not read the issues of ${repo.owner}/${repo.repo} with the project token${error ? `: ${quoted(error.message)}` : ''}, so ${board} was not changed. The token reads the issues too: for a private repository, a personal access token (classic) needs the \`repo\` scope, a GitHub App token Issues read.`,
    );
    return undefined;
  }
  return found;
}

/** The board's single-select Status field (its name compared as options are), or a warning. */
function statusField(
  found: BoardNode,
  board: string,
  warn: (message: string) => void,
): { id: string; options: Option[] } | undefined {
  const fields = (found.fields.nodes ?? []).filter(
    (node): node is FieldNode & { id: string; name: string } => !!node?.id && !!node.name,
  );
  const named = fields.filter((node) => comparable(node.name) === comparable(STATUS_FIELD));
  const single = named.find((node) => Array.isArray(node.options));
  if (single) return { id: single.id, options: single.options! };
  warn(
    named.length > 0
      ? `The ${named[0]!.name} field of ${board} is a ${named[0]!.dataType ?? 'non-single-select'} field, not single select, so no Status was set.`
      : `${capitalised(board)} has no single-select Status field, so no Status was set; its fields are: ${fields.map((node) => node.name).join(', ') || 'none'}. Add a single-select field named Status.`,
  );
  return undefined;
}

/** Each issue's step, or a warning for the issues GitHub did not find and the missing options. */
function plan(
  read: { data: StatusAnswer | null; errors: GraphqlFailure[] },
  boardId: string,
  options: Option[],
  wanted: ReadonlyMap<number, ProjectStatus>,
  repo: { owner: string; repo: string },
  board: string,
  warn: (message: string) => void,
): Step[] {
  const steps: Step[] = [];
  const missingOption = new Map<ProjectStatus, number[]>();
  for (const [issue, status] of wanted) {
    const node = read.data?.repository?.[`i${issue}`] ?? null;
    if (!node) {
      const error = read.errors.find(
        (e) => e.path?.[0] === 'repository' && e.path[1] === `i${issue}`,
      );
      warn(
        `Issue #${issue} of ${repo.owner}/${repo.repo} ${error ? `could not be read: ${quoted(error.message)}` : 'was not found'}, so ${board} does not show it.`,
      );
      continue;
    }
    const option = statusOption(status, options);
    if (!option) {
      missingOption.set(status, [...(missingOption.get(status) ?? []), issue]);
      continue;
    }
    const item = (node.projectItems.nodes ?? []).find((entry) => entry?.project.id === boardId);
    steps.push({
      issue,
      status,
      contentId: node.id,
      itemId: item?.id ?? null,
      currentOptionId: item?.status?.optionId ?? null,
      option,
    });
  }
  for (const [status, issues] of missingOption)
    warn(
      `${capitalised(board)} has no Status option for ${status} (one of: ${STATUS_OPTIONS[status].join(', ')}), so ${listIssues(issues)} ${issues.length === 1 ? 'is' : 'are'} left as ${issues.length === 1 ? 'it is' : 'they are'}; its options are: ${options.map((option) => option.name).join(', ') || 'none'}.`,
    );
  return steps;
}

/** Adds the issues not seen on the board; their item ids land in their steps. */
async function addToBoard(
  client: GitHubClient,
  projectId: string,
  steps: Step[],
  board: string,
  warn: (message: string) => void,
): Promise<void> {
  const adding = steps.filter((step) => step.itemId === null);
  for (let start = 0; start < adding.length; start += PROJECT_WRITE_BATCH) {
    const batch = adding.slice(start, start + PROJECT_WRITE_BATCH);
    const variables: Record<string, unknown> = { project: projectId };
    batch.forEach((step, i) => (variables[`c${i}`] = step.contentId));
    const answer = await request<Record<string, { item: { id: string } | null } | null>>(
      client,
      addProjectItemsMutation(batch.length),
      variables,
    );
    batch.forEach((step, i) => (step.itemId = answer.data?.[`a${i}`]?.item?.id ?? null));
    reportWriteFailures(answer, batch, 'a', `Could not add {issues} to ${board}`, warn);
  }
}

/** Sets each step's option; answers the steps that took. */
async function setStatus(
  client: GitHubClient,
  projectId: string,
  fieldId: string,
  steps: Step[],
  board: string,
  warn: (message: string) => void,
): Promise<Step[]> {
  const set: Step[] = [];
  for (let start = 0; start < steps.length; start += PROJECT_WRITE_BATCH) {
    const batch = steps.slice(start, start + PROJECT_WRITE_BATCH);
    const variables: Record<string, unknown> = { project: projectId, field: fieldId };
    batch.forEach((step, i) => {
      variables[`i${i}`] = step.itemId;
      variables[`o${i}`] = step.option.id;
    });
    const answer = await request<Record<string, { projectV2Item: { id: string } | null } | null>>(
      client,
      setProjectStatusMutation(batch.length),
      variables,
    );
    set.push(...batch.filter((_step, i) => answer.data?.[`s${i}`]?.projectV2Item));
    reportWriteFailures(
      answer,
      batch,
      's',
      `Could not set the Status of {issues} on ${board}`,
      warn,
    );
  }
  return set;
}

/** One warning per distinct failure of a write, naming the issues it hit. */
function reportWriteFailures(
  answer: Outcome<unknown>,
  batch: Step[],
  prefix: string,
  what: string,
  warn: (message: string) => void,
): void {
  const phrase = (issues: number[]) => what.replace('{issues}', listIssues(issues));
  if ('failure' in answer) {
    warn(`${phrase(batch.map((step) => step.issue))}: ${answer.failure}`);
    return;
  }
  const byMessage = new Map<string, { type: string | undefined; issues: number[] }>();
  for (const error of answer.errors) {
    const index = Number(String(error.path?.[0] ?? '').slice(prefix.length));
    const step = String(error.path?.[0] ?? '').startsWith(prefix) ? batch[index] : undefined;
    const entry = byMessage.get(error.message) ?? { type: error.type, issues: [] };
    if (step) entry.issues.push(step.issue);
    byMessage.set(error.message, entry);
  }
  for (const [message, { type, issues }] of byMessage)
    warn(
      `${phrase(issues.length > 0 ? issues : batch.map((step) => step.issue))}: ${quoted(message)}.${tokenHint(type, true)}`,
    );
}
