import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from '../../src/errors.js';
import { RecordingLogger } from '../../src/logger.js';
import { parseWebhookUrl, sendNotices } from '../../src/observe/notify.js';
import type { Notice, NoticeKind } from '../../src/observe/types.js';
import { startStub, type SeenRequest, type StubReply } from '../support/http-stub.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** Tokens as long as real ones: the part of a webhook URL that is the secret. */
const SLACK_TOKEN = 'XoXoXoXoXoXoXoXoXoXoXoXo';
const DISCORD_TOKEN = 'dIsCoRdToKeNdIsCoRdToKeNdIsCoRdToKeN';

async function receiver(replies: StubReply[]) {
  const stub = await startStub(replies);
  stops.push(stub.stop);
  return {
    seen: stub.seen,
    slack: `${stub.url}/services/T0000000/B0000000/${SLACK_TOKEN}`,
    discord: `${stub.url}/api/webhooks/123456789012345678/${DISCORD_TOKEN}`,
  };
}

const ok: StubReply = { status: 200, body: 'ok' };
const noContent: StubReply = { status: 204 };

function notice(overrides: Partial<Notice> = {}): Notice {
  return {
    kind: 'merged',
    repository: 'acme/shop',
    issue: 12,
    pull: 34,
    title: 'Add a basket total',
    detail: 'The merge gate merged pull request #34 with 91.2% line coverage.',
    url: 'https://github.com/acme/shop/pull/34',
    costUsd: 1.23456,
    ...overrides,
  };
}

interface SlackBody {
  text: string;
  blocks: { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[];
}
interface DiscordEmbed {
  title: string;
  description?: string;
  url?: string;
  color: number;
  fields: { name: string; value: string; inline: boolean }[];
}
interface DiscordBody {
  content?: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: string[] };
}

const body = <T>(request: SeenRequest | undefined): T => JSON.parse(request?.body ?? 'null') as T;

/** Every piece of text Slack shows from a message. */
function slackTexts(message: SlackBody): string[] {
  return [
    message.text,
    ...message.blocks.flatMap((block) => [
      ...(block.text ? [block.text.text] : []),
      ...(block.elements ?? []).map((element) => element.text),
    ]),
  ];
}

/** Every piece of text Discord shows from an embed, as its 6000-character limit counts them. */
function embedTexts(embed: DiscordEmbed): string[] {
  return [
    embed.title,
    embed.description ?? '',
    ...embed.fields.flatMap((field) => [field.name, field.value]),
  ];
}

const warnings = (logger: RecordingLogger) =>
  logger.lines.filter((line) => line.level === 'warning').map((line) => line.message);

/** A warning that names the service and says what happened, without the URL or its token. */
function expectOneSafeWarning(logger: RecordingLogger, url: string, ...says: RegExp[]): void {
  const lines = warnings(logger);
  expect(lines).toHaveLength(1);
  const [line] = lines as [string];
  for (const pattern of says) expect(line).toMatch(pattern);
  expect(line).not.toContain(url);
  expect(line).not.toContain(SLACK_TOKEN);
  expect(line).not.toContain(DISCORD_TOKEN);
  expect(line).not.toContain('/services/');
  expect(line).not.toContain('/api/webhooks/');
}

