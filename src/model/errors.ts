import type { ModelAnswer } from './port.js';

/** `error.details.error_code` values that mean money, not load: waiting and retrying cannot help. */
export const SPEND_LIMIT_CODES = [
  'enforced_spend_limit_reached',
  'contract_spend_limit_reached',
  'linked_organization_spend_limit_reached',
] as const;

export type SpendLimitCode = (typeof SPEND_LIMIT_CODES)[number];

/** The provider refused a call because an organisation spend limit is reached. Never retried. */
export class SpendLimitError extends Error {
  override name = 'SpendLimitError';
  constructor(
    readonly code: SpendLimitCode,
    readonly status: number,
    apiMessage: string,
  ) {
    super(
      `The model provider refused the call because a spend limit is reached (${code}, HTTP ${status}): ${apiMessage || 'no message'}. Retrying will not help: raise the organisation's spend limit or wait for it to reset.`,
    );
  }
}

/**
 * A structured answer that still did not match its schema after being asked again once. It
 * carries the answers, which were paid for.
 */
export class StructuredAnswerError extends Error {
  override name = 'StructuredAnswerError';
  constructor(
    readonly model: string,
    readonly problems: string[],
    readonly answers: ModelAnswer[],
  ) {
    super(
      `The model ${model} gave no answer matching the required JSON schema after ${problems.length} ${problems.length === 1 ? 'try' : 'tries'}: ${problems.map((problem, i) => `(${i + 1}) ${problem}`).join(' ')}`,
    );
  }
}

/**
 * Attaches answers that were paid for to an error on its way out of the port (a failed call after
 * an earlier successful one, attempts cut by a stream error with known usage), so the caller can
 * account for them. Answers already attached are kept.
 */
export function withAnswers<E>(error: E, answers: ModelAnswer[]): E {
  if (answers.length === 0 || typeof error !== 'object' || error === null) return error;
  const carrier = error as { answers?: ModelAnswer[] };
  const known = Array.isArray(carrier.answers) ? carrier.answers : [];
  const merged = [...known, ...answers.filter((answer) => !known.includes(answer))];
  try {
    Object.defineProperty(error, 'answers', { value: merged, configurable: true, writable: true });
  } catch {
    // A frozen error: nothing to attach to.
  }
  return error;
}

/** The paid answers an error from the port carries (none when it carries none). */
export function answersOf(error: unknown): ModelAnswer[] {
  const answers = (error as { answers?: unknown } | null)?.answers;
  return Array.isArray(answers) ? (answers as ModelAnswer[]) : [];
}
