import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * The browser tier: Debian's Chromium (installed from the Debian package when missing; the project
 * never downloads a browser of its own), driven by playwright-core, one browser per suite.
 */

export const ROOT = resolve(__dirname, '..', '..', '..');
export const SHOTS = join(ROOT, 'docs', 'console');
const CHROMIUM = '/usr/bin/chromium';

/** Japanese glyphs for the screenshots (Debian's IPA Gothic font). */
const JAPANESE_FONT = '/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf';

/** Installs Debian's chromium package (and a Japanese font) when missing; the machines run as root. */
export function ensureChromium(): void {
  const missing = [...(existsSync(CHROMIUM) ? [] : ['chromium']), ...(existsSync(JAPANESE_FONT) ? [] : ['fonts-ipafont-gothic'])];
  if (missing.length === 0) return;
  const apt = (args: string[]): void => {
    execFileSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  try {
    apt(['install', '-y', ...missing]);
  } catch {
    apt(['update']);
    apt(['install', '-y', ...missing]);
  }
}

/** Builds the console so every gateway started by the tests serves the current sources. */
export function buildConsole(): void {
  execFileSync('npm', ['run', 'build', '-w', 'console'], { cwd: ROOT, stdio: 'ignore' });
}

export async function launchBrowser(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright gives each launch a fresh, empty profile directory; these flags keep Chromium off the
    // network it cannot reach here (background services, component updates, sync).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function newContext(browser: Browser, options: { bypassCSP?: boolean; locale?: string } = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1200, height: 900 }, ignoreHTTPSErrors: true, ...options });
}

/** Opens the console with an API key already in session storage (as after signing in). */
export async function openSignedIn(context: BrowserContext, base: string, key: string | undefined, hash: string): Promise<Page> {
  const page = await context.newPage();
  if (key !== undefined) {
    await page.addInitScript((k) => {
      sessionStorage.setItem('kiseki.apiKey', k);
    }, key);
  }
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

export interface LoadFigures {
  page: string;
  transferredKiB: number;
  requests: number;
  domContentLoadedMs: number;
  interactiveMs: number;
}

/**
 * Loads a page cold and measures what it costs: bytes transferred (headers and bodies of every
 * response, as received), and time to interactive (the console's `kiseki-interactive` mark: the shell
 * is drawn, the key checked and the first page rendered).
 */
export async function measureLoad(
  browser: Browser,
  base: string,
  key: string | undefined,
  hash: string,
  name: string,
): Promise<LoadFigures> {
  // A context of its own: an empty cache, as on a first visit.
  const context = await newContext(browser);
  const page = await context.newPage();
  if (key !== undefined) {
    await page.addInitScript((k) => {
      sessionStorage.setItem('kiseki.apiKey', k);
    }, key);
  }
  const sizes: Promise<number>[] = [];
  page.on('requestfinished', (request) => {
    sizes.push(request.sizes().then((s) => s.responseBodySize + s.responseHeadersSize));
  });
  await page.goto(`${base}/${hash}`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForLoadState('networkidle');
  const timing = await page.evaluate(() => {
    // Runs in the page; the test's compiler has no DOM types.
    const nav = performance.getEntriesByType('navigation' as never)[0] as unknown as { domContentLoadedEventEnd: number } | undefined;
    const mark = performance.getEntriesByName('kiseki-interactive')[0];
    return { dcl: nav?.domContentLoadedEventEnd ?? 0, tti: mark?.startTime ?? 0 };
  });
  const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
  await context.close();
  return {
    page: name,
    transferredKiB: Math.round((bytes / 1024) * 10) / 10,
    requests: sizes.length,
    domContentLoadedMs: Math.round(timing.dcl),
    interactiveMs: Math.round(timing.tti),
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Runs axe-core on the page; returns the serious and critical violations (rule id and targets). */
export async function seriousViolations(page: Page): Promise<{ id: string; impact: string; targets: string[] }[]> {
  await page.addScriptTag({ content: readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') });
  const result = await page.evaluate(async () => {
    const page = globalThis as unknown as {
      document: unknown;
      axe: {
        run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }>;
      };
    };
    return page.axe.run(page.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact ?? '', targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
}