describe('parseWebhookUrl', () => {
  it('reads an empty input as no webhook', () => {
    expect(parseWebhookUrl('slack-webhook', '')).toBeNull();
    expect(parseWebhookUrl('discord-webhook', '  \n')).toBeNull();
  });

  it('accepts an https URL, trimmed', () => {
    expect(parseWebhookUrl('slack-webhook', ' https://hooks.slack.com/services/T1/B2/abc\n')).toBe(
      'https://hooks.slack.com/services/T1/B2/abc',
    );
    expect(parseWebhookUrl('discord-webhook', 'https://discord.com/api/webhooks/1/tok')).toBe(
      'https://discord.com/api/webhooks/1/tok',
    );
  });

  it.each(['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]:9000/hook'])(
    'accepts http on loopback: %s',
    (value) => {
      expect(parseWebhookUrl('slack-webhook', value)).toBe(value);
    },
  );

  it.each([
    ['http://hooks.slack.com/services/T1/B2/', 'is not an https URL'],
    ['http://127.0.0.1.example.com/services/T1/B2/', 'is not an https URL'],
    ['http://10.0.0.1/services/T1/B2/', 'is not an https URL'],
    ['ftp://hooks.slack.com/services/T1/B2/', 'is not an https URL'],
    ['hooks.slack.com/services/T1/B2/', 'is not an absolute URL'],
    ['not a url at all /services/T1/B2/', 'is not an absolute URL'],
  ])('refuses %s without showing it', (prefix, problem) => {
    const secret = `${prefix}${SLACK_TOKEN}`;
    let thrown: unknown;
    try {
      parseWebhookUrl('slack-webhook', secret);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    const message = (thrown as Error).message;
    expect(message).toMatch(/^Invalid input 'slack-webhook': /);
    expect(message).toContain(problem);
    expect(message).toContain('Expected the https URL of a Slack incoming webhook');
    expect(message).not.toContain(SLACK_TOKEN);
    expect(message).not.toContain('/services/');
  });

  it('names the Discord input in its error', () => {
    expect(() =>
      parseWebhookUrl('discord-webhook', `http://discord.com/api/webhooks/1/${DISCORD_TOKEN}`),
    ).toThrow(
      /^Invalid input 'discord-webhook': the value is not an https URL .*Expected the https URL of a Discord incoming webhook/,
    );
  });
});

describe('sendNotices: when there is nothing to send', () => {
  it('sends no request without notices or without webhooks', async () => {
    const { seen, slack, discord } = await receiver([ok, ok]);
    const logger = new RecordingLogger();
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls += 1;
      return fetch(input, init);
    };
    const deps = { logger, fetch: counting };
    expect(await sendNotices({ slackWebhook: slack, discordWebhook: discord }, [], deps)).toEqual({
      sent: 0,
      failed: 0,
    });
    expect(
      await sendNotices({ slackWebhook: null, discordWebhook: null }, [notice()], deps),
    ).toEqual({ sent: 0, failed: 0 });
    expect(calls).toBe(0);
    expect(seen).toHaveLength(0);
    expect(logger.lines).toEqual([]);
  });
});

const KINDS: { kind: NoticeKind; label: string; slackEmoji: string; emoji: string }[] = [
  { kind: 'merged', label: 'Merged', slackEmoji: ':white_check_mark:', emoji: '✅' },
  { kind: 'failed', label: 'Failed', slackEmoji: ':x:', emoji: '❌' },
  { kind: 'budget', label: 'Budget spent', slackEmoji: ':money_with_wings:', emoji: '💸' },
  { kind: 'tampering', label: 'Ledger tampering', slackEmoji: ':warning:', emoji: '⚠️' },
];

