import type { Faults, FaultRule } from './fixture.js';

/** A small seeded generator (mulberry32), so a fault run can be replayed exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `*` matches anything; everything else, braces included, is literal. */
export function routePattern(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'status'; status: number; rule: FaultRule }
  | { kind: 'hang'; rule: FaultRule }
  | { kind: 'latency'; ms: number; rule: FaultRule }
  /** Handle the request in full, then answer this status instead of its answer. */
  | { kind: 'applied-status'; status: number; rule: FaultRule }
  /** Handle the request in full, then close the connection without answering. */
  | { kind: 'applied-drop'; rule: FaultRule };

/** Decides, request by request, whether a fault applies; the first matching rule that fires wins. */
export class FaultInjector {
  private random: () => number;
  private rules: { rule: FaultRule; pattern: RegExp }[] = [];
  injected = 0;

  constructor(faults: Faults) {
    this.random = seededRandom(faults.seed);
    this.configure(faults);
  }

  configure(faults: Faults): void {
    this.random = seededRandom(faults.seed);
    this.rules = faults.rules.map((rule) => ({ rule, pattern: routePattern(rule.route) }));
  }

  decide(route: string): FaultDecision[] {
    const decisions: FaultDecision[] = [];
    for (const { rule, pattern } of this.rules) {
      if (!pattern.test(route)) continue;
      // Draw for every matching rule, fired or not, so one seed gives one sequence.
      if (this.random() >= rule.probability) continue;
      this.injected++;
      if (rule.kind === 'latency') decisions.push({ kind: 'latency', ms: rule.ms ?? 0, rule });
      else if (rule.kind === 'hang') decisions.push({ kind: 'hang', rule });
      else if (rule.kind === 'applied-drop') decisions.push({ kind: 'applied-drop', rule });
      else if (rule.kind === 'applied-status')
        decisions.push({ kind: 'applied-status', status: rule.status ?? 502, rule });
      else decisions.push({ kind: 'status', status: rule.status ?? 500, rule });
    }
    return decisions;
  }
}
