import { describe, expect, it } from '@jest/globals';
import { safeInline, visibleText } from '../src/markdown.js';

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

describe('inline text in our own Markdown', () => {
  it('leaves ordinary titles as they are', () => {
    expect(safeInline('Cart rounding')).toBe('Cart rounding');
    expect(safeInline('Fix #12: totals (v2.1), 50% off')).toBe('Fix #12: totals (v2.1), 50% off');
  });

  it('cannot mention anyone', () => {
    expect(safeInline('ping @alice and @acme/security')).toBe(
      'ping @\u200Balice and @\u200Bacme/security',
    );
    expect(safeInline('mail me@example.com')).toBe('mail me@\u200Bexample.com');
    // An entity would turn back into `@` after parsing: `&` is escaped, so it is shown as written.
    expect(safeInline('&#64;alice')).toBe('\\&#64;alice');
  });

  it('cannot link, embed an image or HTML', () => {
    expect(safeInline('[click](https://evil.example/x)')).toBe(
      '\\[click\\](https:\u200B//evil.example/x)',
    );
    expect(safeInline('![pixel](https://evil.example/p.png)')).toBe(
      '\\!\\[pixel\\](https:\u200B//evil.example/p.png)',
    );
    expect(safeInline('<https://evil.example> <img src=x onerror=alert(1)>')).toBe(
      '\\<https:\u200B//evil.example\\> \\<img src=x onerror=alert(1)\\>',
    );
    expect(safeInline('see https://evil.example and WWW.evil.example')).toBe(
      'see https:\u200B//evil.example and WWW\u200B.evil.example',
    );
    expect(safeInline('[ref]: https://evil.example')).toBe('\\[ref\\]: https:\u200B//evil.example');
  });

  it('cannot format or break the table, the list or the line around it', () => {
    expect(safeInline('a | b\nc\r\n| d')).toBe('a   b c    d');
    expect(safeInline('`code` *em* _em_ ~~del~~ $x$ \\')).toBe(
      '\\`code\\` \\*em\\* \\_em\\_ \\~\\~del\\~\\~ \\$x\\$ \\\\',
    );
    expect(safeInline('tab\there\u2028and\u0000nul\u0085')).toBe('tab here and nul');
    expect(safeInline('right-to-left \u202Eevil\u202C text\u200B')).toBe('right-to-left evil text');
  });

  it('keeps at most maxChars characters as shown, escapes not counted, never half a character', () => {
    expect(safeInline('abcdef', 4)).toBe('abc…');
    expect(safeInline('<<<<<<', 4)).toBe('\\<\\<\\<…');
    expect(safeInline('😀😀😀😀😀', 3)).toBe('😀😀…');
    expect(safeInline('x'.repeat(1000))).toHaveLength(100);
  });
});