describe('sendNotices: messages', () => {
  it.each(KINDS)(
    'sends a $kind notice to Slack and to Discord',
    async ({ kind, label, slackEmoji, emoji }) => {
      const { seen, slack, discord } = await receiver([ok, noContent]);
      const logger = new RecordingLogger();
      const result = await sendNotices(
        { slackWebhook: slack, discordWebhook: discord },
        [notice({ kind })],
        { logger },
      );
      expect(result).toEqual({ sent: 2, failed: 0 });
      expect(warnings(logger)).toEqual([]);
      expect(seen).toHaveLength(2);
      for (const request of seen) {
        expect(request.method).toBe('POST');
        expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
      }

      const toSlack = seen.find((request) => request.url.startsWith('/services/'));
      const message = body<SlackBody>(toSlack);
      expect(message.text).toBe(`${slackEmoji} ${label}: acme/shop #12 · Add a basket total`);
      expect(message.blocks).toEqual([
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `${slackEmoji} *${label}* · \`acme/shop\` · issue #12 · pull request #34\n*Add a basket total*`,
            verbatim: true,
          },
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: 'The merge gate merged pull request #34 with 91.2% line coverage.',
            verbatim: true,
          },
        },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'Cost so far: *$1.2346*', verbatim: true },
            {
              type: 'mrkdwn',
              text: '<https://github.com/acme/shop/pull/34|Details>',
              verbatim: true,
            },
          ],
        },
      ]);

      const toDiscord = seen.find((request) => request.url.startsWith('/api/webhooks/'));
      const post = body<DiscordBody>(toDiscord);
      expect(post.allowed_mentions).toEqual({ parse: [] });
      expect(post.embeds).toHaveLength(1);
      const [embed] = post.embeds as [DiscordEmbed];
      expect(embed.title).toBe(`${emoji} ${label}: issue #12`);
      expect(embed.url).toBe('https://github.com/acme/shop/pull/34');
      expect(embed.description).toBe(
        // Escaped, as all text from a notice is; Discord shows `\#` as `#`.
        '**Add a basket total**\nThe merge gate merged pull request \\#34 with 91.2% line coverage.',
      );
      expect(embed.fields).toEqual([
        { name: 'Repository', value: 'acme/shop', inline: true },
        { name: 'Issue', value: '#12', inline: true },
        { name: 'Pull request', value: '#34', inline: true },
        { name: 'Cost so far', value: '$1.2346', inline: true },
      ]);
      expect(Number.isInteger(embed.color)).toBe(true);
    },
  );

  it('gives each kind its own colour on Discord', async () => {
    const { seen, discord } = await receiver(KINDS.map(() => noContent));
    await sendNotices(
      { slackWebhook: null, discordWebhook: discord },
      KINDS.map(({ kind }) => notice({ kind })),
      { logger: new RecordingLogger() },
    );
    const colours = seen.map((request) => body<DiscordBody>(request).embeds[0]?.color);
    expect(new Set(colours).size).toBe(KINDS.length);
  });

  it('leaves out what a repository-wide notice does not have', async () => {
    const { seen, slack, discord } = await receiver([ok, noContent]);
    const tampering = notice({
      kind: 'tampering',
      issue: null,
      pull: null,
      title: '',
      detail: 'The ledger was changed by hand; dispatch claims nothing until it is recovered.',
      url: null,
      costUsd: null,
    });
    const result = await sendNotices(
      { slackWebhook: slack, discordWebhook: discord },
      [tampering],
      { logger: new RecordingLogger() },
    );
    expect(result).toEqual({ sent: 2, failed: 0 });
    const message = body<SlackBody>(seen.find((r) => r.url.startsWith('/services/')));
    expect(message.text).toBe(':warning: Ledger tampering: acme/shop');
    expect(message.blocks.map((block) => block.type)).toEqual(['section', 'section']);
    expect(message.blocks[0]?.text?.text).toBe(':warning: *Ledger tampering* · `acme/shop`');
    const [embed] = body<DiscordBody>(seen.find((r) => r.url.startsWith('/api/'))).embeds as [
      DiscordEmbed,
    ];
    expect(embed.title).toBe('⚠️ Ledger tampering: the repository');
    expect(embed.url).toBeUndefined();
    expect(embed.description).toBe(
      'The ledger was changed by hand; dispatch claims nothing until it is recovered.',
    );
    expect(embed.fields).toEqual([{ name: 'Repository', value: 'acme/shop', inline: true }]);
  });

  it('names the pull request when a notice has no issue', async () => {
    const { seen, discord } = await receiver([noContent]);
    await sendNotices({ slackWebhook: null, discordWebhook: discord }, [notice({ issue: null })], {
      logger: new RecordingLogger(),
    });
    expect(body<DiscordBody>(seen[0]).embeds[0]?.title).toBe('✅ Merged: pull request #34');
  });

  it('links only http and https addresses, with Slack link markup kept intact', async () => {
    const { seen, slack, discord } = await receiver([ok, noContent, ok, noContent]);
    await sendNotices(
      { slackWebhook: slack, discordWebhook: discord },
      [
        notice({ url: 'javascript:alert(1)' }),
        notice({ url: 'https://example.com/runs?a=1&b=x|y>z' }),
      ],
      { logger: new RecordingLogger() },
    );
    const slackBodies = seen.filter((r) => r.url.startsWith('/services/'));
    const discordBodies = seen.filter((r) => r.url.startsWith('/api/'));
    expect(slackBodies.map((r) => r.body).join('')).not.toContain('javascript:');
    expect(body<DiscordBody>(discordBodies[0]).embeds[0]?.url).toBeUndefined();
    const links = slackTexts(body<SlackBody>(slackBodies[1])).filter((t) => t.startsWith('<'));
    expect(links).toEqual(['<https://example.com/runs?a=1&amp;b=x%7Cy%3Ez|Details>']);
    expect(body<DiscordBody>(discordBodies[1]).embeds[0]?.url).toBe(
      'https://example.com/runs?a=1&b=x|y%3Ez',
    );
  });
});

