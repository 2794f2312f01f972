import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { ApiError } from './errors.js';
import { BOT_LOGIN, type FixtureProject } from './fixture.js';
import { NOT_ACCESSIBLE } from './scopes.js';
import type { User } from './state.js';

/**
 * Projects (v2) boards of organizations and users: their fields, items and single-select values,
 * who may read or change them, and their GraphQL views. A board lives outside the repository, so
 * a repository's GITHUB_TOKEN never reaches one; an app reaches an organization's board when it
 * is given access (its installation's Organization projects permission); a person by the board's
 * access list, or any board marked public for reading.
 */

export type BoardOwnerType = 'organization' | 'user';
export type BoardRole = 'read' | 'write' | 'admin';
export type FieldType = 'TITLE' | 'TEXT' | 'NUMBER' | 'DATE' | 'SINGLE_SELECT';

export interface BoardOption {
  /** GitHub's option ids are eight hex digits, unique within their field. */
  id: string;
  name: string;
  color: string;
  description: string;
}

export interface BoardField {
  id: number;
  nodeId: string;
  name: string;
  dataType: FieldType;
  options: BoardOption[];
  createdAt: string;
}

export interface BoardItem {
  id: number;
  nodeId: string;
  /** The issue or pull request, by number. */
  content: number;
  creator: string | null;
  createdAt: string;
  updatedAt: string;
  /** Single-select values: field node id to option id. */
  values: Record<string, string>;
}

export interface Board {
  id: number;
  nodeId: string;
  ownerType: BoardOwnerType;
  owner: string;
  number: number;
  title: string;
  public: boolean;
  createdAt: string;
  updatedAt: string;
  access: Record<string, BoardRole>;
  fields: BoardField[];
  items: BoardItem[];
}

const nodeIdOf = (prefix: string, id: number) =>
  `${prefix}_${Buffer.from(`twin:${id}`).toString('base64url')}`;

const TYPE_OF_FIELD = { text: 'TEXT', number: 'NUMBER', date: 'DATE' } as const;

/** The colours GitHub gives a new board's Status options; others start grey. */
const OPTION_COLORS: Record<string, string> = {
  todo: 'GREEN',
  'in progress': 'YELLOW',
  done: 'PURPLE',
};

const notFoundError = (message: string) => new ApiError(404, message, { type: 'NOT_FOUND' });
const nodeNotFound = (id: string) =>
  notFoundError(`Could not resolve to a node with the global id of '${id}'`);
/** GitHub's words to an App or GITHUB_TOKEN outside its reach. */
const integrationRefused = () => new ApiError(403, NOT_ACCESSIBLE, { type: 'FORBIDDEN' });
/** GitHub's words to a fine-grained personal token lacking a permission [unverified here]. */
const personRefused = () =>
  new ApiError(403, 'Resource not accessible by personal access token', { type: 'FORBIDDEN' });

export class ProjectBoards {
  readonly boards: Board[] = [];

  constructor(
    private readonly allocateId: () => number,
    private readonly now: () => string,
  ) {}

  seed(specs: readonly FixtureProject[], createdAt: string): void {
    for (const spec of specs) {
      const id = this.allocateId();
      const field = (name: string, dataType: FieldType, options: string[] = []): BoardField => {
        const fieldId = this.allocateId();
        return {
          id: fieldId,
          nodeId: nodeIdOf(dataType === 'SINGLE_SELECT' ? 'PVTSSF' : 'PVTF', fieldId),
          name,
          dataType,
          options: options.map((option) => ({
            id: createHash('sha1').update(`${fieldId}:${option}`).digest('hex').slice(0, 8),
            name: option,
            color: OPTION_COLORS[option.toLowerCase()] ?? 'GRAY',
            description: '',
          })),
          createdAt,
        };
      };
      const board: Board = {
        id,
        nodeId: nodeIdOf('PVT', id),
        ownerType: spec.ownerType,
        owner: spec.owner,
        number: spec.number,
        title: spec.title,
        public: spec.public,
        createdAt,
        updatedAt: createdAt,
        access: { ...spec.access, ...(spec.ownerType === 'user' ? { [spec.owner]: 'admin' } : {}) },
        fields: [
          field('Title', 'TITLE'),
          ...spec.fields.map((f) =>
            'options' in f
              ? field(f.name, 'SINGLE_SELECT', f.options)
              : field(f.name, TYPE_OF_FIELD[f.type]),
          ),
        ],
        items: [],
      };
      for (const entry of spec.items) {
        const item = this.place(board, entry.number, null, createdAt);
        for (const [name, value] of Object.entries(entry.values)) {
          const found = board.fields.find((f) => f.name === name)!;
          item.values[found.nodeId] = found.options.find((option) => option.name === value)!.id;
        }
      }
      this.boards.push(board);
    }
  }

