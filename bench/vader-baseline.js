#!/usr/bin/env node
/* SPDX-License-Identifier: MIT */
/*
 * Baseline for bench/tone-eval: scores the English items of the tone
 * development set with npm's vader-sentiment and records the scores, so the
 * C bench and the test suite compare against VADER without needing npm.
 *
 *   npm install --prefix /tmp/vader vader-sentiment@1.1.3
 *   NODE_PATH=/tmp/vader/node_modules node bench/vader-baseline.js \
 *       [tests/tone/dev.tsv [tests/tone/vader-baseline.tsv]]
 *
 * Output, one row per English item:
 *   line<TAB>compound<TAB>label<TAB>fnv1a
 * line: the item's line number in dev.tsv (the header is line 1);
 * compound: VADER's compound score; label: neg (<= -0.05), pos (>= 0.05),
 * else neu (VADER's usual thresholds); fnv1a: 32-bit FNV-1a of the item's
 * text field as written in dev.tsv, so tone-eval notices a stale baseline.
 * VADER reads the raw text (quoted replies and signatures included): it has
 * no clean-up step of its own.
 */
'use strict';

const fs = require('fs');
const path = require('path');

function loadVader() {
  const candidates = ['vader-sentiment'];
  if (process.env.VADER_PREFIX)
    candidates.push(path.join(process.env.VADER_PREFIX, 'node_modules', 'vader-sentiment'));
  candidates.push('/tmp/vader/node_modules/vader-sentiment');
  for (const c of candidates) {
    try {
      return { mod: require(c), dir: path.dirname(require.resolve(c + '/package.json')) };
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  process.stderr.write(
    'vader-baseline: cannot find the vader-sentiment package; install it with\n' +
      '  npm install --prefix /tmp/vader vader-sentiment@1.1.3\n' +
      'and run with NODE_PATH=/tmp/vader/node_modules (or VADER_PREFIX=/tmp/vader)\n'
  );
  process.exit(1);
}

/* The escapes of dev.tsv: \n newline, \t tab, \\ backslash. */
function unescapeText(s) {
  return s.replace(/\\(n|t|\\)/g, (m, c) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

function fnv1a(s) {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return ('00000000' + h.toString(16)).slice(-8);
}

function main() {
  const root = path.resolve(__dirname, '..');
  const devPath = process.argv[2] || path.join(root, 'tests', 'tone', 'dev.tsv');
  const outPath = process.argv[3] || path.join(root, 'tests', 'tone', 'vader-baseline.tsv');
  const { mod, dir } = loadVader();
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  const analyzer = mod.SentimentIntensityAnalyzer;

  const lines = fs.readFileSync(devPath, 'utf8').split('\n');
  const out = [
    '# vader-sentiment ' + version + ' on the English items of tests/tone/dev.tsv;',
    '# regenerate with bench/vader-baseline.js (see bench/README.md), never by hand.',
    'line\tcompound\tlabel\tfnv1a',
  ];
  let n = 0;
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const l = raw.replace(/\r$/, '');
    if (lineNo === 1 || l === '' || l.startsWith('#')) return;
    const f = l.split('\t');
    if (f.length !== 4) {
      process.stderr.write(`${devPath}:${lineNo}: expected 4 tab-separated fields\n`);
      process.exit(1);
    }
    if (f[0] !== 'en') return;
    const c = analyzer.polarity_scores(unescapeText(f[3])).compound;
    const label = c >= 0.05 ? 'pos' : c <= -0.05 ? 'neg' : 'neu';
    out.push(`${lineNo}\t${c.toFixed(4)}\t${label}\t${fnv1a(f[3])}`);
    n++;
  });
  fs.writeFileSync(outPath, out.join('\n') + '\n');
  process.stderr.write(`vader-baseline: ${n} English items scored, wrote ${outPath}\n`);
}

main();
