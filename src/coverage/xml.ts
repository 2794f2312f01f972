import { SaxesParser } from 'saxes';
import { CoverageError } from './errors.js';
import { decodeUtf8, type ParseContext, type ReportInput } from './input.js';

/** What a format's reader does with the elements of an XML report, as they stream past. */
export interface XmlReader {
  /** `path` holds the names of the open ancestors, outermost first, not the element itself. */
  open(name: string, attributes: Record<string, string>, path: readonly string[]): void;
  close?(name: string, path: readonly string[]): void;
  text?(text: string, path: readonly string[]): void;
}

/** Where the reader is, so that its own errors name the line too. */
export interface XmlPosition {
  fail(reason: string): never;
}

/**
 * Streams an XML report through saxes (no DOM: a 100 MB report never sits whole in memory).
 * Returns false for an empty or blank input, which is an empty report rather than an error.
 */
export async function readXml(
  input: ReportInput,
  context: ParseContext,
  makeReader: (position: XmlPosition) => XmlReader,
): Promise<boolean> {
  const parser = new SaxesParser({ position: true });
  const fail = (reason: string): never => {
    throw new CoverageError(context.name, { line: parser.line, column: parser.column }, reason);
  };
  const reader = makeReader({ fail });
  const path: string[] = [];
  parser.on('opentag', (tag) => {
    reader.open(tag.name, tag.attributes as Record<string, string>, path);
    path.push(tag.name);
  });
  parser.on('closetag', (tag) => {
    path.pop();
    reader.close?.(tag.name, path);
  });
  if (reader.text) {
    const onText = reader.text.bind(reader);
    parser.on('text', (text) => onText(text, path));
  }
  let content = false;
  const run = (step: () => void) => {
    try {
      step();
    } catch (error) {
      if (error instanceof CoverageError) throw error;
      // saxes puts "line:column: " before its own reason; ours says where already.
      const reason = String((error as Error).message).replace(/^[^:]*:\d+:\d+: /, '');
      fail(`not well-formed XML: ${reason}`);
    }
  };
  for await (const text of decodeUtf8(input)) {
    if (!content && text.trim() === '') continue;
    content = true;
    run(() => parser.write(text));
  }
  if (!content) return false;
  run(() => parser.close());
  return true;
}

/** A whole, non-negative number from an attribute, or a clear error naming it. */
export function countAttribute(
  attributes: Record<string, string>,
  name: string,
  element: string,
  position: XmlPosition,
): number {
  const raw = attributes[name];
  if (raw === undefined) return position.fail(`<${element}> has no ${name} attribute`);
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0)
    return position.fail(`<${element}> ${name}="${raw}" is not a count`);
  return value;
}

/** A line number attribute: a whole number from 1. */
export function lineAttribute(
  attributes: Record<string, string>,
  name: string,
  element: string,
  position: XmlPosition,
): number {
  const value = countAttribute(attributes, name, element, position);
  if (!Number.isSafeInteger(value) || value < 1)
    return position.fail(`<${element}> ${name}="${attributes[name]}" is not a line number`);
  return value;
}

/** Totals a report states in two attributes, when it has both and they are counts. */
export function statedPair(
  attributes: Record<string, string>,
  coveredName: string,
  totalName: string,
): { covered: number; total: number } | undefined {
  const covered = Number(attributes[coveredName]);
  const total = Number(attributes[totalName]);
  if (attributes[coveredName] === undefined || attributes[totalName] === undefined)
    return undefined;
  return Number.isFinite(covered) && Number.isFinite(total) ? { covered, total } : undefined;
}
