import { describe, expect, it } from '@jest/globals';
import { visibleText } from '../src/markdown.js';

describe('the text a reader sees', () => {
  it('drops comments, tag markup with its attributes, reference definitions', () => {
    const { text, hidden } = visibleText(
      [
        'Fix <!-- secret --> the total.',
        '<img alt="src/a.ts" src="https://example.com/x.png"> <b>bold</b>',
        '[ref]: src/b.ts "title"',
        '[^1]: a footnote is shown',
        'Unclosed <!-- comment hides the rest',
        'like this',
      ].join('\n'),
    );
    expect(text).toBe('Fix  the total.\n   bold \n\n[^1]: a footnote is shown\nUnclosed ');
    expect(hidden).toEqual([
      ' secret ',
      ' comment hides the rest\nlike this',
      'alt="src/a.ts" src="https://example.com/x.png"',
      '[ref]: src/b.ts "title"',
    ]);
  });

  it('keeps what only looks like a tag, and what GitHub shows although it is marked hidden', () => {
    for (const shown of [
      'if a < b and c > d',
      'a<b without an end',
      '<https://example.com> and <me@example.com>',
      '<src/a.ts>',
      'x <b (see src/a.ts)',
    ])
      expect(visibleText(shown)).toEqual({ text: shown, hidden: [] });
    // `hidden` and `style` are not on GitHub's attribute allowlist: the text stays on screen.
    expect(visibleText('<div hidden>src/a.ts</div>').text).toBe(' src/a.ts ');
    expect(visibleText('<p style="display:none">src/a.ts</p>').text).toBe(' src/a.ts ');
  });

  it('reads a quoted attribute to its end, whatever it holds', () => {
    const { text, hidden } = visibleText('<img alt="a > src/a.ts <b>" title=\'x\'>shown');
    expect(text).toBe(' shown');
    expect(hidden).toEqual(['alt="a > src/a.ts <b>" title=\'x\'']);
    // Raw HTML does not run across a blank line: there the `<` is text.
    expect(visibleText('<img alt="a\n\nsrc/a.ts">').hidden).toEqual([]);
  });

  it('takes empty comments as whole, and removes invisible characters', () => {
    expect(visibleText('a<!-->b<!--->c<!---->d')).toEqual({ text: 'abcd', hidden: [] });
    expect(
      visibleText('s\u200Brc/\u200C\u200D\u2060\uFEFF\u00ADa\u202E\u2066.ts\u{E0041}\uFE0F').text,
    ).toBe('src/a.ts');
  });

  it('stays fast on a hostile body', () => {
    const started = Date.now();
    for (const body of [
      '<a b="'.repeat(11_000),
      '<a b=\'<a c="'.repeat(6_000),
      `<a${' b'.repeat(30_000)}`,
      '<!--'.repeat(16_000),
      'a<b '.repeat(16_000),
    ])
      visibleText(body);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
