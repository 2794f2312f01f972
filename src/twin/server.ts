import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from './errors.js';
import { FaultInjector, type FaultDecision } from './faults.js';
import { faultsSchema, parseFixture, FixtureError, type Fixture } from './fixture.js';
import { serveGit } from './git-http.js';
import { executeQuery, prepareQuery } from './graphql.js';
import {
  budgetOf,
  createsContent,
  RateLimits,
  secondaryPoints,
  SECONDARY_LIMIT_MESSAGE,
  type Budget,
  type Resource,
  type SecondaryRefusal,
} from './limits.js';
import { ScriptedModel, type ReceivedModelRequest } from './model.js';
import { matchRoute, RawBody, REST_ROUTES } from './rest.js';
import {
  effectiveGrants,
  gitNeed,
  graphqlNeed,
  NOT_ACCESSIBLE,
  restNeed,
  unmetClause,
  type Granted,
} from './scopes.js';
import { Serializer } from './serialize.js';
import { atLeast, TwinState, type User } from './state.js';

/** A marker no action bundle may contain; a test searches dist/ for it. */
export const TWIN_MARKER = 'ai-scrum-master local GitHub twin';

export interface TwinUrls {
  /** REST base (GITHUB_API_URL) */
  api: string;
  /** GraphQL endpoint (GITHUB_GRAPHQL_URL) */
  graphql: string;
  /** Web and git base (GITHUB_SERVER_URL); clone `${git}/OWNER/REPO.git` */
  git: string;
  /** Anthropic base URL of the scripted model (ANTHROPIC_BASE_URL) */
  model: string;
}

export interface TwinStats {
  requests: number;
  byRoute: Record<string, number>;
  byToken: Record<string, number>;
  contentCreating: number;
  graphqlPoints: number;
  graphqlPointsByToken: Record<string, number>;
  faultsInjected: number;
  rateLimited: number;
}

export interface Twin {
  urls: TwinUrls;
  state: TwinState;
  /** The environment a runner would give an action pointed at this twin. */
  env(token: string): Record<string, string>;
  stats(): TwinStats;
  resetStats(): void;
  /** Every request the scripted model received, in order (its prompts, for tests to read). */
  modelRequests(): ReceivedModelRequest[];
  stop(): Promise<void>;
}

export interface TwinOptions {
  port?: number;
  host?: string;
  /** Where bare repositories live; a temporary folder (removed on stop) when not given. */
  stateDir?: string;
  /** Folder of scripted model conversations (*.json). */
  modelScriptsDir?: string;
}

const emptyStats = (): TwinStats => ({
  requests: 0,
  byRoute: {},
  byToken: {},
  contentCreating: 0,
  graphqlPoints: 0,
  graphqlPointsByToken: {},
  faultsInjected: 0,
  rateLimited: 0,
});

