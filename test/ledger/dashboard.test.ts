import { expect, it } from '@jest/globals';
import { renderDashboard } from '../../src/ledger/dashboard.js';
import { foldLedger } from '../../src/ledger/fold.js';

it('shows queued titles as text that pings, links and embeds nothing', () => {
  const body = renderDashboard({
    state: foldLedger([], () => false),
    now: new Date('2026-11-26T11:00:00Z'),
    queue: [
      { issue: 3, title: '@alice look: ![x](https://evil.example/p.png)\n- [ ] <b>task</b>' },
      { issue: 4, title: 'www.evil.example | `x`' },
    ],
    dailyBudgetUsd: 25,
  });
  const queue = body.split('\n').filter((line) => line.startsWith('1. #'));
  expect(queue).toEqual([
    '1. #3 @\u200Balice look: \\!\\[x\\](https:\u200B//evil.example/p.png) - \\[ \\] \\<b\\>task\\</b\\>',
    '1. #4 www\u200B.evil.example   \\`x\\`',
  ]);
});
