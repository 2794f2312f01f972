import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { z } from 'zod';

/**
 * A scripted stand-in for the Anthropic Messages API. It replays conversations from script files
 * and reports usage. Token counts are an approximation (about four characters a token), not a
 * tokenizer's: they show how usage and caching behave, not what a real model would bill.
 */

const block = z.union([
  z.strictObject({ type: z.literal('text'), text: z.string() }),
  z.strictObject({
    type: z.literal('tool_use'),
    id: z.string(),
    name: z.string(),
    input: z.record(z.string(), z.unknown()),
  }),
  z.strictObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
]);

const turn = z.strictObject({
  content: z.array(block).min(1),
  stop_reason: z
    .enum(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal'])
    .default('end_turn'),
  /** Errors answered, in order, to the first attempts at this turn before it succeeds. */
  failFirst: z
    .array(
      z.strictObject({
        status: z.union([z.literal(429), z.literal(500), z.literal(529)]),
        retryAfterMs: z.number().int().min(0).optional(),
        /** `error.details.error_code`; a spend limit's 429 carries no retry-after. */
        errorCode: z.string().min(1).optional(),
        /** On a streamed request: answer 200, then this status's error as an SSE `error` event. */
        inStream: z.boolean().optional(),
      }),
    )
    .default([]),
});

export const scriptSchema = z.strictObject({
  /**
   * Found in the system prompt or first user message of the conversations this script plays; a
   * list matches when every one of its strings is found.
   */
  match: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  model: z.string().optional(),
  turns: z.array(turn).min(1),
});

export type ModelScript = z.output<typeof scriptSchema> & { name: string };

/** What the scripted model received, for tests that check what a client sends. */
export interface ReceivedModelRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body, or undefined when it was not JSON. */
  body: Record<string, unknown> | undefined;
}

interface CacheEntry {
  tokens: number;
  expiresAt: number;
}

export interface ModelUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  service_tier: 'standard';
}

/** About four characters a token: an approximation, stated as such wherever it is reported. */
export const approximateTokens = (text: string): number => Math.ceil(text.length / 4);

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

function errorBody(
  status: number,
  message?: string,
  errorCode?: string,
): { type: string; message: string; details?: { error_code: string } } {
  return {
    type: ERROR_TYPES[status] ?? 'api_error',
    message:
      message ??
      (status === 529
        ? 'Overloaded'
        : status === 429
          ? errorCode
            ? `Spend limit reached (scripted: ${errorCode})`
            : 'Rate limited (scripted)'
          : 'Internal server error'),
    ...(errorCode ? { details: { error_code: errorCode } } : {}),
  };
}

interface Segment {
  text: string;
  breakpoint: '5m' | '1h' | undefined;
}

function segmentsOf(body: Record<string, unknown>): Segment[] {
  const segments: Segment[] = [];
  const mark = (value: unknown): Segment['breakpoint'] => {
    const control = (value as { cache_control?: { type?: string; ttl?: string } } | null)
      ?.cache_control;
    return control?.type === 'ephemeral' ? (control.ttl === '1h' ? '1h' : '5m') : undefined;
  };
  for (const tool of (body['tools'] as unknown[]) ?? [])
    segments.push({ text: JSON.stringify(tool), breakpoint: mark(tool) });
  const system = body['system'];
  if (typeof system === 'string') segments.push({ text: system, breakpoint: undefined });
  else if (Array.isArray(system))
    for (const part of system)
      segments.push({ text: JSON.stringify(part), breakpoint: mark(part) });
  for (const message of (body['messages'] as { role: string; content: unknown }[]) ?? []) {
    const content =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : (message.content as unknown[]);
    for (const part of content ?? [])
      segments.push({ text: `${message.role}:${JSON.stringify(part)}`, breakpoint: mark(part) });
  }
  const top = mark(body);
  if (top && segments.length > 0) segments[segments.length - 1]!.breakpoint ??= top;
  return segments;
}

export class ScriptedModel {
  private readonly scripts: ModelScript[] = [];
  private readonly cache = new Map<string, CacheEntry>();
  private readonly attempts = new Map<string, number>();
  /** Prompt prefixes shorter than this are not cached, as with real models (1,024–4,096). */
  minCacheTokens = 1024;
  /** Every request received, in order, including refused ones. */
  readonly requests: ReceivedModelRequest[] = [];

