/**
 * Who did something on GitHub. GraphQL shows an app's login without `[bot]` and REST with it, and
 * a user may be named like an app, so an identity is a login and a kind, compared as a pair.
 */
export interface Identity {
  /** Lower case, without `[bot]`. */
  login: string;
  bot: boolean;
}

/** `alice`, `my-app[bot]`: how people write logins in inputs and REST answers, as an identity. */
export function identityOf(login: string): Identity {
  const bot = /\[bot\]$/i.test(login);
  return { login: login.replace(/\[bot\]$/i, '').toLowerCase(), bot };
}

/** The one key of an identity, for maps and sets. */
export function identityKey(identity: Identity): string {
  return `${identity.login.toLowerCase()}:${identity.bot ? 'bot' : 'user'}`;
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  return identityKey(a) === identityKey(b);
}

/** The login as REST writes it (`my-app[bot]`), which is also what GitHub's `createdBy` filter takes. */
export function restLogin(identity: Identity): string {
  return identity.bot ? `${identity.login}[bot]` : identity.login;
}

/** For people: `alice`, `my-app[bot]`, or a deleted account. */
export function showIdentity(identity: Identity | null | undefined): string {
  return identity ? restLogin(identity) : 'a deleted account';
}

/** The identities whose ledger comments count: the dispatching identity and the ledger's writers. */
export function trustOf(identities: readonly Identity[]): (who: Identity | null) => boolean {
  const keys = new Set(identities.map(identityKey));
  return (who) => who !== null && keys.has(identityKey(who));
}
