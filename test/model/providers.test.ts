import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import type { AuthClient } from 'google-auth-library';
import { z } from 'zod';
import { createModelPort, overEstimateTokens, type ModelRequest } from '../../src/model/index.js';
import { answerEvents, sse, startStub, type StubRequest } from './support.js';

/** One AWS event-stream frame carrying a Bedrock `chunk` event, as InvokeModelWithResponseStream sends. */
function eventStreamFrame(event: Record<string, unknown>): Buffer {
  const header = (name: string, value: string) => {
    const n = Buffer.from(name);
    const v = Buffer.from(value);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(v.length);
    // Type 7: a string value.
    return Buffer.concat([Buffer.from([n.length]), n, Buffer.from([7]), length, v]);
  };
  const headers = Buffer.concat([
    header(':event-type', 'chunk'),
    header(':content-type', 'application/json'),
    header(':message-type', 'event'),
  ]);
  const payload = Buffer.from(
    JSON.stringify({ bytes: Buffer.from(JSON.stringify(event)).toString('base64') }),
  );
  const prelude = Buffer.alloc(8);
  prelude.writeUInt32BE(16 + headers.length + payload.length, 0);
  prelude.writeUInt32BE(headers.length, 4);
  const preludeCrc = Buffer.alloc(4);
  preludeCrc.writeUInt32BE(crc32(prelude));
  const body = Buffer.concat([prelude, preludeCrc, headers, payload]);
  const messageCrc = Buffer.alloc(4);
  messageCrc.writeUInt32BE(crc32(body));
  return Buffer.concat([body, messageCrc]);
}

const request: ModelRequest = {
  role: 'dev',
  system: 'You are the developer.',
  messages: [{ role: 'user', content: 'Say hello.' }],
  tools: [{ type: 'bash_20250124', name: 'bash' }],
  maxTokens: 512,
};

describe('the Bedrock adapter', () => {
  const saved = { ...process.env };
  let stub: Awaited<ReturnType<typeof startStub>>;
  beforeAll(async () => {
    stub = await startStub((seen: StubRequest, response: ServerResponse) => {
      const model = decodeURIComponent(seen.path.split('/')[2] ?? '');
      response.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      for (const event of answerEvents(model, 'Hello from Bedrock.'))
        response.write(eventStreamFrame(event));
      response.end();
    });
    // Fake static credentials: SigV4 signs offline with them; nothing leaves the loopback.
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIAFAKEFAKEFAKEFAKE';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'fake-secret-key';
    delete process.env['AWS_SESSION_TOKEN'];
    delete process.env['AWS_PROFILE'];
    delete process.env['AWS_BEARER_TOKEN_BEDROCK'];
  });
  afterAll(async () => {
    process.env = saved;
    await stub.stop();
  });
  afterEach(() => {
    stub.seen.splice(0);
  });

  it('invokes the global inference profile of the role model, signed with SigV4, and reads the event stream', async () => {
    const port = createModelPort({ provider: 'bedrock', region: 'us-west-2', baseUrl: stub.url });
    expect(port.modelFor('dev')).toBe('global.anthropic.claude-sonnet-5-5');
    const answer = await port.send(request);
    expect(answer.content).toEqual([{ type: 'text', text: 'Hello from Bedrock.' }]);
    expect(answer.usage).toEqual({ input: 120, output: 7, cacheCreation: 0, cacheRead: 0 });
    expect(answer.costUsd).toBeCloseTo((120 * 2 + 7 * 10) / 1e6, 12);
    const [seen] = stub.seen;
    expect(seen!.path).toBe(
      '/model/global.anthropic.claude-sonnet-5-5/invoke-with-response-stream',
    );
    expect(seen!.headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKEFAKE\/\d{8}\/us-west-2\/bedrock\/aws4_request/,
    );
    // Bedrock takes model and stream from the path, the API version from the body.
    expect(seen!.body).not.toHaveProperty('model');
    expect(seen!.body).not.toHaveProperty('stream');
    expect(seen!.body['anthropic_version']).toBe('2026-10-21');
    // The block marker rather than the top-level one, which is an Anthropic API feature.
    expect(seen!.body).not.toHaveProperty('cache_control');
    expect(seen!.body['messages']).toEqual([
      {
        role: 'user',
        content: [{ type: 'text', text: 'Say hello.', cache_control: { type: 'ephemeral' } }],
      },
    ]);
    for (const field of ['temperature', 'top_p', 'top_k', 'tool_choice'])
      expect(seen!.body).not.toHaveProperty(field);
  });

  it('keeps an explicit Bedrock model id, and estimates tokens without asking (no countTokens on Bedrock)', async () => {
    const port = createModelPort({
      provider: 'bedrock',
      region: 'eu-central-1',
      baseUrl: stub.url,
      models: { review: 'eu.anthropic.claude-opus-5-5-v1:0' },
    });
    expect(port.modelFor('review')).toBe('eu.anthropic.claude-opus-5-5-v1:0');
    const worst = await port.worstCaseUsd({ ...request, role: 'review' });
    expect(stub.seen).toHaveLength(0);
    // Priced as claude-opus-5-5: the over-estimate plus framing at the write price, all output.
    expect(worst).toBeGreaterThan((512 * 20) / 1e6);
    await port.send({ ...request, role: 'review' });
    expect(stub.seen[0]!.path).toBe(
      '/model/eu.anthropic.claude-opus-5-5-v1:0/invoke-with-response-stream',
    );
  });
});

