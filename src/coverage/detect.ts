import type { CoverageFormat } from './types.js';

/** How many leading characters detection needs; parsers stream the rest. */
export const DETECTION_HEAD_LENGTH = 16 * 1024;

/**
 * Tells the format from a report's first characters (about the first 16 KB), with the file name as
 * a fallback when the content is not enough (an empty file, a JSON object with no entries).
 */
export function detectFormat(head: string, fileName?: string): CoverageFormat | undefined {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (/^mode: (set|count|atomic)\b/.test(text)) return 'go';
  if (/^(TN|SF|VER):/m.test(text.slice(0, 4096))) return 'lcov';
  if (text.startsWith('<')) {
    const root = /<(coverage|report)\b([^>]*)>?/.exec(text.replace(/<!--[\s\S]*?-->/g, ''));
    if (root?.[1] === 'report' || /<!DOCTYPE report\b/.test(text)) return 'jacoco';
    if (root?.[1] === 'coverage') {
      if (/\bclover=|<project\b/.test(text)) return 'clover';
      if (/\b(line-rate|lines-valid|filename)=|<sources>|<packages>/.test(text)) return 'cobertura';
    }
  }
  if (text.startsWith('{')) {
    if (/^\{\s*"total"\s*:\s*\{\s*"(lines|statements|functions|branches)"/.test(text))
      return 'istanbul-summary';
    if (/"(statementMap|fnMap|branchMap)"\s*:/.test(text)) return 'istanbul-final';
  }
  return detectFromName(fileName);
}

function detectFromName(fileName: string | undefined): CoverageFormat | undefined {
  const base = (fileName ?? '').replace(/\\/g, '/').split('/').pop()!.toLowerCase();
  if (base === 'lcov.info' || base.endsWith('.lcov')) return 'lcov';
  if (base === 'coverage-summary.json') return 'istanbul-summary';
  if (base === 'coverage-final.json') return 'istanbul-final';
  if (base === 'cobertura-coverage.xml' || base === 'cobertura.xml') return 'cobertura';
  if (base === 'clover.xml') return 'clover';
  if (base === 'jacoco.xml' || base === 'jacocotestreport.xml') return 'jacoco';
  if (base === 'coverage.out' || base === 'cover.out' || base.endsWith('.coverprofile'))
    return 'go';
  return undefined;
}
