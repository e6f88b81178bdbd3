// Sums jest JSON reports into the one closing line CI reads. A suite that failed to run (setup
// error, compile error) counts as a failure, so a run that executed nothing never looks green.
'use strict';
const fs = require('node:fs');

// Every report named on the command line was expected: a missing one means that tier crashed
// before reporting (e.g. its global setup failed), which counts as a failure.
let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) {
    console.error(`no report at ${file}: that test run did not finish`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
  if (!report.success && report.numFailedTests === 0 && report.numRuntimeErrorTestSuites === 0) failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
