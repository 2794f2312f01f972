import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startTwin, type Twin } from '../../src/twin/index.js';
import { ScriptedModel } from '../../src/twin/model.js';
import { ROOT } from '../support/source.js';
import { shopFixture } from '../support/twin.js';

let twin: Twin;
let anthropic: Anthropic;

beforeEach(async () => {
  twin = await startTwin(shopFixture(), {
    modelScriptsDir: join(ROOT, 'examples/twin/model-scripts'),
  });
  anthropic = new Anthropic({ apiKey: 'sk-twin', baseURL: twin.urls.model, maxRetries: 2 });
});
afterEach(async () => {
  await twin.stop();
});

const system = [
  {
    type: 'text' as const,
    text: `You are the developer. ${'Repository map: src/cart.ts src/tax.ts. '.repeat(200)}`,
    cache_control: { type: 'ephemeral' as const },
  },
];
const tools = [
  { type: 'text_editor_20250728' as const, name: 'str_replace_based_edit_tool' as const },
];
const opening = { role: 'user' as const, content: 'Issue #1: Add tax\n\nTouches `src/cart.ts`' };

describe('the scripted model through the Anthropic SDK', () => {
  it('plays a tool-use conversation turn by turn, retrying an injected 529', async () => {
    const first = await anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      system,
      tools,
      messages: [opening],
    });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((block) => block.type === 'tool_use');
    expect(use).toMatchObject({
      name: 'str_replace_based_edit_tool',
      input: { command: 'view', path: 'src/cart.ts' },
    });
    const history = [
      opening,
      { role: 'assistant' as const, content: first.content },
      {
        role: 'user' as const,
        content: [
          {
            type: 'tool_result' as const,
            tool_use_id: use!.type === 'tool_use' ? use!.id : '',
            content: 'export const x = 1;',
          },
        ],
      },
    ];
    // Turn two is scripted to fail once with 529; the SDK retries it.
    const second = await anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      system,
      tools,
      messages: history,
    });
    expect(second.content[0]).toMatchObject({
      type: 'tool_use',
      input: { command: 'create', path: 'src/tax.ts' },
    });
    expect(twin.stats().byRoute['POST /v1/messages']).toBe(3);
  });

  it('streams the same answer as events', async () => {
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      system,
      tools,
      messages: [opening],
    });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const message = await stream.finalMessage();
    expect(texts.join('')).toBe('I will look at the cart first.');
    expect(message.content[1]).toMatchObject({
      type: 'tool_use',
      id: 'toolu_twin_1',
      input: { path: 'src/cart.ts' },
    });
    expect(message.stop_reason).toBe('tool_use');
  });

  it('reports cache writes, then cache reads, for a repeated prefix with a breakpoint', async () => {
    const first = await anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      system,
      tools,
      messages: [opening],
    });
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(1024);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    const again = await anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      system,
      tools,
      messages: [opening],
    });
    expect(again.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(again.usage.cache_creation_input_tokens).toBe(0);
    expect(again.usage.input_tokens).toBe(first.usage.input_tokens);
    const short = await anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      system: [{ type: 'text', text: 'Short.', cache_control: { type: 'ephemeral' } }],
      messages: [opening],
    });
    // Below the minimum cacheable length caching silently does nothing, as with real models.
    expect([short.usage.cache_creation_input_tokens, short.usage.cache_read_input_tokens]).toEqual([
      0, 0,
    ]);
  });

  it('says which script is missing for a conversation it does not know', async () => {
    const unknown = anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'Issue #99: Unknown' }],
    });
    await expect(unknown).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('No model script matches this conversation'),
    });
    await expect(unknown).rejects.toMatchObject({
      message: expect.stringContaining('Issue #99: Unknown'),
    });
  });

  it('rejects parameters the current API version refuses, and requests without a key', async () => {
    const response = await fetch(`${twin.urls.model}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'k',
        'anthropic-version': '2026-10-21',
      },
      body: JSON.stringify({ model: 'm', max_tokens: 5, temperature: 0.2, messages: [opening] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      'temperature: Extra inputs are not permitted',
    );
    const anonymous = await fetch(`${twin.urls.model}/v1/messages`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
  });

  it('refuses a conversation whose tool_use is not answered by a tool_result, as the API does', async () => {
    const first = await anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      system,
      tools,
      messages: [opening],
    });
    const unanswered = anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      system,
      tools,
      messages: [
        opening,
        { role: 'assistant', content: first.content },
        { role: 'user', content: 'carry on' },
      ],
    });
    await expect(unanswered).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('toolu_twin_1'),
    });
    const stray = anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      messages: [
        opening,
        { role: 'assistant', content: 'ok' },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_nowhere', content: 'x' }],
        },
      ],
    });
    await expect(stray).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('toolu_nowhere'),
    });
  });

  it('injects a 429 by route, which the SDK reports with its status', async () => {
    await fetch(`${twin.urls.api}/_twin/faults`, {
      method: 'POST',
      body: JSON.stringify({
        rules: [{ route: 'POST /v1/messages', probability: 1, kind: 'status', status: 429 }],
      }),
    });
    const limited = new Anthropic({ apiKey: 'k', baseURL: twin.urls.model, maxRetries: 0 });
    await expect(
      limited.messages.create({ model: 'm', max_tokens: 5, messages: [opening] }),
    ).rejects.toMatchObject({ status: 429 });
  });
});

describe('what the scripted model offers clients of the model port', () => {
  it('matches a script by every string of a list, system prompt and first message together', async () => {
    const model = new ScriptedModel();
    model.addScript('a-both', {
      match: ['You review diffs.', 'Issue #7'],
      turns: [{ content: [{ type: 'text', text: 'both' }] }],
    });
    model.addScript('b-one', {
      match: 'Issue #7',
      turns: [{ content: [{ type: 'text', text: 'one' }] }],
    });
    const server = createServer((request, response) => {
      void model.handle(request, response, request.url ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new Anthropic({
      apiKey: 'k',
      baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    try {
      const ask = async (system: string) =>
        (
          (
            await client.messages.create({
              model: 'claude-sonnet-5-5',
              max_tokens: 10,
              system,
              messages: [{ role: 'user', content: 'Issue #7: cart' }],
            })
          ).content[0] as { text: string }
        ).text;
      expect(await ask('You review diffs.')).toBe('both');
      expect(await ask('You write code.')).toBe('one');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('counts input tokens as its usage does, and records every request it receives', async () => {
    const model = new ScriptedModel();
    model.addScript('count', {
      match: 'Count me',
      turns: [{ content: [{ type: 'text', text: 'ok' }] }],
    });
    const server = createServer((request, response) => {
      void model.handle(request, response, request.url ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new Anthropic({
      apiKey: 'k',
      baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    try {
      const body = {
        model: 'claude-sonnet-5-5',
        system,
        tools,
        messages: [{ role: 'user' as const, content: 'Count me' }],
      };
      const counted = await client.messages.countTokens(body);
      const answer = await client.messages.create({ ...body, max_tokens: 100 });
      const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens } = answer.usage;
      expect(counted.input_tokens).toBe(
        input_tokens + (cache_creation_input_tokens ?? 0) + (cache_read_input_tokens ?? 0),
      );
      expect(model.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /v1/messages/count_tokens',
        'POST /v1/messages',
      ]);
      expect(model.requests[1]!.body).toMatchObject({
        model: 'claude-sonnet-5-5',
        max_tokens: 100,
      });
      expect(model.requests[1]!.headers['authorization']).toBe('Bearer k');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('answers a spend limit 429 without retry-after, and an error event after a streamed 200', async () => {
    const model = new ScriptedModel();
    model.addScript('spend', {
      match: 'Spend',
      turns: [
        {
          content: [{ type: 'text', text: 'ok' }],
          failFirst: [
            { status: 429, errorCode: 'enforced_spend_limit_reached' },
            { status: 529, inStream: true },
          ],
        },
      ],
    });
    const server = createServer((request, response) => {
      void model.handle(request, response, request.url ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new Anthropic({
      apiKey: 'k',
      baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      maxRetries: 0,
    });
    const params = {
      model: 'claude-sonnet-5-5',
      max_tokens: 10,
      messages: [{ role: 'user' as const, content: 'Spend' }],
    };
    try {
      const limited = await client.messages.create(params).catch((error: unknown) => error);
      expect(limited).toMatchObject({ status: 429, errorCode: 'enforced_spend_limit_reached' });
      expect((limited as { headers: Headers }).headers.get('retry-after')).toBeNull();
      const broken = await client.messages
        .stream(params)
        .finalMessage()
        .catch((error: unknown) => error);
      expect(broken).toMatchObject({ status: undefined, type: 'overloaded_error' });
      const answer = await client.messages.stream(params).finalMessage();
      expect(answer.content).toEqual([{ type: 'text', text: 'ok' }]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
