/**
 * GitHub-flavoured Markdown as people see it: what a reader of an issue body sees, and text
 * from an issue that we show in our own Markdown without letting it do anything there.
 */

/**
 * Characters that take no room on screen: zero-width space, non-joiner and joiner, word joiner
 * and invisible operators, soft hyphen, Mongolian vowel separator, byte order mark, bidi marks,
 * embeddings, overrides and isolates, variation selectors and Unicode tags. Between two letters
 * they leave a word that reads as one but does not compare as one.
 */
const INVISIBLE =
  /\u00AD|\u061C|\u180E|\u200B|\u200C|\u200D|\u200E|\u200F|[\u202A-\u202E]|[\u2060-\u2064]|[\u2066-\u2069]|[\uFE00-\uFE0F]|\uFEFF|[\u{E0000}-\u{E007F}]|[\u{E0100}-\u{E01EF}]/gu;

/**
 * An inline HTML tag as CommonMark reads one: a name, attributes (a quoted value may hold `>`
 * or `<`), then `>` or `/>`. Anything else starting with `<` (`a < b`, `<https://…>`) is text.
 * The grammar is unambiguous, so a failed match costs no more than the text it reads.
 */
const TAG =
  /<\/?[A-Za-z][A-Za-z0-9-]*((?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*)\s*\/?>/y;

/** `[label]: destination "title"` on a line of its own; a footnote (`[^1]: …`) is shown. */
const REFERENCE_DEFINITION =
  /^ {0,3}\[(?!\^)[^\]\n]{1,999}\]:[ \t]*\S+(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$/gm;

export interface VisibleText {
  /** The text with what GitHub does not show removed; a removed tag leaves a space. */
  text: string;
  /** What was removed that holds text (comment bodies, tag attributes, reference definitions). */
  hidden: string[];
}

/**
 * The text a reader of a rendered issue body sees. GitHub's published sanitizer allowlist
 * (html-pipeline's SanitizationFilter) drops HTML comments and every attribute it does not list,
 * among them `style`, `class`, `id` and `hidden`: so `<span hidden>` and `display:none` hide
 * nothing on GitHub, and their text is kept here. The attributes it keeps (`alt`, `title`,
 * `href`) are not text on the page, and link reference definitions render as nothing. So we drop
 * comments (an unclosed one hides the rest, as in an HTML block), tag markup with its attributes,
 * reference definitions and invisible characters. Where this reads differently from GitHub (a
 * tag inside a code span, say) it errs towards hiding: less text can only name fewer files.
 */
export function visibleText(markdown: string): VisibleText {
  const hidden: string[] = [];
  let text = withoutComments(markdown.replace(INVISIBLE, ''), hidden);
  // Inline HTML cannot span a blank line: each block is read on its own.
  text = text
    .split(/(\n[ \t]*\n)/)
    .map((block) => withoutTags(block, hidden))
    .join('');
  text = text.replace(REFERENCE_DEFINITION, (definition) => {
    hidden.push(definition.trim());
    return '';
  });
  return { text, hidden: hidden.filter((part) => part.trim() !== '') };
}

function withoutComments(text: string, hidden: string[]): string {
  let shown = '';
  let from = 0;
  for (let open = text.indexOf('<!--'); open >= 0; open = text.indexOf('<!--', from)) {
    shown += text.slice(from, open);
    // `<!-->` and `<!--->` are whole (empty) comments.
    const close = text.indexOf('-->', open + 2);
    const end = close < 0 ? text.length : close;
    hidden.push(text.slice(open + 4, Math.max(end, open + 4)));
    from = close < 0 ? text.length : close + 3;
  }
  return shown + text.slice(from);
}

function withoutTags(block: string, hidden: string[]): string {
  let shown = '';
  let from = 0;
  for (let open = block.indexOf('<'); open >= 0; open = block.indexOf('<', open + 1)) {
    TAG.lastIndex = open;
    const tag = TAG.exec(block);
    if (!tag) continue;
    shown += `${block.slice(from, open)} `;
    hidden.push(tag[1]!.trim());
    from = TAG.lastIndex;
    open = from - 1;
  }
  return shown + block.slice(from);
}

/** Inline Markdown punctuation, shown as itself when escaped with a backslash. */
const ACTIVE = /[\\`*_[\]<>!~&$]/g;

/**
 * Text from an issue or pull request (a title) made safe to show inline in our own Markdown:
 * a table cell or a list item. It cannot mention anyone (`@` is followed by a zero-width space,
 * which GitHub's mention and e-mail matching do not cross), link (`[x](url)`, `<https://…>`,
 * bare `https://` and `www.` addresses are broken the same way), embed an image or HTML, format
 * (backslash escapes), or break the structure around it (pipes, line breaks and other control
 * characters become spaces; invisible and bidi characters are removed). At most `maxChars`
 * characters are kept, counted as they are shown, with `…` when it was cut.
 */
export function safeInline(text: string, maxChars = 100): string {
  const characters = [
    ...text
      .replace(INVISIBLE, '')
      // eslint-disable-next-line no-control-regex -- control characters are what is replaced
      .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029|]/g, ' ')
      .trim(),
  ];
  const kept =
    characters.length > maxChars
      ? `${characters.slice(0, Math.max(maxChars - 1, 0)).join('')}…`
      : characters.join('');
  return kept
    .replace(ACTIVE, '\\$&')
    .replace(/@/g, '@\u200B')
    .replace(/:\/\//g, ':\u200B//')
    .replace(/\b(www)\./gi, '$1\u200B.');
}
