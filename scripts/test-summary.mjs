// Prints one closing line for the whole suite from vitest's and Playwright's JSON reports.
import fs from 'node:fs';

const [vitestFile, e2eFile] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];

try {
  const v = JSON.parse(fs.readFileSync(vitestFile, 'utf8'));
  passed += v.numPassedTests;
  failed += v.numFailedTests + (v.numRuntimeErrors ?? 0);
  skipped += v.numPendingTests + v.numTodoTests;
} catch {
  missing.push('vitest');
}
try {
  const e = JSON.parse(fs.readFileSync(e2eFile, 'utf8'));
  passed += e.stats.expected;
  failed += e.stats.unexpected + e.stats.flaky;
  skipped += e.stats.skipped;
  if ((e.errors ?? []).length) failed += e.errors.length;
} catch {
  missing.push('playwright');
}
if (missing.length) console.log(`(no report from ${missing.join(' and ')}: counted as a failure)`);
console.log(`\ntotal: ${passed} passed, ${failed + missing.length} failed, ${skipped} skipped`);
process.exit(failed + missing.length > 0 ? 1 : 0);
