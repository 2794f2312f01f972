import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseClover } from './clover.js';
import { parseCobertura } from './cobertura.js';
import { detectFormat, DETECTION_HEAD_LENGTH } from './detect.js';
import { CoverageError } from './errors.js';
import type { Parser, ReportInput } from './input.js';
import { parseGo } from './go.js';
import { parseIstanbulFinal, parseIstanbulSummary } from './istanbul.js';
import { parseJacoco } from './jacoco.js';
import { parseLcov } from './lcov.js';
import {
  COVERAGE_FORMATS,
  type CoverageFormat,
  type CoverageReport,
  type ParseOptions,
} from './types.js';

const PARSERS: Record<CoverageFormat, Parser> = {
  lcov: parseLcov,
  cobertura: parseCobertura,
  clover: parseClover,
  'istanbul-summary': parseIstanbulSummary,
  'istanbul-final': parseIstanbulFinal,
  jacoco: parseJacoco,
  go: parseGo,
};

export function isCoverageFormat(name: string): name is CoverageFormat {
  return (COVERAGE_FORMATS as readonly string[]).includes(name);
}

/**
 * Parses a report as it streams in. Without a format, the first 16 KB decide it; an empty input is
 * a report with no files, whatever its format.
 */
export async function parseCoverageStream(
  stream: NodeJS.ReadableStream | AsyncIterable<string | Buffer>,
  options: ParseOptions & { name: string },
): Promise<CoverageReport> {
  const { format: requested, ...context } = options;
  const chunks = asBuffers(stream as AsyncIterable<string | Buffer>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  let format = requested;
  if (format === undefined) {
    for (;;) {
      const next = await chunks.next();
      if (next.done) break;
      head.push(next.value);
      headLength += next.value.length;
      if (headLength >= DETECTION_HEAD_LENGTH) break;
    }
    const headText = Buffer.concat(head).toString(
      'utf8',
      0,
      Math.min(headLength, DETECTION_HEAD_LENGTH),
    );
    if (headText.trim() === '')
      return { format: detectFormat('', options.name) ?? 'lcov', files: new Map() };
    format = detectFormat(headText, options.name);
    if (format === undefined)
      throw new CoverageError(
        options.name,
        undefined,
        `not a coverage report this reads (${COVERAGE_FORMATS.join(', ')}); pass the format if it is one`,
      );
  }
  const parser = PARSERS[format];
  if (!parser)
    throw new CoverageError(options.name, undefined, `${format} reports are not read yet`);
  return parser(replay(head, chunks), context);
}

/** Parses a report held as text (small reports, tests). */
export function parseCoverageText(
  text: string,
  options: ParseOptions & { name: string },
): Promise<CoverageReport> {
  return parseCoverageStream(
    (async function* () {
      yield text;
    })(),
    options,
  );
}

/**
 * Parses a report file as a stream. `root` defaults to the working directory, where a workflow's
 * checkout is, and Cobertura's source roots and Go's module path are looked up under it.
 */
export async function parseCoverageFile(
  file: string,
  options: ParseOptions = {},
): Promise<CoverageReport> {
  const root = resolve(options.root ?? process.cwd());
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  const opened = new Promise<void>((ready, failed) => {
    stream.once('open', () => ready());
    stream.once('error', failed);
  });
  try {
    await opened;
  } catch (error) {
    throw new CoverageError(file, undefined, `cannot read the report: ${(error as Error).message}`);
  }
  try {
    return await parseCoverageStream(stream, {
      goModule: options.goModule ?? goModuleAt(root),
      fileExists: (repoPath) => existsSync(join(root, repoPath)),
      ...options,
      root,
      name: file,
    });
  } finally {
    stream.destroy();
  }
}

function goModuleAt(root: string): string | undefined {
  try {
    return /^module\s+(\S+)/m.exec(readFileSync(join(root, 'go.mod'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

async function* asBuffers(stream: AsyncIterable<string | Buffer>): ReportInput {
  for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

async function* replay(head: Buffer[], rest: AsyncIterator<Buffer>): ReportInput {
  yield* head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}
