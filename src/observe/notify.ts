import { ConfigurationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { USER_AGENT } from '../version.js';
import type { Notice, NoticeKind, ObserveSettings } from './types.js';

/**
 * Notices to Slack and Discord incoming webhooks. A webhook URL is a secret (whoever has it can
 * post to the channel), so no message, warning or error ever shows it. Titles come from issues:
 * they are escaped for each service so that they can neither ping anyone nor add links or
 * formatting, and cut to fit the service's limits. A notice that cannot be delivered is a
 * warning: it never fails the run.
 */

export type WebhookInput = 'slack-webhook' | 'discord-webhook';

/** http is for a relay or a test receiver on this machine only: anything else could be read on the way. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The webhook URL of `input`, or null when it is empty. */
export function parseWebhookUrl(input: WebhookInput, value: string): string | null {
  const given = value.trim();
  if (given === '') return null;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw invalidWebhook(input, 'is not an absolute URL');
  }
  if (url.protocol === 'https:') return url.href;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return url.href;
  throw invalidWebhook(input, 'is not an https URL');
}

function invalidWebhook(input: WebhookInput, problem: string): ConfigurationError {
  const service = input === 'slack-webhook' ? 'Slack' : 'Discord';
  const secret = input === 'slack-webhook' ? 'SLACK_WEBHOOK_URL' : 'DISCORD_WEBHOOK_URL';
  return new ConfigurationError(
    `Invalid input '${input}': the value ${problem} (it is not shown: a webhook URL is a secret). ` +
      `Expected the https URL of a ${service} incoming webhook, passed from a secret ` +
      `(\`\${{ secrets.${secret} }}\`), or empty; http is accepted only for 127.0.0.1, localhost and [::1].`,
  );
}

export interface NotifyDeps {
  logger: Logger;
  fetch?: typeof fetch;
  /** For each request (a retry after a 429 gets its own); 10 s when not given. */
  timeoutMs?: number;
}

export interface NotifyResult {
  sent: number;
  failed: number;
}

type Service = 'Slack' | 'Discord';

interface Webhook {
  service: Service;
  url: string;
  payload: (notice: Notice) => unknown;
}

/** One message per notice to each configured webhook, in the order given. Never throws. */
export async function sendNotices(
  settings: Pick<ObserveSettings, 'slackWebhook' | 'discordWebhook'>,
  notices: readonly Notice[],
  deps: NotifyDeps,
): Promise<NotifyResult> {
  const webhooks: Webhook[] = [];
  if (settings.slackWebhook)
    webhooks.push({ service: 'Slack', url: settings.slackWebhook, payload: slackMessage });
  if (settings.discordWebhook)
    webhooks.push({ service: 'Discord', url: settings.discordWebhook, payload: discordMessage });
  if (notices.length === 0 || webhooks.length === 0) return { sent: 0, failed: 0 };

  // The services are independent; within one, messages keep the order of the notices.
  const tallies = await Promise.all(
    webhooks.map(async (webhook) => {
      const tally = { sent: 0, failed: 0 };
      for (const notice of notices) {
        if (await deliver(webhook, notice, deps)) tally.sent += 1;
        else tally.failed += 1;
      }
      return tally;
    }),
  );
  return tallies.reduce((sum, tally) => ({
    sent: sum.sent + tally.sent,
    failed: sum.failed + tally.failed,
  }));
}

// ---------------------------------------------------------------------------------------------
// Delivery

const DEFAULT_TIMEOUT_MS = 10_000;
/** A notice is not worth holding a job longer than this for a rate limit. */
const MAX_RETRY_AFTER_MS = 5_000;

type Attempt =
  | { kind: 'sent' }
  | { kind: 'rate-limited'; retryAfterMs: number | null }
  | { kind: 'refused'; status: number; statusText: string; reason: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'unreachable'; code: string };

async function deliver(webhook: Webhook, notice: Notice, deps: NotifyDeps): Promise<boolean> {
  let attempt: Attempt;
  let retried = false;
  try {
    const body = JSON.stringify(webhook.payload(notice));
    attempt = await post(webhook.url, body, deps);
    if (
      attempt.kind === 'rate-limited' &&
      attempt.retryAfterMs !== null &&
      attempt.retryAfterMs <= MAX_RETRY_AFTER_MS
    ) {
      const waitMs = attempt.retryAfterMs;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      retried = true;
      attempt = await post(webhook.url, body, deps);
    }
  } catch (error) {
    // Only our own bugs land here; their text could hold the URL, so only their name is shown.
    attempt = { kind: 'unreachable', code: error instanceof Error ? error.name : 'error' };
  }
  if (attempt.kind === 'sent') {
    log(() =>
      deps.logger.debug(`${webhook.service}: sent the ${notice.kind} notice${about(notice)}.`),
    );
    return true;
  }
  const message = `${webhook.service} webhook: the ${notice.kind} notice${about(notice)} was not delivered: ${describeAttempt(attempt, retried)}.`;
  log(() => deps.logger.warning(redact(message, webhook.url)));
  return false;
}

