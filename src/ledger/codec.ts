import { LEDGER_VERSION, ledgerEntry, type LedgerEntry } from './entries.js';

/** `<!-- ai-scrum-ledger v1 {...} -->`: the machine-readable part of a ledger comment. */
const MARKER = /<!-- ai-scrum-ledger v(\d+) (\{[^\n]*?\}) -->/g;

/** JSON that cannot close or open an HTML comment, whatever its strings hold. */
function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
}

function describe(entry: LedgerEntry): string {
  switch (entry.type) {
    case 'claim': {
      const files =
        entry.files.length === 0
          ? 'no files'
          : `${entry.files.length} file${entry.files.length === 1 ? '' : 's'}`;
      const what = entry.kind === 'conflict' ? 'conflict resolution for' : 'claim';
      return `🔒 ${what} #${entry.issue} — \`${entry.claim}\`, epoch ${entry.epoch}, run ${entry.run}, lease until ${entry.lease}, ${files}`;
    }
    case 'release':
      return `🔓 release #${entry.issue} — \`${entry.claim}\`: ${entry.outcome}${entry.pr ? ` (#${entry.pr})` : ''}, $${entry.costUsd.toFixed(2)}${entry.reason ? ` — ${entry.reason.replace(/[\r\n<>`]/g, ' ')}` : ''}`;
    case 'expire':
      return `⌛ expire #${entry.issue} — \`${entry.claim}\`: ${entry.reason}`;
    case 'exhausted':
      return `⛔ #${entry.issue} used its ${entry.attempts} attempts: labelled failed`;
    case 'retry':
      return `🔁 #${entry.issue}: another round asked for; attempts count again`;
    case 'checkpoint':
      return `📍 checkpoint #${entry.issue} — \`${entry.claim}\`: ${entry.phase}, ${entry.round} round${entry.round === 1 ? '' : 's'}, commit ${entry.commit.slice(0, 7)}, $${entry.spendUsd.toFixed(2)} so far`;
    case 'snapshot':
      return `📸 snapshot of #${entry.from}: ${Object.keys(entry.issues).length} issues`;
  }
}

/** One comment holding several entries, each as a marker line and a line for people. */
export function encodeEntries(
  entries: readonly LedgerEntry[],
  options: { brief?: boolean } = {},
): string {
  return entries
    .map(
      (entry) =>
        `<!-- ai-scrum-ledger v${LEDGER_VERSION} ${safeJson(entry)} -->\n${options.brief ? brief(entry) : describe(entry)}`,
    )
    .join(options.brief ? '\n' : '\n\n');
}

/** The short line for people, used when a large batch must fit one comment. */
function brief(entry: LedgerEntry): string {
  if (entry.type === 'snapshot') return `📸 #${entry.from}`;
  const symbols = {
    claim: '🔒',
    release: '🔓',
    expire: '⌛',
    exhausted: '⛔',
    retry: '🔁',
    checkpoint: '📍',
  };
  const symbol = symbols[entry.type];
  return `${symbol} ${entry.type} #${entry.issue}${entry.type === 'claim' ? ` e${entry.epoch}` : ''}`;
}

export interface DecodedComment {
  entries: LedgerEntry[];
  /** Markers that were not valid JSON or not a known entry of a known version. */
  skipped: number;
}

/** Every valid entry of a comment, in order; anything malformed is counted, never fatal. */
export function decodeEntries(body: string): DecodedComment {
  const entries: LedgerEntry[] = [];
  let skipped = 0;
  for (const match of body.matchAll(MARKER)) {
    if (Number(match[1]) !== LEDGER_VERSION) {
      skipped++;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(match[2] ?? '');
    } catch {
      skipped++;
      continue;
    }
    const parsed = ledgerEntry.safeParse(value);
    if (parsed.success) entries.push(parsed.data);
    else skipped++;
  }
  return { entries, skipped };
}

/** Comment bodies are capped by GitHub at 65,536 characters. */
export const MAX_COMMENT_LENGTH = 65_536;