const bump = (record: Record<string, number>, key: string, by = 1) => {
  record[key] = (record[key] ?? 0) + by;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const MAX_BODY = 30 * 1024 * 1024;

/** GitHub's body for a server error, as the fault kinds answer it. */
function serverError(status: number): Record<string, string> {
  return {
    message: status === 502 || status === 504 ? 'Server Error' : 'Service Unavailable',
    status: String(status),
  };
}

/**
 * Swallows everything a handler writes to `response`, so it can run in full while its answer is
 * lost; the returned function restores the response for the answer the client does get.
 */
function mute(response: ServerResponse): () => void {
  const muted = ['writeHead', 'setHeader', 'flushHeaders', 'write', 'end'] as const;
  const callbackOf = (args: unknown[]) => args.find((arg) => typeof arg === 'function');
  const fake = response as unknown as Record<string, (...args: unknown[]) => unknown>;
  fake['writeHead'] = () => response;
  fake['setHeader'] = () => response;
  fake['flushHeaders'] = () => undefined;
  fake['write'] = (...args: unknown[]) => {
    (callbackOf(args) as (() => void) | undefined)?.();
    return true;
  };
  fake['end'] = (...args: unknown[]) => {
    (callbackOf(args) as (() => void) | undefined)?.();
    return response;
  };
  return () => {
    for (const name of muted) Reflect.deleteProperty(response, name);
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tokenOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme = '', value = ''] = header.split(/\s+/, 2);
  if (/^(token|bearer)$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString();
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return undefined;
}

/** A weak ETag of an answer's body, as GitHub sends on REST GETs. */
function etagOf(text: string): string {
  return `W/"${createHash('sha1').update(text).digest('hex')}"`;
}

/** Whether an `If-None-Match` header names `etag` (weak comparison, `*` matching anything). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

export async function startTwin(fixtureInput: unknown, options: TwinOptions = {}): Promise<Twin> {
  const fixture: Fixture = parseFixture(fixtureInput);
  // Everything that can reject the input runs before anything is written to disk.
  const model = new ScriptedModel(options.modelScriptsDir);
  const ownsStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'ai-scrum-twin-'));
  const state = await TwinState.create(fixture, stateDir);
  const limits = new RateLimits(fixture.limits);
  const grantsOf = (token: string): Granted | undefined =>
    effectiveGrants(fixture.tokenPermissions[token]);
  const faults = new FaultInjector(fixture.faults);
  let stats = emptyStats();
  const hanging = new Set<ServerResponse>();

  const send = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    if (response.writableEnded || response.destroyed) return;
    const raw = body instanceof RawBody ? body : undefined;
    const text = raw ? raw.content : body === undefined ? '' : JSON.stringify(body);
    response.writeHead(status, {
      ...(raw
        ? { 'content-type': raw.type }
        : body === undefined
          ? {}
          : { 'content-type': 'application/json; charset=utf-8' }),
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': `TWIN:${stats.requests}`,
      ...headers,
    });
    response.end(text);
  };

  const restError = (error: ApiError) => ({
    message: error.message,
    documentation_url: 'https://docs.github.com/rest',
    ...error.extra,
    status: String(error.status),
  });

  /** GitHub's answer to a secondary limit: 403 or 429 with `retry-after`; nothing changes. */
  function refuseSecondary(
    response: ServerResponse,
    budget: Budget,
    resource: Resource,
    refusal: SecondaryRefusal,
  ): void {
    stats.rateLimited++;
    const message =
      refusal.message === SECONDARY_LIMIT_MESSAGE
        ? `${refusal.message} TWIN:${stats.requests}.`
        : refusal.message;
    send(
      response,
      refusal.status,
      {
        message,
        documentation_url:
          'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: String(refusal.status),
      },
      { ...limits.headers(budget, resource), 'retry-after': String(refusal.retryAfter) },
    );
  }

  /**
   * Counts a content-creating request, or refuses it with GitHub's secondary-limit answer when
   * its budget is spent (the request then changes nothing).
   */
  function admitContent(response: ServerResponse, budget: Budget, resource: Resource): boolean {
    const refusal = limits.contentCreation(budget);
    if (!refusal) {
      stats.contentCreating++;
      return true;
    }
    refuseSecondary(response, budget, resource, refusal);
    return false;
  }

  /** GitHub's words for an exhausted primary limit: installations (bots) and users differ. */
  const primaryMessage = (actor: User) =>
    `API rate limit exceeded for ${actor.type === 'Bot' || actor.login.endsWith('[bot]') ? 'installation' : 'user'} ID ${actor.id}.`;

  async function control(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
  ): Promise<void> {
    if (request.method === 'GET' && path === '/_twin/stats') return send(response, 200, stats);
    if (request.method === 'DELETE' && path === '/_twin/stats') {
      stats = emptyStats();
      return send(response, 204, undefined);
    }
    if (request.method === 'GET' && path === '/_twin/state')
      return send(response, 200, await state.snapshot());
    if (request.method === 'POST' && path === '/_twin/pre-receive') {
      // Asked by the repository's pre-receive hook: may these updates land?
      const { updates, pusher } = JSON.parse((await readBody(request)).toString()) as {
        updates: { before: string; after: string; ref: string; fastForward: boolean }[];
        pusher: string;
      };
      const actor = state.user(pusher);
      if (!actor) return send(response, 200, { refusal: `unknown pusher ${pusher}` });
      return send(response, 200, { refusal: (await state.pushRefusal(actor, updates)) ?? null });
    }
    const artifact = /^\/_twin\/artifacts\/(\d+)\.zip$/.exec(path);
    if (request.method === 'GET' && artifact) {
      const found = state.ci.artifacts.find((a) => a.id === Number(artifact[1]));
      if (!found) return send(response, 404, { message: 'Not Found' });
      const zip = zipSync(
        Object.fromEntries(
          Object.entries(found.files).map(([name, text]) => [name, new TextEncoder().encode(text)]),
        ),
      );
      return send(response, 200, new RawBody(Buffer.from(zip), 'application/zip'));
    }
    if (request.method === 'POST' && path === '/_twin/tick') {
      request.resume();
      return send(response, 200, await state.tick());
    }
    if (request.method === 'POST' && path === '/_twin/faults') {
      const parsed = faultsSchema.safeParse(
        JSON.parse((await readBody(request)).toString() || '{}'),
      );
      if (!parsed.success) return send(response, 400, { message: parsed.error.message });
      faults.configure(parsed.data);
      return send(response, 200, parsed.data);
    }
    send(response, 404, { message: 'Not Found' });
  }

  async function rest(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    actor: User,
    token: string,
  ) {
    const method = request.method ?? 'GET';
    const matched = matchRoute(REST_ROUTES, method, url.pathname)!;
    const budget = budgetOf(actor.login);
    // Every request is charged up front, refusals included (GitHub counts them and sends the
    // x-ratelimit-* headers on every answer), so concurrent requests cannot overdraw the last
    // unit; a conditional GET answered 304 is refunded.
    if (!limits.charge(budget, 'core', 1)) {
      stats.rateLimited++;
      request.resume();
      return send(
        response,
        403,
        {
          message: `${primaryMessage(actor)} If you reach out to GitHub Support for help, please include the request ID TWIN:${stats.requests}.`,
          documentation_url:
            'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api',
          status: '403',
        },
        { ...limits.headers(budget, 'core'), 'x-ratelimit-remaining': '0' },
      );
    }
    const charged = () => limits.headers(budget, 'core');
    try {
      await restCharged(request, response, url, actor, token, matched, budget, charged);
    } catch (error) {
      request.resume();
      if (error instanceof ApiError)
        return send(response, error.status, restError(error), charged());
      throw error;
    }
  }

  /** A REST request once the primary limit let it through and charged it. */
  async function restCharged(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    actor: User,
    token: string,
    matched: NonNullable<ReturnType<typeof matchRoute>>,
    budget: Budget,
    charged: () => Record<string, string>,
  ): Promise<void> {
    const method = request.method ?? 'GET';
    const { template } = matched.route;
    const { owner, repo } = matched.params;
    if (
      owner !== undefined &&
      (owner.toLowerCase() !== state.owner.toLowerCase() ||
        repo?.toLowerCase() !== state.name.toLowerCase())
    ) {
      throw new ApiError(404, 'Not Found');
    }
    const busy = limits.perMinute(budget, 'core', secondaryPoints('core', method));
    if (busy) {
      request.resume();
      charged();
      return refuseSecondary(response, budget, 'core', busy);
    }
    const granted = grantsOf(token);
    if (granted !== undefined) {
      const need = restNeed(method, template);
      if (!need)
        throw new Error(`no permission entry for ${method} ${template} (src/twin/scopes.ts)`);
      if (unmetClause(granted, need) !== -1) {
        request.resume();
        return send(
          response,
          403,
          {
            message: NOT_ACCESSIBLE,
            documentation_url: 'https://docs.github.com/rest',
            status: '403',
          },
          charged(),
        );
      }
    }
    if (createsContent(method, template) && !admitContent(response, budget, 'core')) {
      request.resume();
      return;
    }
    const raw = await readBody(request);
    let body: Record<string, unknown> = {};
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString()) as Record<string, unknown>;
      } catch {
        throw new ApiError(400, 'Problems parsing JSON');
      }
    }
    const answer = await matched.route.handle(
      {
        params: matched.params,
        query: url.searchParams,
        body,
        actor,
        accept: String(request.headers.accept ?? ''),
      },
      state,
      json,
    );
    if (method === 'GET' && answer.status === 200 && answer.body !== undefined) {
      const etag = etagOf(JSON.stringify(answer.body));
      if (matchesEtag(request.headers['if-none-match'], etag)) {
        // GitHub: a conditional request answered 304 does not count against the primary limit.
        limits.refund(budget, 'core', 1);
        return send(response, 304, undefined, { ...limits.headers(budget, 'core'), etag });
      }
      return send(response, answer.status, answer.body, {
        ...charged(),
        etag,
        ...answer.headers,
      });
    }
    send(response, answer.status, answer.body, { ...charged(), ...answer.headers });
  }

  async function graphql(
    request: IncomingMessage,
    response: ServerResponse,
    actor: User,
    token: string,
  ) {
    const budget = budgetOf(actor.login);
    let body: unknown;
    try {
      body = JSON.parse((await readBody(request)).toString());
    } catch {
      return send(response, 400, { message: 'Problems parsing JSON' });
    }
    const prepared = prepareQuery(body);
    if ('errors' in prepared)
      return send(response, 200, { errors: prepared.errors }, limits.headers(budget, 'graphql'));
    if (!limits.charge(budget, 'graphql', prepared.cost.points)) {
      stats.rateLimited++;
      const headers = { ...limits.headers(budget, 'graphql'), 'x-ratelimit-remaining': '0' };
      return send(
        response,
        200,
        { errors: [{ type: 'RATE_LIMITED', message: primaryMessage(actor) }] },
        headers,
      );
    }
    stats.graphqlPoints += prepared.cost.points;
    bump(stats.graphqlPointsByToken, token, prepared.cost.points);
    const mutation = prepared.operation.operation === 'mutation';
    const busy = limits.perMinute(budget, 'graphql', secondaryPoints('graphql', 'POST', mutation));
    if (busy) return refuseSecondary(response, budget, 'graphql', busy);
    const granted = grantsOf(token);
    if (granted !== undefined) {
      const { need, fields, unknown } = graphqlNeed(prepared.document, prepared.operation);
      if (unknown.length > 0)
        throw new Error(
          `no permission entry for mutation ${unknown.join(', ')} (src/twin/scopes.ts)`,
        );
      const unmet = unmetClause(granted, need);
      if (unmet !== -1) {
        const field = fields[unmet];
        return send(
          response,
          200,
          {
            data: null,
            errors: [
              {
                type: 'FORBIDDEN',
                ...(field ? { path: [field] } : {}),
                extensions: { saml_failure: false },
                message: NOT_ACCESSIBLE,
              },
            ],
          },
          limits.headers(budget, 'graphql'),
        );
      }
    }
    if (mutation && !admitContent(response, budget, 'graphql')) return;
    const window = limits.window(budget, 'graphql');
    const answer = await executeQuery(prepared, {
      state,
      json,
      actor,
      cost: prepared.cost,
      rateLimit: {
        limit: window.limit,
        remaining: Math.max(window.limit - window.used, 0),
        used: window.used,
        resetAt: new Date(window.reset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    });
    send(response, 200, answer.body, limits.headers(budget, 'graphql'));
  }

  async function git(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    match: RegExpExecArray,
  ) {
    const token = tokenOf(request);
    const actor = token === undefined ? undefined : state.userForToken(token);
    if (!actor) {
      response.writeHead(401, {
        'www-authenticate': 'Basic realm="GitHub"',
        'content-type': 'text/plain',
      });
      response.end(
        'Invalid username or token. Password authentication is not supported for Git operations.\n',
      );
      return;
    }
    const [, owner = '', repo = '', rest = ''] = match;
    if (
      owner.toLowerCase() !== state.owner.toLowerCase() ||
      repo.toLowerCase() !== `${state.name}.git`.toLowerCase()
    ) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('Repository not found.\n');
      return;
    }
    const pushing =
      url.searchParams.get('service') === 'git-receive-pack' || rest === '/git-receive-pack';
    if (unmetClause(grantsOf(token!), gitNeed(pushing)) !== -1) {
      request.resume();
      response.writeHead(403, { 'content-type': 'text/plain' });
      response.end(
        `remote: Permission to ${state.owner}/${state.name}.git denied to ${actor.login}.\n`,
      );
      return;
    }
    if (!atLeast(actor.permission, pushing ? 'write' : 'read')) {
      response.writeHead(403, { 'content-type': 'text/plain' });
      response.end(`Permission to ${state.owner}/${state.name}.git denied to ${actor.login}.\n`);
      return;
    }
    await serveGit(request, response, {
      projectRoot: stateDir,
      pathInfo: `/${state.owner}/${state.name}.git${rest}`,
      query: url.search.slice(1),
      remoteUser: actor.login,
      hookUrl: `${base}/_twin/pre-receive`,
    });
    if (pushing && request.method === 'POST') await state.refsChanged(actor);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', base);
    const method = request.method ?? 'GET';
    const path = url.pathname;
    if (path.startsWith('/_twin/')) return control(request, response, path);

    const gitMatch = /^\/([^/]+)\/([^/]+\.git)(\/.*)?$/.exec(path);
    let route: string;
    let kind: 'git' | 'model' | 'graphql' | 'rest';
    if (gitMatch) {
      kind = 'git';
      route = `${method} /{owner}/{repo}.git${gitMatch[3] ?? ''}`;
    } else if (path.startsWith('/model/')) {
      kind = 'model';
      route = `${method} ${path.slice('/model'.length)}`;
    } else if (path === '/graphql' && method === 'POST') {
      kind = 'graphql';
      route = 'POST /graphql';
    } else {
      kind = 'rest';
      const matched = matchRoute(REST_ROUTES, method, path);
      route = matched ? `${method} ${matched.route.template}` : `${method} (unknown)`;
    }
    const token = tokenOf(request);
    stats.requests++;
    bump(stats.byRoute, route);
    bump(stats.byToken, token ?? '(none)');

    let lost: Extract<FaultDecision, { kind: 'applied-status' | 'applied-drop' }> | undefined;
    for (const decision of faults.decide(route)) {
      stats.faultsInjected++;
      if (decision.kind === 'latency') await sleep(decision.ms);
      if (decision.kind === 'hang') {
        hanging.add(response);
        response.on('close', () => hanging.delete(response));
        request.resume();
        return;
      }
      if (decision.kind === 'status') {
        request.resume();
        if (kind === 'model') return model.sendError(response, decision.status);
        return send(response, decision.status, serverError(decision.status));
      }
      if (decision.kind === 'applied-status' || decision.kind === 'applied-drop') lost ??= decision;
    }

    const serve = () => dispatch(request, response, url, kind, route, token, gitMatch);
    if (!lost) return serve();
    // The request is handled in full (every change it makes stays), but its answer is lost.
    const unmute = mute(response);
    try {
      await serve();
    } catch {
      // Whatever it answered, the client never sees it.
    } finally {
      unmute();
    }
    if (lost.kind === 'applied-drop') {
      response.socket?.destroy();
      response.destroy();
      return;
    }
    if (kind === 'model') return model.sendError(response, lost.status);
    return send(response, lost.status, serverError(lost.status));
  }

  async function dispatch(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    kind: 'git' | 'model' | 'graphql' | 'rest',
    route: string,
    token: string | undefined,
    gitMatch: RegExpExecArray | null,
  ): Promise<void> {
    if (kind === 'git') return git(request, response, url, gitMatch!);
    if (kind === 'model')
      return model.handle(request, response, url.pathname.slice('/model'.length));

    if (route.endsWith('(unknown)')) {
      request.resume();
      return send(response, 404, {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404',
      });
    }
    if (token === undefined) {
      request.resume();
      return send(response, 401, {
        message: 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    const actor = state.userForToken(token);
    if (!actor) {
      request.resume();
      return send(response, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    if (kind === 'graphql') return graphql(request, response, actor, token);
    return rest(request, response, url, actor, token);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof ApiError) return send(response, error.status, restError(error));
      send(response, 500, { message: `twin error: ${(error as Error).message}`, status: '500' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const json = new Serializer(state, base, base);
  const urls: TwinUrls = {
    api: base,
    graphql: `${base}/graphql`,
    git: base,
    model: `${base}/model`,
  };

  return {
    urls,
    state,
    env: (token) => ({
      GITHUB_API_URL: urls.api,
      GITHUB_GRAPHQL_URL: urls.graphql,
      GITHUB_SERVER_URL: urls.git,
      GITHUB_REPOSITORY: `${state.owner}/${state.name}`,
      GITHUB_REPOSITORY_OWNER: state.owner,
      GITHUB_TOKEN: token,
      ANTHROPIC_BASE_URL: urls.model,
    }),
    stats: () => structuredClone(stats),
    modelRequests: () => structuredClone(model.requests),
    resetStats: () => {
      stats = emptyStats();
    },
    stop: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Kills every CI process and waits for background work before the repository goes.
      await state.close();
      await closed;
      if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export { FixtureError };