describe('the Vertex adapter', () => {
  let stub: Awaited<ReturnType<typeof startStub>>;
  const authClient = {
    projectId: 'adc-project-1',
    getRequestHeaders: async () => new Headers({ authorization: 'Bearer ya29.fake-token' }),
  } as unknown as AuthClient;
  beforeAll(async () => {
    stub = await startStub((seen, response) => {
      if (seen.path.includes('count-tokens')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ input_tokens: 321 }));
        return;
      }
      const model = /models\/([^:]+):/.exec(seen.path)?.[1] ?? '';
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(sse(answerEvents(model, '{"ok": true}')));
    });
  });
  afterAll(async () => {
    await stub.stop();
  });
  afterEach(() => {
    stub.seen.splice(0);
  });

  const port = () =>
    createModelPort(
      { provider: 'vertex', region: 'us-east5', project: 'my-project-42', baseUrl: stub.url },
      { googleAuthClient: authClient },
    );

  it('streams from the publisher model path with Google credentials', async () => {
    const { value, answers } = await port().structured(request, z.object({ ok: z.boolean() }));
    expect(value).toEqual({ ok: true });
    expect(answers[0]!.model).toBe('claude-sonnet-5-5');
    const [seen] = stub.seen;
    expect(seen!.path).toBe(
      '/projects/my-project-42/locations/us-east5/publishers/anthropic/models/claude-sonnet-5-5:streamRawPredict',
    );
    expect(seen!.headers['authorization']).toBe('Bearer ya29.fake-token');
    expect(seen!.headers['anthropic-version']).toBeUndefined();
    expect(seen!.body['anthropic_version']).toBe('2026-10-21');
    expect(seen!.body).not.toHaveProperty('model');
    expect(seen!.body['stream']).toBe(true);
    expect(seen!.body['output_config']).toMatchObject({ format: { type: 'json_schema' } });
  });

  it('counts input tokens with the count-tokens endpoint for the worst case', async () => {
    const worst = await port().worstCaseUsd(request);
    expect(stub.seen[0]!.path).toBe(
      '/projects/my-project-42/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict',
    );
    expect(stub.seen[0]!.body['model']).toBe('claude-sonnet-5-5');
    // 321 counted + 500 of framing, at the cache-write price (2.5), and 512 of output at 10.
    expect(worst).toBeCloseTo(((321 + 500) * 2.5 + 512 * 10) / 1e6, 12);
  });
});

describe('the token over-estimate used without a counting endpoint', () => {
  it.each(['plain English words ', 'const x = f(a, b);\n', 'ünïcödé ✓ 漢字 ', ' '])(
    'counts at least one token for every two characters (%j repeated)',
    (unit) => {
      const text = unit.repeat(2_000);
      const tokens = overEstimateTokens({
        model: 'm',
        messages: [{ role: 'user', content: text }],
      });
      expect(tokens).toBeGreaterThanOrEqual(Math.ceil(text.length / 2));
    },
  );
});