  /** The organization of that login, as the boards name it; the twin knows no other. */
  organization(login: string): string | undefined {
    return this.boards.find(
      (board) =>
        board.ownerType === 'organization' && board.owner.toLowerCase() === login.toLowerCase(),
    )?.owner;
  }

  find(ownerType: BoardOwnerType, owner: string, number: number): Board | undefined {
    return this.boards.find(
      (board) =>
        board.ownerType === ownerType &&
        board.owner.toLowerCase() === owner.toLowerCase() &&
        board.number === number,
    );
  }

  byNodeId(id: string): Board | undefined {
    return this.boards.find((board) => board.nodeId === id);
  }

  /** The actor's role on the board; a GITHUB_TOKEN has none on any board. */
  role(board: Board, actor: User): BoardRole | null {
    if (actor.login === BOT_LOGIN) return null;
    return board.access[actor.login] ?? null;
  }

  canRead(board: Board, actor: User): boolean {
    return actor.login !== BOT_LOGIN && (board.public || this.role(board, actor) !== null);
  }

  canWrite(board: Board, actor: User): boolean {
    const role = this.role(board, actor);
    return role === 'write' || role === 'admin';
  }

  /**
   * The board, or GitHub's refusal: a GITHUB_TOKEN, or an app without access, is refused as an
   * integration; a person without access is told there is no such board.
   */
  readable(board: Board | undefined, actor: User, missing: () => ApiError): Board {
    if (actor.login === BOT_LOGIN) throw integrationRefused();
    if (board && this.canRead(board, actor)) return board;
    if (actor.type === 'Bot') throw integrationRefused();
    throw missing();
  }

  writable(board: Board | undefined, actor: User, missing: () => ApiError): Board {
    const found = this.readable(board, actor, missing);
    if (this.canWrite(found, actor)) return found;
    throw actor.type === 'Bot' ? integrationRefused() : personRefused();
  }

  /** Adds an issue or pull request; one already on the board comes back as it is. */
  add(board: Board, content: number, actor: User): BoardItem {
    return (
      board.items.find((item) => item.content === content) ??
      this.place(board, content, actor.login, this.now())
    );
  }

  setOption(board: Board, item: BoardItem, field: BoardField, optionId: string): void {
    if (!field.options.some((option) => option.id === optionId))
      throw new ApiError(422, 'The single select option Id does not belong to the field', {
        type: 'UNPROCESSABLE',
      });
    if (item.values[field.nodeId] === optionId) return;
    item.values[field.nodeId] = optionId;
    item.updatedAt = this.now();
    board.updatedAt = item.updatedAt;
  }

  /** Every board item of an issue or pull request the actor can see. */
  itemsOf(content: number, actor: User): { board: Board; item: BoardItem }[] {
    return this.boards
      .filter((board) => this.canRead(board, actor))
      .flatMap((board) =>
        board.items.filter((item) => item.content === content).map((item) => ({ board, item })),
      );
  }

  private place(board: Board, content: number, creator: string | null, at: string): BoardItem {
    const id = this.allocateId();
    const item: BoardItem = {
      id,
      nodeId: nodeIdOf('PVTI', id),
      content,
      creator,
      createdAt: at,
      updatedAt: at,
      values: {},
    };
    board.items.push(item);
    board.updatedAt = at;
    return item;
  }
}

