import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { assertNoTestSupport, packageChaincode, shippedFromDist } from './package-chaincode';
import { CHAINCODE_DIR } from './paths';

const filesBelow = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));

describe('what the chaincode package ships', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(path.join(tmpdir(), 'kiseki-package-'));
  });
  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('when a dist file is production code, then it ships; test support, tests and maps do not', () => {
    expect(shippedFromDist('index.js')).toBe(true);
    expect(shippedFromDist(path.join('ledger', 'keys.js'))).toBe(true);
    expect(shippedFromDist(path.join('shared', 'records.d.ts'))).toBe(true);
    expect(shippedFromDist(path.join('testing', 'memory-stub.js'))).toBe(false);
    expect(shippedFromDist(path.join('testing', 'provenance-fixtures.d.ts'))).toBe(false);
    expect(shippedFromDist(path.join('contracts', 'data.test.js'))).toBe(false);
    expect(shippedFromDist(path.join('contracts', 'data.js.map'))).toBe(false);
  });

  it('when a packaged dist holds test support or loads it, then packaging refuses, naming the files', () => {
    mkdirSync(path.join(work, 'testing'));
    mkdirSync(path.join(work, 'contracts'));
    writeFileSync(path.join(work, 'index.js'), 'require("./contracts/data");\n');
    writeFileSync(path.join(work, 'contracts', 'data.js'), 'exports.x = 1;\n');
    expect(() => {
      assertNoTestSupport(work);
    }).not.toThrow();

    writeFileSync(path.join(work, 'contracts', 'data.js'), 'const m = require("../testing/memory-stub");\n');
    expect(() => {
      assertNoTestSupport(work);
    }).toThrow(/contracts\/data\.js loads test support/);
    writeFileSync(path.join(work, 'contracts', 'data.js'), 'exports.x = 1;\n');
    writeFileSync(path.join(work, 'testing', 'memory-stub.js'), 'exports.x = 1;\n');
    expect(() => {
      assertNoTestSupport(work);
    }).toThrow(/testing\/memory-stub\.js is test support/);
  });

  // Packaging copies the production dependency closure: seconds on a busy machine.
  it('when the built chaincode is packaged, then the installed code has no test support and no tests', async () => {
    const dist = path.join(CHAINCODE_DIR, 'dist');
    // The workspace build does compile the test support (benchmarks and gateway tests use it).
    expect(existsSync(path.join(dist, 'testing', 'memory-stub.js'))).toBe(true);

    const pkg = await packageChaincode(path.join(work, 'build'), 'kiseki-probe');
    const shipped = filesBelow(path.join(work, 'build', 'code', 'src', 'dist'));
    expect(pkg.packageId).toMatch(/^kiseki-probe:[0-9a-f]{64}$/);
    expect(shipped).toContain('index.js');
    expect(shipped).toContain(path.join('ledger', 'keys.js'));
    expect(shipped.filter((file) => file.startsWith(`testing${path.sep}`) || /\.test\./.test(file))).toEqual([]);
  }, 120_000);
});
