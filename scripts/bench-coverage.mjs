#!/usr/bin/env node
// Measures coverage parsing: generates a 100 MB lcov report and a 100 MB Cobertura report in a
// temporary folder, then parses each in a child process of its own (so that each peak RSS is the
// parser's alone) with our streaming parsers and, for lcov, with lcov-parse, the most used npm
// lcov parser. Prints throughput (MB/s) and peak RSS; asserts nothing.
// Run through `npm run bench:coverage`, which compiles the sources into build/ first.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const MB = 1024 * 1024;
const TARGET_BYTES = 100 * MB;

/** Writes text produced by `nextFile(i)` until the file reaches the target size. */
function generate(path, { header, nextFile, footer }) {
  const fd = openSync(path, 'w');
  let written = writeSync(fd, header);
  for (let i = 0; written < TARGET_BYTES; i++) written += writeSync(fd, nextFile(i));
  writeSync(fd, footer);
  closeSync(fd);
}

/** A file's shape, the same for both formats: 400 lines, 70% executable, a branch every 6. */
function* sourceLines(i) {
  for (let line = 1; line <= 400; line++) {
    if ((line * 7 + i) % 10 >= 7) continue;
    const hits = (line + i) % 5 === 0 ? 0 : ((line * 31 + i) % 97) + 1;
    const branch = line % 6 === 0 ? [hits > 0 ? 1 : 0, (line + i) % 4 === 0 ? 0 : 3] : undefined;
    yield { line, hits, branch };
  }
}

function lcovFile(i) {
  const parts = [`TN:\nSF:/home/runner/work/app/app/src/module${i % 50}/file${i}.ts\n`];
  for (let f = 0; f < 20; f++) parts.push(`FN:${f * 20 + 1},function${f}InFile${i}\n`);
  for (let f = 0; f < 20; f++) parts.push(`FNDA:${(f * i) % 7},function${f}InFile${i}\n`);
  parts.push('FNF:20\nFNH:17\n');
  let lf = 0;
  let lh = 0;
  let brf = 0;
  let brh = 0;
  const branches = [];
  for (const { line, hits, branch } of sourceLines(i)) {
    parts.push(`DA:${line},${hits}\n`);
    lf++;
    if (hits > 0) lh++;
    if (branch) {
      branch.forEach((taken, b) => branches.push(`BRDA:${line},0,${b},${hits ? taken : '-'}\n`));
      brf += 2;
      brh += branch.filter((taken) => hits && taken > 0).length;
    }
  }
  parts.push(...branches, `BRF:${brf}\nBRH:${brh}\nLF:${lf}\nLH:${lh}\nend_of_record\n`);
  return parts.join('');
}

function coberturaFile(i) {
  const parts = [
    `<class name="file${i}.ts" filename="src/module${i % 50}/file${i}.ts" line-rate="0.8" branch-rate="0.5"><methods/><lines>\n`,
  ];
  for (const { line, hits, branch } of sourceLines(i)) {
    if (branch) {
      const covered = branch.filter((taken) => taken > 0).length;
      parts.push(
        `<line number="${line}" hits="${hits}" branch="true" condition-coverage="${covered * 50}% (${covered}/2)"/>\n`,
      );
    } else parts.push(`<line number="${line}" hits="${hits}"/>\n`);
  }
  parts.push('</lines></class>\n');
  return parts.join('');
}

async function child(parser, format, file) {
  const started = performance.now();
  let summary;
  if (parser === 'lcov-parse') {
    const parse = createRequire(import.meta.url)('lcov-parse');
    const records = await new Promise((resolve, reject) =>
      parse(file, (error, data) => (error ? reject(new Error(error)) : resolve(data))),
    );
    summary = { files: records.length, lines: records.reduce((sum, r) => sum + r.lines.found, 0) };
  } else {
    const { parseCoverageFile, totals } = await import('../build/coverage/index.js');
    const report = await parseCoverageFile(file, { format, root: '/home/runner/work/app/app' });
    summary = { files: report.files.size, lines: totals(report).lines.total };
  }
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in KB
  console.log(JSON.stringify({ seconds, peakRssMb, ...summary }));
}

function measure(parser, format, file) {
  const output = execFileSync(
    process.execPath,
    [
      '--max-old-space-size=8192',
      new URL(import.meta.url).pathname,
      '--child',
      parser,
      format,
      file,
    ],
    { encoding: 'utf8', maxBuffer: 16 * MB },
  );
  const result = JSON.parse(output.trim().split('\n').pop());
  const size = statSync(file).size / MB;
  return { parser, format, sizeMb: size, mbPerSecond: size / result.seconds, ...result };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ai-scrum-bench-coverage-'));
  try {
    const lcov = join(dir, 'lcov.info');
    const cobertura = join(dir, 'cobertura.xml');
    let t0 = performance.now();
    generate(lcov, { header: '', nextFile: lcovFile, footer: '' });
    generate(cobertura, {
      header:
        '<?xml version="1.0" ?>\n<coverage version="1" timestamp="0">\n<sources><source>/home/runner/work/app/app</source></sources>\n<packages><package name="app"><classes>\n',
      nextFile: coberturaFile,
      footer: '</classes></package></packages></coverage>\n',
    });
    console.log(
      `generated both reports in ${((performance.now() - t0) / 1000).toFixed(1)} s in ${dir}`,
    );
    const runs = [
      ['ours', 'lcov', lcov],
      ['lcov-parse', 'lcov', lcov],
      ['ours', 'cobertura', cobertura],
    ];
    const rows = [];
    for (const [parser, format, file] of runs) {
      t0 = performance.now();
      rows.push(measure(parser, format, file));
    }
    console.log('\nparser       format      size MB   MB/s   peak RSS MB   files   lines');
    for (const r of rows)
      console.log(
        `${r.parser.padEnd(12)} ${r.format.padEnd(10)} ${r.sizeMb.toFixed(1).padStart(8)} ${r.mbPerSecond.toFixed(1).padStart(6)} ${r.peakRssMb.toFixed(0).padStart(13)} ${String(r.files).padStart(7)} ${String(r.lines).padStart(8)}`,
      );
    const ours = rows.find((r) => r.parser === 'ours' && r.format === 'lcov');
    const theirs = rows.find((r) => r.parser === 'lcov-parse');
    console.log(
      `\nlcov: ours ${(ours.mbPerSecond / theirs.mbPerSecond).toFixed(1)}x lcov-parse's throughput, ` +
        `${(theirs.peakRssMb / ours.peakRssMb).toFixed(1)}x less peak memory`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4], process.argv[5]);
else await main();