// ---- GraphQL views ----------------------------------------------------------------------------

type View = Record<string, unknown>;
interface Context {
  actor: User;
}

/** What the views need from the rest of the twin's GraphQL. */
export interface BoardViewKit {
  boards: ProjectBoards;
  web: string;
  actor(login: string | null): View | null;
  /** The issue or pull request of that number, as GraphQL shows it. */
  content(number: number): View;
  connection<T>(all: T[], args: Record<string, unknown>): View;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function ownerView(kit: BoardViewKit, ownerType: BoardOwnerType, login: string): View {
  const projectV2 = ({ number }: { number: number }, context: Context) =>
    boardView(
      kit,
      kit.boards.readable(kit.boards.find(ownerType, login, number), context.actor, () =>
        notFoundError(`Could not resolve to a ProjectV2 with the number ${number}.`),
      ),
    );
  if (ownerType === 'user') return { ...kit.actor(login), projectV2 };
  return {
    __typename: 'Organization',
    id: `O_${Buffer.from(`twin-org:${login}`).toString('base64url')}`,
    login,
    name: login,
    url: `${kit.web}/${login}`,
    resourcePath: `/${login}`,
    projectV2,
  };
}

export function boardView(kit: BoardViewKit, board: Board): View {
  const path = `/${board.ownerType === 'organization' ? 'orgs' : 'users'}/${board.owner}/projects/${board.number}`;
  return {
    __typename: 'ProjectV2',
    id: board.nodeId,
    databaseId: board.id,
    fullDatabaseId: String(board.id),
    number: board.number,
    title: board.title,
    shortDescription: null,
    readme: null,
    public: board.public,
    closed: false,
    closedAt: null,
    template: false,
    createdAt: board.createdAt,
    updatedAt: board.updatedAt,
    url: `${kit.web}${path}`,
    resourcePath: path,
    owner: () => ownerView(kit, board.ownerType, board.owner),
    viewerCanUpdate: (_args: unknown, context: Context) =>
      kit.boards.canWrite(board, context.actor),
    field: ({ name }: { name: string }) => {
      const field = board.fields.find((candidate) => candidate.name === name);
      return field ? fieldView(kit, board, field) : null;
    },
    fields: (args: Record<string, unknown>) =>
      kit.connection(
        board.fields.map((field) => fieldView(kit, board, field)),
        args,
      ),
    items: (args: Record<string, unknown>) =>
      kit.connection(
        board.items.map((item) => itemView(kit, board, item)),
        args,
      ),
  };
}

function optionView(option: BoardOption): View {
  return {
    id: option.id,
    name: option.name,
    nameHTML: escapeHtml(option.name),
    color: option.color,
    description: option.description,
    descriptionHTML: escapeHtml(option.description),
  };
}

function fieldView(kit: BoardViewKit, board: Board, field: BoardField): View {
  const single = field.dataType === 'SINGLE_SELECT';
  return {
    __typename: single ? 'ProjectV2SingleSelectField' : 'ProjectV2Field',
    id: field.nodeId,
    databaseId: field.id,
    name: field.name,
    dataType: field.dataType,
    createdAt: field.createdAt,
    updatedAt: field.createdAt,
    project: () => boardView(kit, board),
    ...(single
      ? {
          options: ({ names }: { names?: string[] | null }) =>
            field.options.filter((option) => !names || names.includes(option.name)).map(optionView),
        }
      : {}),
  };
}

export function itemView(kit: BoardViewKit, board: Board, item: BoardItem): View {
  const content = () => kit.content(item.content);
  const valueOf = (field: BoardField): View | null => {
    const common = {
      id: `PVTFV_${Buffer.from(`twin:${item.id}:${field.id}`).toString('base64url')}`,
      field: fieldView(kit, board, field),
      item: () => itemView(kit, board, item),
      creator: () => kit.actor(item.creator),
      createdAt: item.createdAt,
      updatedAt: item.updatedAt,
    };
    if (field.dataType === 'TITLE')
      return { __typename: 'ProjectV2ItemFieldTextValue', ...common, text: content()['title'] };
    const option = field.options.find((candidate) => candidate.id === item.values[field.nodeId]);
    if (!option) return null;
    return {
      __typename: 'ProjectV2ItemFieldSingleSelectValue',
      ...common,
      ...optionView(option),
      optionId: option.id,
    };
  };
  return {
    __typename: 'ProjectV2Item',
    id: item.nodeId,
    databaseId: item.id,
    fullDatabaseId: String(item.id),
    type: content()['__typename'] === 'PullRequest' ? 'PULL_REQUEST' : 'ISSUE',
    isArchived: false,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    creator: () => kit.actor(item.creator),
    content,
    project: () => boardView(kit, board),
    fieldValueByName: ({ name }: { name: string }) => {
      const field = board.fields.find((candidate) => candidate.name === name);
      return field ? valueOf(field) : null;
    },
    fieldValues: (args: Record<string, unknown>) =>
      kit.connection(
        board.fields.flatMap((field) => {
          const value = valueOf(field);
          return value ? [value] : [];
        }),
        args,
      ),
  };
}

/** `node(id)` for a board, a field or an item the actor can see; null for anything else. */
export function boardNode(kit: BoardViewKit, id: string, actor: User): View | null {
  for (const board of kit.boards.boards) {
    if (!kit.boards.canRead(board, actor)) continue;
    if (board.nodeId === id) return boardView(kit, board);
    const field = board.fields.find((candidate) => candidate.nodeId === id);
    if (field) return fieldView(kit, board, field);
    const item = board.items.find((candidate) => candidate.nodeId === id);
    if (item) return itemView(kit, board, item);
  }
  return null;
}

// ---- mutations --------------------------------------------------------------------------------

type Input = Record<string, unknown>;

/** `addProjectV2ItemById`: idempotent, as on GitHub: an item already there comes back. */
export function addItemById(
  kit: BoardViewKit,
  input: Input,
  actor: User,
  contentOf: (nodeId: string) => number | undefined,
): View {
  const projectId = String(input['projectId']);
  const board = kit.boards.writable(kit.boards.byNodeId(projectId), actor, () =>
    nodeNotFound(projectId),
  );
  const contentId = String(input['contentId']);
  const content = contentOf(contentId);
  if (content === undefined) throw nodeNotFound(contentId);
  return {
    clientMutationId: input['clientMutationId'] ?? null,
    item: itemView(kit, board, kit.boards.add(board, content, actor)),
  };
}

/** `updateProjectV2ItemFieldValue` for single-select fields, the ones the twin models. */
export function updateItemFieldValue(kit: BoardViewKit, input: Input, actor: User): View {
  const projectId = String(input['projectId']);
  const board = kit.boards.writable(kit.boards.byNodeId(projectId), actor, () =>
    nodeNotFound(projectId),
  );
  const itemId = String(input['itemId']);
  const item = board.items.find((candidate) => candidate.nodeId === itemId);
  if (!item) throw nodeNotFound(itemId);
  const fieldId = String(input['fieldId']);
  const field = board.fields.find((candidate) => candidate.nodeId === fieldId);
  if (!field) throw nodeNotFound(fieldId);
  if (field.dataType !== 'SINGLE_SELECT')
    throw new GraphQLError(`The twin does not implement values of ${field.dataType} fields`);
  const value = (input['value'] ?? {}) as Record<string, unknown>;
  for (const key of ['text', 'number', 'date', 'iterationId'])
    if (value[key] !== undefined && value[key] !== null)
      throw new GraphQLError(`The twin does not implement ProjectV2FieldValue.${key}`);
  kit.boards.setOption(board, item, field, String(value['singleSelectOptionId'] ?? ''));
  return {
    clientMutationId: input['clientMutationId'] ?? null,
    projectV2Item: itemView(kit, board, item),
  };
}