/** A logger that fails must not fail the run either. */
function log(write: () => void): void {
  try {
    write();
  } catch {
    // Nothing else to tell.
  }
}

function about(notice: Notice): string {
  if (notice.issue !== null) return ` for issue #${notice.issue}`;
  if (notice.pull !== null) return ` for pull request #${notice.pull}`;
  return '';
}

async function post(url: string, body: string, deps: NotifyDeps): Promise<Attempt> {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await (deps.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': USER_AGENT },
      body,
      signal,
      // A webhook never redirects; following one would send the message somewhere else.
      redirect: 'manual',
    });
  } catch (error) {
    return failedRequest(error, timeoutMs);
  }
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The status says enough; the body only adds the service's reason.
  }
  if (response.status >= 200 && response.status < 300) return { kind: 'sent' };
  if (response.status === 429)
    return {
      kind: 'rate-limited',
      retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
    };
  return {
    kind: 'refused',
    status: response.status,
    statusText: response.statusText,
    reason: serviceReason(text, url),
  };
}

/** Never the error's message: Node's can quote the URL ("Failed to parse URL from …"). */
function failedRequest(error: unknown, timeoutMs: number): Attempt {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'timeout', timeoutMs };
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[] } } | null)
    ?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return {
    kind: 'unreachable',
    code: typeof code === 'string' ? code : typeof name === 'string' ? name : 'network error',
  };
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/**
 * Slack answers a short code (`channel_is_archived`), Discord JSON with a `message`. Whatever
 * quotes the URL is hidden before the reason is cut, so that no part of the token is left.
 */
