import { identityOf, type Identity } from '../ledger/identity.js';

/** Who did something, as GraphQL answers: `__typename` tells an app's bot from a user. */
export interface Actor {
  __typename: string;
  login: string;
}

/** GraphQL drops an app's `[bot]` and says its type; the identity is the same either way. */
export const actorIdentity = (actor: Actor | null | undefined): Identity | null =>
  actor ? { login: identityOf(actor.login).login, bot: actor.__typename === 'Bot' } : null;

/**
 * Request options for a content-creating write sent once: the retry plugin would repeat a write
 * GitHub may have applied, so the caller reads back instead.
 */
export const SENT_ONCE = { request: { retries: 0 } } as const;