describe('sendNotices: untrusted titles', () => {
  const HOSTILE =
    '@everyone @here <!channel> <!here> <@U0123> <!subteam^S1> <@&42> <#C1> ' +
    '[click](https://evil.example) <https://evil.example|log in> *bold* _it_ ~gone~ `code` ' +
    '||spoiler|| # heading &amp; \u202Eevil\u200B\nsecond line\r\n> quote';

  async function sendHostile() {
    const { seen, slack, discord } = await receiver([ok, noContent]);
    const result = await sendNotices(
      { slackWebhook: slack, discordWebhook: discord },
      [notice({ title: HOSTILE, detail: `> ${HOSTILE}` })],
      { logger: new RecordingLogger() },
    );
    expect(result).toEqual({ sent: 2, failed: 0 });
    return {
      slack: body<SlackBody>(seen.find((r) => r.url.startsWith('/services/'))),
      discord: body<DiscordBody>(seen.find((r) => r.url.startsWith('/api/'))),
    };
  }

  it('cannot mention, link or format anything on Slack', async () => {
    const { slack } = await sendHostile();
    const texts = slackTexts(slack);
    const [heading, detail] = [slack.blocks[0]?.text?.text ?? '', slack.blocks[1]?.text?.text];
    // Our own markup: the emoji, the repository's code span, the bold label and title.
    const shown = [slack.text, heading, detail ?? ''].map((text) =>
      text.replace(/^:[a-z_]+: /, '').replace(' · `acme/shop` · ', ' · '),
    );
    for (const text of shown) {
      // Slack's markup starts with `<`: only the Details link may use it.
      expect(text).not.toContain('<');
      expect(text).not.toMatch(/@(everyone|here|channel)/);
      expect(text).not.toContain('https://');
      expect(text).not.toMatch(/[`~_\u202E\r]/u);
      // Zero-width spaces only where they break a mention or an address.
      expect(text).not.toMatch(/(?<!@)\u200B(?!\/\/)/u);
      // Every `&` starts one of the three entities Slack reads.
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    expect(slack.text).not.toContain('\n');
    expect(detail).not.toContain('\n');
    expect(heading).toContain('&lt;!channel&gt; &lt;!here&gt; &lt;@\u200BU0123&gt;');
    expect(heading).toContain('&lt;https:\u200B//evil.example|log in&gt;');
    expect(heading).toContain('&amp;amp;');
    expect(heading).toContain('\u2217bold\u2217 \u02CDit\u02CD \u223Cgone\u223C \u02CBcode\u02CB');
    // The title stays on the heading's second line, bold; the rest is one line of text.
    expect(heading.split('\n')).toHaveLength(2);
    expect(heading.split('\n')[1]).toMatch(/^\*[^*]+\*$/);
    expect(heading).toContain('evil second line &gt; quote');
    // A line starting with `>` would be a quote.
    expect(detail).toMatch(/^\u00AD&gt; /);
    expect(texts.filter((t) => t.includes('<'))).toEqual([
      '<https://github.com/acme/shop/pull/34|Details>',
    ]);
  });

  it('cannot mention, link or format anything on Discord', async () => {
    const { discord } = await sendHostile();
    expect(discord.allowed_mentions).toEqual({ parse: [] });
    expect(discord.content).toBeUndefined();
    const [embed] = discord.embeds as [DiscordEmbed];
    expect(embed.title).toBe('✅ Merged: issue #12');
    const description = embed.description ?? '';
    const unescaped = /(?<!\\)[*_~`|<>#[\]()-]/;
    const [title, detail] = description.split('\n') as [string, string];
    expect(description.split('\n')).toHaveLength(2);
    expect(title.slice(2, -2)).not.toMatch(unescaped);
    expect(title).toMatch(/^\*\*.+\*\*$/);
    expect(detail).not.toMatch(unescaped);
    expect(description).not.toMatch(/@(everyone|here)/);
    expect(description).not.toContain('https://');
    expect(description).not.toContain('\u202E');
    expect(title).toContain('\\<@\u200BU0123\\> \\<!subteam^S1\\>');
    expect(title).toContain('\\[click\\]\\(https:\u200B//evil.example\\)');
    expect(title).toContain(
      '\\*bold\\* \\_it\\_ \\~gone\\~ \\`code\\` \\|\\|spoiler\\|\\| \\# heading',
    );
  });

  it('cuts a huge title and detail to fit each service', async () => {
    // `&` grows fivefold on Slack, `*` twofold on Discord: limits hold for the escaped text.
    const huge = `${'&*<'.repeat(40_000)}end`;
    const { seen, slack, discord } = await receiver([ok, noContent]);
    const result = await sendNotices(
      { slackWebhook: slack, discordWebhook: discord },
      [notice({ title: huge, detail: huge, repository: 'acme/shop' })],
      { logger: new RecordingLogger() },
    );
    expect(result).toEqual({ sent: 2, failed: 0 });
    for (const request of seen) expect(request.body.length).toBeLessThan(16_000);

    const message = body<SlackBody>(seen.find((r) => r.url.startsWith('/services/')));
    for (const text of slackTexts(message)) {
      expect(text.length).toBeLessThanOrEqual(3000);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
      expect(text).not.toContain('end');
    }
    expect(message.blocks[0]?.text?.text).toMatch(/…\*$/);
    expect(message.blocks[1]?.text?.text).toMatch(/…$/);

    const [embed] = body<DiscordBody>(seen.find((r) => r.url.startsWith('/api/'))).embeds as [
      DiscordEmbed,
    ];
    expect(embed.title.length).toBeLessThanOrEqual(256);
    expect(embed.description?.length).toBeLessThanOrEqual(4096);
    for (const field of embed.fields) {
      expect(field.name.length).toBeLessThanOrEqual(256);
      expect(field.value.length).toBeLessThanOrEqual(1024);
    }
    expect(embedTexts(embed).join('').length).toBeLessThanOrEqual(6000);
    // Cut between escapes, never inside one.
    expect(embed.description).not.toMatch(/\\…|\\\n/);
    expect(embed.description).toMatch(/…\*\*\n.*…$/s);
  });
});

describe('sendNotices: failures warn and never throw', () => {
  it('warns on a 5xx answer with its status and reason', async () => {
    const { seen, slack } = await receiver([{ status: 500, body: 'rollup_error' }]);
    const logger = new RecordingLogger();
    const result = await sendNotices(
      { slackWebhook: slack, discordWebhook: null },
      [notice({ kind: 'failed' })],
      { logger },
    );
    expect(result).toEqual({ sent: 0, failed: 1 });
    expect(seen).toHaveLength(1);
    expectOneSafeWarning(
      logger,
      slack,
      /^Slack webhook: /,
      /failed notice for issue #12/,
      /500 Internal Server Error/,
      /rollup_error/,
    );
  });

  it('shows Discord JSON error messages as the reason', async () => {
    const { discord } = await receiver([
      { status: 404, body: { message: 'Unknown Webhook', code: 10015 } },
    ]);
    const logger = new RecordingLogger();
    const result = await sendNotices({ slackWebhook: null, discordWebhook: discord }, [notice()], {
      logger,
    });
    expect(result).toEqual({ sent: 0, failed: 1 });
    expectOneSafeWarning(
      logger,
      discord,
      /^Discord webhook: /,
      /404 Not Found \(Unknown Webhook\)/,
    );
  });

  it('waits as a 429 asks when that is at most 5 s, then sends once more', async () => {
    const { seen, discord } = await receiver([
      { status: 429, headers: { 'retry-after': '1' }, body: { retry_after: 1, global: false } },
      noContent,
    ]);
    const logger = new RecordingLogger();
    const started = Date.now();
    const result = await sendNotices({ slackWebhook: null, discordWebhook: discord }, [notice()], {
      logger,
    });
    expect(result).toEqual({ sent: 1, failed: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(seen).toHaveLength(2);
    expect(seen[1]?.body).toBe(seen[0]?.body);
    expect(warnings(logger)).toEqual([]);
  });

  it('gives up on a 429 that asks for longer than 5 s, or answers 429 again', async () => {
    const { seen, slack } = await receiver([
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 429 },
    ]);
    const logger = new RecordingLogger();
    const started = Date.now();
    const result = await sendNotices(
      { slackWebhook: slack, discordWebhook: null },
      [notice(), notice({ kind: 'failed' }), notice({ kind: 'budget' })],
      { logger },
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toEqual({ sent: 0, failed: 3 });
    // One request for the first, two for the second (one retry), one for the third.
    expect(seen).toHaveLength(4);
    const lines = warnings(logger);
    expect(lines).toEqual([
      expect.stringMatching(
        /merged notice .*429 Too Many Requests and asked to wait 30 s, more than the 5 s/,
      ),
      expect.stringMatching(/failed notice .*429 Too Many Requests again after the wait/),
      expect.stringMatching(/budget notice .*429 Too Many Requests without saying when to retry/),
    ]);
    for (const line of lines) expect(line).not.toContain(SLACK_TOKEN);
  });

  it('gives up on a receiver that never answers, after timeoutMs', async () => {
    const { seen, slack } = await receiver(['hang']);
    const logger = new RecordingLogger();
    const started = Date.now();
    const result = await sendNotices(
      { slackWebhook: slack, discordWebhook: null },
      [notice({ kind: 'budget' })],
      { logger, timeoutMs: 200 },
    );
    expect(result).toEqual({ sent: 0, failed: 1 });
    expect(seen).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(3000);
    expectOneSafeWarning(logger, slack, /^Slack webhook: /, /did not answer within 200 ms/);
  });

  it('gives up on a closed port', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/api/webhooks/1/${DISCORD_TOKEN}`;
    const logger = new RecordingLogger();
    const result = await sendNotices(
      { slackWebhook: null, discordWebhook: url },
      [notice({ kind: 'tampering', issue: null, pull: null })],
      { logger },
    );
    expect(result).toEqual({ sent: 0, failed: 1 });
    expectOneSafeWarning(
      logger,
      url,
      /^Discord webhook: the tampering notice was not delivered/,
      /ECONNREFUSED/,
    );
  });

  it('does not follow a redirect', async () => {
    const { seen, slack } = await receiver([
      { status: 302, headers: { location: '/elsewhere' } },
      ok,
    ]);
    const logger = new RecordingLogger();
    const result = await sendNotices({ slackWebhook: slack, discordWebhook: null }, [notice()], {
      logger,
    });
    expect(result).toEqual({ sent: 0, failed: 1 });
    expect(seen.map((request) => request.url)).toEqual([new URL(slack).pathname]);
    expectOneSafeWarning(logger, slack, /302 Found/);
  });

  it('never shows the URL, even when an error or an answer quotes it', async () => {
    const url = `https://hooks.example.com/services/T1/B2/${SLACK_TOKEN}`;
    const logger = new RecordingLogger();
    const quoting: typeof fetch = () =>
      Promise.reject(new TypeError(`Failed to parse URL from ${url}`));
    const echoing: typeof fetch = () =>
      Promise.resolve(
        new Response(JSON.stringify({ message: `no webhook at ${url} (token ${SLACK_TOKEN})` }), {
          status: 400,
          statusText: 'Bad Request',
        }),
      );
    const first = await sendNotices({ slackWebhook: url, discordWebhook: null }, [notice()], {
      logger,
      fetch: quoting,
    });
    expectOneSafeWarning(logger, url, /request failed \(TypeError\)/);
    const echoed = new RecordingLogger();
    const second = await sendNotices({ slackWebhook: url, discordWebhook: null }, [notice()], {
      logger: echoed,
      fetch: echoing,
    });
    expectOneSafeWarning(echoed, url, /400 Bad Request \(no webhook at \*\*\* \(token \*\*\*\)\)/);
    expect([first, second]).toEqual([
      { sent: 0, failed: 1 },
      { sent: 0, failed: 1 },
    ]);
  });

  it('counts each service on its own and keeps the order of notices', async () => {
    const slackSide = await receiver([ok, ok]);
    const discordSide = await receiver([{ status: 500 }, noContent]);
    const logger = new RecordingLogger();
    const result = await sendNotices(
      { slackWebhook: slackSide.slack, discordWebhook: discordSide.discord },
      [notice({ kind: 'failed' }), notice({ kind: 'budget' })],
      { logger },
    );
    expect(result).toEqual({ sent: 3, failed: 1 });
    expect(slackSide.seen.map((r) => body<SlackBody>(r).text)).toEqual([
      expect.stringMatching(/^:x: Failed/),
      expect.stringMatching(/^:money_with_wings: Budget spent/),
    ]);
    expect(discordSide.seen.map((r) => body<DiscordBody>(r).embeds[0]?.title)).toEqual([
      '❌ Failed: issue #12',
      '💸 Budget spent: issue #12',
    ]);
    expectOneSafeWarning(logger, discordSide.discord, /^Discord webhook: the failed notice/, /500/);
  });
});
