// Sums jest JSON reports into the one closing line CI reads. A suite that failed to run (setup
// error, compile error) counts as a failure, so a run that executed nothing never looks green.
'use strict';
const fs = require('node:fs');

let passed = 0;
let failed = 0;
const files = process.argv.slice(2).filter((file) => fs.existsSync(file));
for (const file of files) {
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
}
if (files.length === 0) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