  constructor(
    readonly scriptsDir?: string,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (scriptsDir) {
      for (const file of readdirSync(scriptsDir)
        .filter((name) => name.endsWith('.json'))
        .sort()) {
        const parsed = scriptSchema.safeParse(
          JSON.parse(readFileSync(join(scriptsDir, file), 'utf8')),
        );
        if (!parsed.success) {
          throw new Error(
            `Invalid model script ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
        }
        this.scripts.push({ ...parsed.data, name: basename(file, '.json') });
      }
    }
  }

  addScript(name: string, script: z.input<typeof scriptSchema>): void {
    this.scripts.push({ ...scriptSchema.parse(script), name });
  }

  sendError(
    response: ServerResponse,
    status: number,
    message?: string,
    retryAfterMs = 1000,
    errorCode?: string,
  ): void {
    const requestId = `req_twin_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'request-id': requestId,
    };
    if ((status === 429 || status === 529) && !errorCode) {
      headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
      headers['retry-after-ms'] = String(retryAfterMs);
    }
    response.writeHead(status, headers);
    response.end(
      JSON.stringify({
        type: 'error',
        error: errorBody(status, message, errorCode),
        request_id: requestId,
      }),
    );
  }

  /** Usage for a request: cache reads for the longest cached prefix, writes up to the last breakpoint. */
  usage(body: Record<string, unknown>, outputText: string): ModelUsage {
    const segments = segmentsOf(body);
    let total = 0;
    let read = 0;
    let creation5m = 0;
    let creation1h = 0;
    const hash = createHash('sha256');
    const prefixes: { key: string; tokens: number; ttl: '5m' | '1h' }[] = [];
    for (const segment of segments) {
      total += approximateTokens(segment.text);
      hash.update(segment.text);
      hash.update('\0');
      if (segment.breakpoint)
        prefixes.push({ key: hash.copy().digest('hex'), tokens: total, ttl: segment.breakpoint });
    }
    const now = this.now();
    for (const prefix of prefixes) {
      const hit = this.cache.get(prefix.key);
      if (hit && hit.expiresAt > now) read = Math.max(read, prefix.tokens);
    }
    // Each breakpoint past the cached part writes the tokens between it and the one before.
    let written = read;
    for (const prefix of prefixes) {
      if (prefix.tokens < this.minCacheTokens) continue;
      if (prefix.tokens > written) {
        if (prefix.ttl === '1h') creation1h += prefix.tokens - written;
        else creation5m += prefix.tokens - written;
        written = prefix.tokens;
      }
      this.cache.set(prefix.key, {
        tokens: prefix.tokens,
        expiresAt: now + (prefix.ttl === '1h' ? 3_600_000 : 300_000),
      });
    }
    const creation = creation5m + creation1h;
    return {
      input_tokens: total - read - creation,
      output_tokens: approximateTokens(outputText),
      cache_creation_input_tokens: creation,
      cache_read_input_tokens: read,
      cache_creation: {
        ephemeral_5m_input_tokens: creation5m,
        ephemeral_1h_input_tokens: creation1h,
      },
      service_tier: 'standard',
    };
  }

  async handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    this.requests.push({
      method: request.method ?? '',
      path,
      headers: request.headers,
      body: parsed,
    });
    const counting = path === '/v1/messages/count_tokens';
    if (request.method !== 'POST' || (path !== '/v1/messages' && !counting))
      return this.sendError(
        response,
        404,
        `No route ${request.method} ${path} in the scripted model`,
      );
    const key =
      request.headers['x-api-key'] ??
      /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!key)
      return this.sendError(
        response,
        401,
        'x-api-key or an Authorization bearer token is required',
      );
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return this.sendError(response, 400, 'The request body is not valid JSON');
    const body = parsed;
    if (counting) return this.countTokens(response, body);
    const problem = this.invalid(body, String(request.headers['anthropic-version'] ?? ''));
    if (problem) return this.sendError(response, 400, problem);

    const messages = body['messages'] as { role: string; content: unknown }[];
    const firstUser = messages.find((message) => message.role === 'user');
    const opening = `${JSON.stringify(body['system'] ?? '')}\n${typeof firstUser?.content === 'string' ? firstUser.content : JSON.stringify(firstUser?.content ?? '')}`;
    const script = this.scripts.find(
      (candidate) =>
        [candidate.match].flat().every((part) => opening.includes(part)) &&
        (!candidate.model || candidate.model === body['model']),
    );
    if (!script) {
      const start = (
        typeof firstUser?.content === 'string'
          ? firstUser.content
          : JSON.stringify(firstUser?.content ?? '')
      ).slice(0, 120);
      return this.sendError(
        response,
        400,
        `No model script matches this conversation: add a script to ${this.scriptsDir ?? 'the twin (no scripts folder given)'} whose "match" appears in its system prompt or first user message, which begins: ${JSON.stringify(start)}`,
      );
    }
    const index = messages.filter((message) => message.role === 'assistant').length;
    const step = script.turns[index];
    if (!step) {
      return this.sendError(
        response,
        400,
        `Model script "${script.name}" has ${script.turns.length} turns; this request asks for turn ${index + 1}`,
      );
    }
    const attemptKey = `${script.name}#${index}#${createHash('sha256').update(JSON.stringify(messages)).digest('hex')}`;
    const attempt = this.attempts.get(attemptKey) ?? 0;
    this.attempts.set(attemptKey, attempt + 1);
    const failure = step.failFirst[attempt];
    const streamed = body['stream'] === true;
    if (failure && !(failure.inStream && streamed))
      return this.sendError(
        response,
        failure.status,
        undefined,
        failure.retryAfterMs,
        failure.errorCode,
      );

    const usage = this.usage(body, JSON.stringify(step.content));
    const message = {
      id: `msg_twin_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      type: 'message',
      role: 'assistant',
      model: body['model'],
      content: step.content,
      stop_reason: step.stop_reason,
      stop_sequence: null,
      usage,
    };
    const requestId = `req_twin_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    if (failure) return this.streamError(response, failure.status, requestId);
    if (streamed) return this.stream(response, message, requestId);
    response.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
    response.end(JSON.stringify(message));
  }

  /** The same approximate count that usage reports as the request's total input. */
  private countTokens(response: ServerResponse, body: Record<string, unknown>): void {
    if (typeof body['model'] !== 'string')
      return this.sendError(response, 400, 'model: Field required');
    if (!Array.isArray(body['messages']) || body['messages'].length === 0)
      return this.sendError(response, 400, 'messages: Field required');
    const tokens = segmentsOf(body).reduce((sum, s) => sum + approximateTokens(s.text), 0);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ input_tokens: tokens }));
  }

  /** A failure after the 200, as the API sends it: an SSE `error` event, which the SDK does not retry. */
  private streamError(response: ServerResponse, status: number, requestId: string): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'request-id': requestId,
    });
    response.write(
      `event: ping\ndata: {"type":"ping"}\n\nevent: error\ndata: ${JSON.stringify({ type: 'error', error: errorBody(status) })}\n\n`,
    );
    response.end();
  }

  private invalid(body: Record<string, unknown>, version: string): string | undefined {
    if (typeof body['model'] !== 'string') return 'model: Field required';
    if (!Number.isInteger(body['max_tokens']) || (body['max_tokens'] as number) < 1)
      return 'max_tokens: Field required';
    if (!Array.isArray(body['messages']) || body['messages'].length === 0)
      return 'messages: Field required';
    // As the API does: every tool_use must be answered by a tool_result in the next user turn,
    // and a tool_result must answer a tool_use of the turn before.
    const messages = body['messages'] as { role: string; content: unknown }[];
    for (let i = 0; i < messages.length; i++) {
      const blocks = (m: { content: unknown } | undefined) =>
        Array.isArray(m?.content)
          ? (m.content as { type?: string; id?: string; tool_use_id?: string }[])
          : [];
      const uses =
        messages[i]!.role === 'assistant'
          ? blocks(messages[i])
              .filter((b) => b.type === 'tool_use')
              .map((b) => b.id)
          : [];
      const next = messages[i + 1];
      const answered = blocks(next)
        .filter((b) => b.type === 'tool_result')
        .map((b) => b.tool_use_id);
      const missing = uses.filter((id) => !answered.includes(id));
      if (missing.length > 0 && next) {
        return `messages.${i + 1}: tool_use ids were found without tool_result blocks immediately after: ${missing.join(', ')}. Each tool_use block must have a corresponding tool_result block in the next message.`;
      }
      if (messages[i]!.role === 'user' && i > 0) {
        const previous = blocks(messages[i - 1])
          .filter((b) => b.type === 'tool_use')
          .map((b) => b.id);
        const stray = blocks(messages[i]).filter(
          (b) => b.type === 'tool_result' && !previous.includes(b.tool_use_id),
        );
        if (stray.length > 0) {
          return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.map((b) => b.tool_use_id).join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
      }
    }
    if (version >= '2026-10-21') {
      for (const field of ['temperature', 'top_p', 'top_k']) {
        if (field in body) return `${field}: Extra inputs are not permitted`;
      }
    }
    return undefined;
  }

  private stream(
    response: ServerResponse,
    message: Record<string, unknown> & { content: z.output<typeof block>[]; usage: ModelUsage },
    requestId: string,
  ): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'request-id': requestId,
    });
    const event = (type: string, data: Record<string, unknown>) =>
      response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event('message_start', {
      message: {
        ...message,
        content: [],
        stop_reason: null,
        usage: { ...message.usage, output_tokens: 1 },
      },
    });
    message.content.forEach((part, index) => {
      if (part.type === 'text') {
        event('content_block_start', { index, content_block: { type: 'text', text: '' } });
        for (const piece of part.text.match(/[\s\S]{1,40}/g) ?? [''])
          event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      } else if (part.type === 'tool_use') {
        event('content_block_start', {
          index,
          content_block: { type: 'tool_use', id: part.id, name: part.name, input: {} },
        });
        const input = JSON.stringify(part.input);
        for (const piece of input.match(/[\s\S]{1,40}/g) ?? [''])
          event('content_block_delta', {
            index,
            delta: { type: 'input_json_delta', partial_json: piece },
          });
      } else {
        event('content_block_start', {
          index,
          content_block: { type: 'thinking', thinking: '', signature: '' },
        });
        event('content_block_delta', {
          index,
          delta: { type: 'thinking_delta', thinking: part.thinking },
        });
        event('content_block_delta', {
          index,
          delta: { type: 'signature_delta', signature: part.signature },
        });
      }
      event('content_block_stop', { index });
    });
    event('message_delta', {
      delta: { stop_reason: message['stop_reason'], stop_sequence: null },
      usage: message.usage,
    });
    event('message_stop', {});
    response.end();
  }
}
