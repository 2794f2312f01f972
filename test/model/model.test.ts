import { APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import { MessagesModel } from '../../src/model/messages-model.js';
import {
  DEFAULT_PRICES,
  SpendLimitError,
  answersOf,
  StructuredAnswerError,
  costUsd,
  type ModelMessage,
  type ModelRequest,
} from '../../src/model/index.js';
import { startModelTwin, type ModelTwin } from './support.js';

const text = (value: string) => ({ content: [{ type: 'text', text: value }] });
const bash = (id: string, command: string) => ({
  content: [{ type: 'tool_use', id, name: 'bash', input: { command } }],
  stop_reason: 'tool_use',
});

const REPO_MAP = `Repository map:\n${Array.from({ length: 300 }, (_, i) => `src/module-${i}.ts exports thing${i}()`).join('\n')}`;
const TOOLS = [
  { type: 'bash_20250124', name: 'bash' },
  { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
];

const plan = z.object({ title: z.string(), points: z.number().int().min(1) });

let env: ModelTwin;

beforeAll(async () => {
  env = await startModelTwin({
    plain: { match: 'Case: plain', turns: [text('Hello from the twin.')] },
    flaky: {
      match: 'Case: flaky',
      turns: [
        {
          ...text('After a 429 and a 529.'),
          failFirst: [
            { status: 429, retryAfterMs: 5 },
            { status: 529, retryAfterMs: 5 },
          ],
        },
      ],
    },
    spend: {
      match: 'Case: spend limit',
      turns: [
        {
          ...text('never'),
          failFirst: [{ status: 429, errorCode: 'enforced_spend_limit_reached' }],
        },
      ],
    },
    midStream: {
      match: 'Case: stream error once',
      turns: [{ ...text('Second try.'), failFirst: [{ status: 529, inStream: true }] }],
    },
    midStreamAlways: {
      match: 'Case: stream error always',
      turns: [
        {
          ...text('never'),
          failFirst: [
            { status: 529, inStream: true },
            { status: 500, inStream: true },
            { status: 529, inStream: true },
          ],
        },
      ],
    },
    structuredAgain: {
      match: 'Case: structured once wrong',
      turns: [text('{"title": "Tax", "points": "three"}'), text('{"title": "Tax", "points": 3}')],
    },
    midStreamGuarded: {
      match: 'Case: stream error guarded',
      turns: [
        {
          ...text('never'),
          failFirst: [
            { status: 529, inStream: true },
            { status: 529, inStream: true },
            { status: 529, inStream: true },
          ],
        },
      ],
    },
    structuredThenFails: {
      match: 'Case: structured then fails',
      turns: [text('not json'), { ...text('{}'), failFirst: [{ status: 500 }] }],
    },
    structuredNever: {
      match: 'Case: structured always wrong',
      turns: [text('Sure! Here is the plan.'), text('{"title": 7}')],
    },
    session: {
      match: 'Case: session',
      turns: [
        bash('toolu_1', 'ls'),
        bash('toolu_2', 'cat src/cart.ts'),
        bash('toolu_3', 'npm test'),
        text('Done: the tests pass.'),
      ],
    },
    unknownModel: {
      match: 'Case: priced by override',
      turns: [text('Answered by a model priced in the settings.')],
    },
    ...Object.fromEntries(
      [100, 4_000, 40_000].map((size) => [
        `long${size}`,
        { match: `Case: long [${size}]`, turns: [text('y'.repeat(size))] },
      ]),
    ),
  });
});
afterAll(async () => {
  await env.stop();
});

const request = (opening: string, extra: Partial<ModelRequest> = {}): ModelRequest => ({
  role: 'dev',
  system: `You are the developer.\n${REPO_MAP}`,
  messages: [{ role: 'user', content: opening }],
  tools: TOOLS,
  maxTokens: 2048,
  ...extra,
});

const sonnet = DEFAULT_PRICES['claude-sonnet-5-5']!;

describe('the Anthropic adapter against the twin', () => {
  it('answers a plain call with its usage and its cost at the role model price', async () => {
    const port = env.port();
    const answer = await port.send(request('Case: plain'));
    expect(answer).toMatchObject({
      model: 'claude-sonnet-5-5',
      content: [{ type: 'text', text: 'Hello from the twin.' }],
      stopReason: 'end_turn',
    });
    const { usage } = answer;
    expect(usage.output).toBeGreaterThan(0);
    expect(usage.input + usage.cacheCreation + usage.cacheRead).toBeGreaterThan(1024);
    expect(answer.costUsd).toBeCloseTo(costUsd(sonnet, usage), 12);
    expect(answer.costUsd).toBeCloseTo(
      (usage.input * 2 + usage.output * 10 + usage.cacheCreation * 2.5 + usage.cacheRead * 0.2) /
        1e6,
      12,
    );
    expect(port.modelFor('review')).toBe('claude-opus-5-5');
  });

  it('sends no sampling parameters, no tool_choice, and marks tools, system and conversation for caching', async () => {
    const port = env.port();
    const before = env.sent.length;
    await port.send(request('Case: plain'));
    await port.structured(request('Case: structured once wrong'), plan);
    const bodies = env.sent.slice(before).map((sent) => sent.body);
    expect(bodies.length).toBeGreaterThanOrEqual(3);
    for (const body of bodies) {
      for (const field of ['temperature', 'top_p', 'top_k', 'tool_choice'])
        expect(body).not.toHaveProperty(field);
      expect(body['stream']).toBe(true);
      expect(body['system']).toEqual([
        {
          type: 'text',
          text: expect.stringContaining('Repository map:'),
          cache_control: { type: 'ephemeral' },
        },
      ]);
      const tools = body['tools'] as Record<string, unknown>[];
      expect(tools.map((tool) => tool['cache_control'])).toEqual([
        undefined,
        { type: 'ephemeral' },
      ]);
      expect(body['cache_control']).toEqual({ type: 'ephemeral' });
    }
    expect(bodies[0]).not.toHaveProperty('output_config');
    const format = (bodies[1]!['output_config'] as { format: Record<string, unknown> }).format;
    expect(format).toMatchObject({
      type: 'json_schema',
      schema: { type: 'object', properties: { title: { type: 'string' } } },
    });
    expect(Object.keys(bodies[1]!['output_config'] as object)).toEqual(['format']);
  });

  it('sends the API key as a bearer token with the current API version', async () => {
    await env.port().send(request('Case: plain'));
    const last = env.messagesCalls().at(-1)!;
    expect(last.headers.get('authorization')).toBe('Bearer sk-twin');
    expect(last.headers.get('anthropic-version')).toBe('2026-10-21');
  });

  it('lets the SDK retry a 429 and a 529', async () => {
    const before = env.messagesCalls().length;
    const answer = await env.port().send(request('Case: flaky'));
    expect(answer.content).toEqual([{ type: 'text', text: 'After a 429 and a 529.' }]);
    expect(env.messagesCalls().length - before).toBe(3);
  });

  it('does not retry a spend limit and says it is about the budget', async () => {
    const before = env.messagesCalls().length;
    const failure = env.port().send(request('Case: spend limit'));
    await expect(failure).rejects.toBeInstanceOf(SpendLimitError);
    await expect(failure).rejects.toMatchObject({
      code: 'enforced_spend_limit_reached',
      status: 429,
      message: expect.stringContaining('spend limit'),
    });
    expect(env.messagesCalls().length - before).toBe(1);
  });

  it('retries an SSE error event after the 200, which the SDK does not', async () => {
    const before = env.messagesCalls().length;
    const answer = await env.port().send(request('Case: stream error once'));
    expect(answer.content).toEqual([{ type: 'text', text: 'Second try.' }]);
    expect(env.messagesCalls().length - before).toBe(2);
  });

  it('gives up after two retries of stream errors, with the API error', async () => {
    const before = env.messagesCalls().length;
    const failure = env.port().send(request('Case: stream error always'));
    await expect(failure).rejects.toBeInstanceOf(APIError);
    await expect(failure).rejects.toMatchObject({ status: undefined, type: 'overloaded_error' });
    expect(env.messagesCalls().length - before).toBe(3);
  });

  it('asks before every stream retry, and a refusal stops the call with no further request', async () => {
    const before = env.messagesCalls().length;
    const asked: unknown[] = [];
    const failure = env.port().send(request('Case: stream error guarded'), {
      beforeRetry: (failed) => {
        asked.push(failed);
        if (asked.length === 2) throw new Error('no budget for a third attempt');
      },
    });
    await expect(failure).rejects.toThrow('no budget for a third attempt');
    expect(asked).toHaveLength(2);
    expect(env.messagesCalls().length - before).toBe(2);
  });

  it('attaches the answers already paid for to an error from structured()', async () => {
    const failure = env
      .port({ maxRetries: 0 })
      .structured(request('Case: structured then fails'), plan);
    const error = await failure.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(answersOf(error)).toHaveLength(1);
    expect(answersOf(error)[0]!.costUsd).toBeGreaterThan(0);
  });

  it('accounts for an attempt cut by a stream error when its usage is known', async () => {
    const usage = { input_tokens: 1000, output_tokens: 50 } as Message['usage'];
    const message = (text: string): Message =>
      ({
        id: 'msg',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-5-5',
        content: [{ type: 'text', text, citations: null }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage,
      }) as unknown as Message;
    let calls = 0;
    const model = new MessagesModel({
      messages: {
        stream: () => {
          const attempt = ++calls;
          return {
            currentMessage: attempt === 1 ? message('') : undefined,
            finalMessage: () =>
              attempt === 1
                ? Promise.reject(
                    new APIError(undefined, { type: 'overloaded_error' }, 'Overloaded', undefined),
                  )
                : Promise.resolve(message('ok')),
          };
        },
      },
      models: { po: 'claude-sonnet-5-5', dev: 'claude-sonnet-5-5', review: 'claude-sonnet-5-5' },
      prices: { po: sonnet, dev: sonnet, review: sonnet },
      conversationCache: 'top-level',
      streamRetries: 2,
      streamRetryDelayMs: 0,
    });
    const answer = await model.send(request('Case: direct'));
    expect(calls).toBe(2);
    expect(answer.failedAttempts).toHaveLength(1);
    expect(answer.failedAttempts![0]).toMatchObject({ content: [], stopReason: 'error' });
    expect(answer.failedAttempts![0]!.costUsd).toBeCloseTo(answer.costUsd, 12);
  });

  it('asks again once for an invalid structured answer, saying what was wrong', async () => {
    const before = env.messagesCalls().length;
    const result = await env.port().structured(request('Case: structured once wrong'), plan);
    expect(result.value).toEqual({ title: 'Tax', points: 3 });
    expect(result.answers).toHaveLength(2);
    const retry = env.messagesCalls().slice(before)[1]!.body['messages'] as ModelMessage[];
    expect(retry).toHaveLength(3);
    expect(retry[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: '{"title": "Tax", "points": "three"}' }],
    });
    expect(retry[2]).toMatchObject({
      role: 'user',
      content: expect.stringContaining('points'),
    });
  });

  it('throws a clear error, carrying both answers, when the second answer is invalid too', async () => {
    const failure = env.port().structured(request('Case: structured always wrong'), plan);
    await expect(failure).rejects.toBeInstanceOf(StructuredAnswerError);
    const error = (await failure.catch((e: unknown) => e)) as StructuredAnswerError;
    expect(error.answers).toHaveLength(2);
    expect(error.message).toContain('claude-sonnet-5-5');
    expect(error.message).toContain('not valid JSON');
    expect(error.message).toContain('title');
  });

  it('reads most of a multi-turn session from the cache, sending assistant content back unchanged', async () => {
    const port = env.port();
    const messages: ModelMessage[] = [{ role: 'user', content: 'Case: session\nFix the cart.' }];
    const shares: number[] = [];
    for (;;) {
      // A system prompt of its own, so the session starts with a cold cache.
      const answer = await port.send(
        request('', { messages, system: `You are the session's developer.\n${REPO_MAP}` }),
      );
      const { input, cacheCreation, cacheRead } = answer.usage;
      shares.push(cacheRead / (input + cacheCreation + cacheRead));
      if (answer.stopReason !== 'tool_use') break;
      messages.push({ role: 'assistant', content: answer.content });
      const use = answer.content.find((block) => block.type === 'tool_use')!;
      messages.push({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: use['id'], content: 'ok '.repeat(50) }],
      });
    }
    expect(shares).toHaveLength(4);
    expect(shares[0]).toBe(0);
    for (const share of shares.slice(1)) expect(share).toBeGreaterThan(0.9);
    const last = env.messagesCalls().at(-1)!.body['messages'] as ModelMessage[];
    expect(last[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } }],
    });
  });

  it('prices with overrides, and prices a model it does not know only when told', async () => {
    const cheaper = env.port({
      prices: JSON.stringify({ 'claude-sonnet-5-5': { input: 1, output: 5 } }),
    });
    const answer = await cheaper.send(request('Case: plain'));
    const { usage } = answer;
    // Cache prices keep the defaults' multipliers when only input changes.
    expect(answer.costUsd).toBeCloseTo(
      (usage.input * 1 + usage.output * 5 + usage.cacheCreation * 1.25 + usage.cacheRead * 0.1) /
        1e6,
      12,
    );
    expect(() => env.port({ models: { dev: 'claude-opus-5' } })).toThrow(
      "Input 'dev-model': no price is known for model 'claude-opus-5'",
    );
    const priced = env.port({
      models: { dev: 'claude-opus-5' },
      prices: '{"claude-opus-5": {"input": 5, "output": 25, "cacheWrite": 6.25, "cacheRead": 0.5}}',
    });
    const other = await priced.send(request('Case: priced by override'));
    expect(other.model).toBe('claude-opus-5');
    expect(other.costUsd).toBeCloseTo(
      (other.usage.input * 5 +
        other.usage.output * 25 +
        other.usage.cacheCreation * 6.25 +
        other.usage.cacheRead * 0.5) /
        1e6,
      12,
    );
  });

  it.each([100, 4_000, 40_000])(
    'never charges more than the worst case it announced (answer of %i characters)',
    async (size) => {
      const port = env.port();
      // The twin counts about four characters a token and does not stop at max_tokens.
      const maxTokens = Math.ceil((size + 100) / 4);
      const call = request(`Case: long [${size}]`, { maxTokens });
      const worst = await port.worstCaseUsd(call);
      const answer = await port.send(call);
      expect(answer.usage.output).toBeLessThanOrEqual(maxTokens);
      expect(worst).toBeGreaterThanOrEqual(answer.costUsd);
      // Counted, not guessed: within a few times the real cost.
      expect(worst).toBeLessThan(answer.costUsd * 3 + 0.01);
      expect(env.sent.at(-2)!.url).toMatch(/\/v1\/messages\/count_tokens$/);
    },
  );

  it('bounds both calls of a structured answer with its worst case', async () => {
    const port = env.port();
    const call = request('Case: structured once wrong', { maxTokens: 64 });
    const worst = await port.worstCaseUsd(call, plan);
    const { answers } = await port.structured(call, plan);
    const spent = answers.reduce((sum, answer) => sum + answer.costUsd, 0);
    expect(worst).toBeGreaterThanOrEqual(spent);
    expect(worst).toBeGreaterThan(await port.worstCaseUsd(call));
  });
});