function serviceReason(body: string, url: string): string {
  let reason = body;
  try {
    const parsed = JSON.parse(body) as unknown;
    const message = (parsed as { message?: unknown } | null)?.message;
    reason = typeof parsed === 'string' ? parsed : typeof message === 'string' ? message : '';
  } catch {
    // Not JSON: the text is the reason.
  }
  const line = redact(reason, url)
    // eslint-disable-next-line no-control-regex -- control characters are what is replaced
    .replace(/[\u0000-\u001F\u007F-\u009F]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

function describeAttempt(attempt: Exclude<Attempt, { kind: 'sent' }>, retried: boolean): string {
  switch (attempt.kind) {
    case 'rate-limited':
      if (retried) return 'it answered 429 Too Many Requests again after the wait it asked for';
      if (attempt.retryAfterMs === null)
        return 'it answered 429 Too Many Requests without saying when to retry';
      return `it answered 429 Too Many Requests and asked to wait ${Math.ceil(attempt.retryAfterMs / 1000)} s, more than the ${MAX_RETRY_AFTER_MS / 1000} s a notice waits`;
    case 'refused': {
      const status = `${attempt.status}${attempt.statusText ? ` ${attempt.statusText}` : ''}`;
      return `it answered ${status}${attempt.reason ? ` (${attempt.reason})` : ''}`;
    }
    case 'timeout':
      return `it did not answer within ${attempt.timeoutMs} ms`;
    case 'unreachable':
      return `the request failed (${attempt.code})`;
  }
}

/** The URL, and each long part of its path and query (where the token is), replaced. */
function redact(text: string, url: string): string {
  const secrets = [url];
  try {
    const parsed = new URL(url);
    secrets.push(
      ...parsed.pathname.split('/'),
      ...parsed.search.slice(1).split('&'),
      parsed.username,
      parsed.password,
    );
  } catch {
    // Not a URL: only the whole value is known.
  }
  return secrets
    .filter((secret) => secret.length >= 16)
    .sort((a, b) => b.length - a.length)
    .reduce((shown, secret) => shown.split(secret).join('***'), text);
}

// ---------------------------------------------------------------------------------------------
// Messages

interface KindStyle {
  label: string;
  slackEmoji: string;
  emoji: string;
  color: number;
}

const KINDS: Record<NoticeKind, KindStyle> = {
  merged: { label: 'Merged', slackEmoji: ':white_check_mark:', emoji: '✅', color: 0x1f883d },
  failed: { label: 'Failed', slackEmoji: ':x:', emoji: '❌', color: 0xcf222e },
  budget: { label: 'Budget spent', slackEmoji: ':money_with_wings:', emoji: '💸', color: 0xbf8700 },
  tampering: { label: 'Ledger tampering', slackEmoji: ':warning:', emoji: '⚠️', color: 0x8250df },
};

/** Characters of a notice's free text kept in a message, before escaping. */
const TITLE_CHARS = 300;
const DETAIL_CHARS = 1500;

/** Bytes that take no room on screen: bidi controls, zero-width characters, tags, variation selectors. */
const INVISIBLE =
  /\u00AD|\u061C|\u180E|[\u200B-\u200F]|[\u202A-\u202E]|[\u2060-\u2064]|[\u2066-\u2069]|[\uFE00-\uFE0F]|\uFEFF|[\u{E0000}-\u{E007F}]|[\u{E0100}-\u{E01EF}]/gu;

/**
 * Untrusted text as one line of plain characters, at most `maxChars` of them: control and
 * invisible characters go, line breaks become spaces, and `://` is broken with a zero-width
 * space so that an address in a title is not a link.
 */
function plainLine(text: string, maxChars: number): string[] {
  const characters = [
    ...text
      .replace(INVISIBLE, '')
      // eslint-disable-next-line no-control-regex -- control characters are what is replaced
      .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  ];
  const kept =
    characters.length > maxChars ? [...characters.slice(0, maxChars - 1), '…'] : characters;
  return [...kept.join('').replace(/:\/\//g, ':\u200B//')];
}

/** Escapes each character and stops before the escaped text passes `budget`, ending with `…`. */
function fit(characters: readonly string[], budget: number, escape: (c: string) => string): string {
  const pieces = characters.map(escape);
  if (pieces.join('').length <= budget) return pieces.join('');
  let shown = '';
  for (const piece of pieces) {
    if (shown.length + piece.length + 1 > budget) break;
    shown += piece;
  }
  return `${shown}…`;
}

function formattedCost(costUsd: number | null): string | null {
  return costUsd !== null && Number.isFinite(costUsd) ? `$${costUsd.toFixed(4)}` : null;
}

/** The notice's link when it is one a message may carry. */
function linkOf(notice: Notice): URL | null {
  if (notice.url === null || notice.url.length > 2000) return null;
  try {
    const url = new URL(notice.url);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

// --- Slack: mrkdwn, https://docs.slack.dev/messaging/formatting-message-text

/** Slack's limit for a text object in a block. */
const SLACK_TEXT_LIMIT = 3000;

/**
 * Slack reads `&`, `<` and `>` as markup (`<!channel>`, `<@U123>`, `<url|label>`) and wants them as
 * entities. It has no escape for `*`, `_`, `~` and `` ` ``, so these become look-alike characters.
 * A zero-width space after `@` keeps `@channel` and `@here` words from being read as mentions.
 */
const SLACK_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '*': '\u2217',
  '＊': '\uFE61',
  _: '\u02CD',
  '＿': '\u2E0F',
  '~': '\u223C',
  '～': '\u223C',
  '`': '\u02CB',
  '｀': '\u02CB',
  '@': '@\u200B',
};

function slackText(text: string, maxChars: number, budget: number): string {
  return fit(plainLine(text, maxChars), budget, (c) => SLACK_ESCAPES[c] ?? c);
}

/** `&gt;` at the start of a line is still a quote: a soft hyphen in front keeps it text. */
function slackLine(text: string): string {
  return text.startsWith('&gt;') ? `\u00AD${text}` : text;
}

/** Inside a code span nothing is formatted: only markup characters and backticks need care. */
function slackCode(text: string): string {
  const escaped = fit(plainLine(text, 140), 600, (c) =>
    c === '`' ? '\u02CB' : c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c,
  );
  return `\`${escaped}\``;
}

function slackWhere(notice: Notice): string {
  const parts = [slackCode(notice.repository)];
  if (notice.issue !== null) parts.push(`issue #${notice.issue}`);
  if (notice.pull !== null) parts.push(`pull request #${notice.pull}`);
  return parts.join(' · ');
}

function slackMessage(notice: Notice): {
  text: string;
  blocks: Record<string, unknown>[];
} {
  const style = KINDS[notice.kind];
  const title = slackText(notice.title, TITLE_CHARS, 1200);
  const heading = `${style.slackEmoji} *${style.label}* · ${slackWhere(notice)}`;
  const blocks: Record<string, unknown>[] = [
    {
      type: 'section',
      // verbatim: Slack parses nothing in plain text (no channel names or bare addresses as links).
      text: { type: 'mrkdwn', text: title ? `${heading}\n*${title}*` : heading, verbatim: true },
    },
  ];
  const detail = slackLine(slackText(notice.detail, DETAIL_CHARS, SLACK_TEXT_LIMIT - 10));
  if (detail)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: detail, verbatim: true } });
  const context: string[] = [];
  const cost = formattedCost(notice.costUsd);
  if (cost !== null) context.push(`Cost so far: *${cost}*`);
  const link = linkOf(notice);
  if (link !== null) context.push(`<${slackUrl(link)}|Details>`);
  if (context.length > 0)
    blocks.push({
      type: 'context',
      elements: context.map((text) => ({ type: 'mrkdwn', text, verbatim: true })),
    });
  // The top-level text is what notifications and screen readers show.
  const summary = `${style.label}: ${notice.repository}${notice.issue !== null ? ` #${notice.issue}` : ''}`;
  const shortTitle = slackText(notice.title, 150, 800);
  return {
    text: `${style.slackEmoji} ${slackText(summary, 200, 1000)}${shortTitle ? ` · ${shortTitle}` : ''}`,
    blocks,
  };
}

/** A URL inside `<url|label>`: `|` and `>` would end it early, `&` is an entity. */
function slackUrl(url: URL): string {
  return url.href
    .replace(/\|/g, '%7C')
    .replace(/&/g, '&amp;')
    .replace(/</g, '%3C')
    .replace(/>/g, '%3E');
}

// --- Discord: https://discord.com/developers/docs/resources/webhook#execute-webhook

/**
 * Discord's limits: embed description 4096 characters, field value 1024, all of an embed 6000.
 * The title and the detail share the description; the embed's own title is short and fixed.
 */
const DISCORD_TITLE_BUDGET = 1500;
const DISCORD_DETAIL_BUDGET = 2500;

/**
 * Discord's markdown takes a backslash before any of these: emphasis, code, spoilers, quotes,
 * headings, lists, masked links and `<@id>`-style mentions. `@everyone` and `@here` get a
 * zero-width space as well; `allowed_mentions` already keeps the message from pinging anyone.
 */
const DISCORD_SPECIAL = new Set([
  '\\',
  '*',
  '_',
  '~',
  '`',
  '|',
  '>',
  '<',
  '#',
  '-',
  '[',
  ']',
  '(',
  ')',
]);

function discordText(text: string, maxChars: number, budget: number): string {
  return fit(plainLine(text, maxChars), budget, (c) =>
    DISCORD_SPECIAL.has(c) ? `\\${c}` : c === '@' ? '@\u200B' : c,
  );
}

function discordMessage(notice: Notice): {
  embeds: Record<string, unknown>[];
  allowed_mentions: { parse: never[] };
} {
  const style = KINDS[notice.kind];
  // The embed's title carries no text from the notice: Discord renders little markdown there.
  const about =
    notice.issue !== null
      ? `issue #${notice.issue}`
      : notice.pull !== null
        ? `pull request #${notice.pull}`
        : 'the repository';
  const title = discordText(notice.title, TITLE_CHARS, DISCORD_TITLE_BUDGET);
  const detail = discordText(notice.detail, DETAIL_CHARS, DISCORD_DETAIL_BUDGET);
  const description = [title ? `**${title}**` : '', detail]
    .filter((part) => part !== '')
    .join('\n');
  const fields = [
    {
      name: 'Repository',
      value: discordText(notice.repository, 140, 300),
      inline: true,
    },
  ];
  if (notice.issue !== null)
    fields.push({ name: 'Issue', value: `#${notice.issue}`, inline: true });
  if (notice.pull !== null)
    fields.push({ name: 'Pull request', value: `#${notice.pull}`, inline: true });
  const cost = formattedCost(notice.costUsd);
  if (cost !== null) fields.push({ name: 'Cost so far', value: cost, inline: true });
  const embed: Record<string, unknown> = {
    title: `${style.emoji} ${style.label}: ${about}`,
    color: style.color,
    fields,
  };
  if (description) embed.description = description;
  const link = linkOf(notice);
  if (link !== null) embed.url = link.href;
  return { embeds: [embed], allowed_mentions: { parse: [] } };
}
