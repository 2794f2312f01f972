import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModelPort, type ModelSettings } from '../../src/model/index.js';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { shopFixture } from '../support/twin.js';

/** A request as the SDK put it on the wire. */
export interface SentRequest {
  url: string;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A fetch that records what passes through it, then sends it on. */
export function recordingFetch(sent: SentRequest[]): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const text = typeof init?.body === 'string' ? init.body : '';
    sent.push({
      url,
      headers: new Headers(init?.headers),
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    });
    return fetch(input, init);
  };
}

export interface ModelTwin {
  twin: Twin;
  sent: SentRequest[];
  /** Messages calls only (not token counts). */
  messagesCalls(): SentRequest[];
  port(settings?: Partial<ModelSettings>): ReturnType<typeof createModelPort>;
  stop(): Promise<void>;
}

/** The twin with the given model scripts, and model ports that talk to it through a recording fetch. */
export async function startModelTwin(scripts: Record<string, unknown>): Promise<ModelTwin> {
  const dir = mkdtempSync(join(tmpdir(), 'model-scripts-'));
  for (const [name, script] of Object.entries(scripts))
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(script));
  const twin = await startTwin(shopFixture(), { modelScriptsDir: dir });
  const sent: SentRequest[] = [];
  return {
    twin,
    sent,
    messagesCalls: () => sent.filter((request) => request.url.endsWith('/v1/messages')),
    port: (settings = {}) =>
      createModelPort(
        { provider: 'anthropic', apiKey: 'sk-twin', baseUrl: twin.urls.model, ...settings },
        { fetch: recordingFetch(sent), streamRetryDelayMs: 1 },
      ),
    stop: async () => {
      await twin.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** A loopback server that records requests and answers each with `answer`. */
export async function startStub(
  answer: (request: StubRequest, response: ServerResponse) => void,
): Promise<{ url: string; seen: StubRequest[]; stop: () => Promise<void> }> {
  const seen: StubRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const recorded = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
      seen.push(recorded);
      answer(recorded, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The Messages streaming events of a one-text-block answer. */
export function answerEvents(model: string, text: string): Record<string, unknown>[] {
  const usage = {
    input_tokens: 120,
    output_tokens: 7,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  return [
    {
      type: 'message_start',
      message: {
        id: 'msg_stub',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage,
    },
    { type: 'message_stop' },
  ];
}

export function sse(events: Record<string, unknown>[]): string {
  return events
    .map((event) => `event: ${String(event['type'])}\ndata: ${JSON.stringify(event)}\n\n`)
    .join('');
}
