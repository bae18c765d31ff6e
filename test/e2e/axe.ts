/**
 * axe-core in the e2e suite: audits the page as it is, in the light and the dark theme, and
 * records every violation (test-results/axe/<file>.json, the before/after figures of issue 22);
 * the caller fails on those of impact serious or critical.
 *
 * The app's Content-Security-Policy (`script-src 'self'`) forbids inline scripts, so axe is not
 * added as a <script>: Playwright's page.evaluate runs its source through the DevTools protocol,
 * which the page's CSP does not govern. Only the audit script bypasses the CSP; the app itself
 * still runs under it (no `bypassCSP` on the context).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { AxeResults, ImpactValue } from 'axe-core';
import { ROOT } from './fixtures';

const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const FAILING: ImpactValue[] = ['serious', 'critical'];
export type Theme = 'light' | 'dark';

export interface Finding {
  screen: string;
  theme: Theme;
  rule: string;
  impact: ImpactValue | null;
  targets: string[];
}

/** Everything found so far, written out by `writeAxeReport`. */
const found: { screen: string; theme: Theme; violations: Finding[] }[] = [];

/** One axe run over the whole document in the current theme. */
async function runAxe(page: Page, screen: string, theme: Theme): Promise<Finding[]> {
  await page.emulateMedia({ colorScheme: theme });
  // Transitions settled (a colour half-way through a fade is not what anyone reads).
  await page.waitForTimeout(200);
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(
    () =>
      (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<AxeResults> } }).axe.run(document, {
        resultTypes: ['violations'],
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      }),
  );
  const violations = results.violations.map((v) => ({ screen, theme, rule: v.id, impact: v.impact ?? null, targets: v.nodes.map((n) => n.target.join(' ')) }));
  found.push({ screen, theme, violations });
  return violations;
}

/**
 * Audits the page in the light and the dark theme (then back to light) and returns the serious
 * and critical violations of both, each printed as `theme rule (impact): targets`.
 */
export async function audit(page: Page, screen: string): Promise<string[]> {
  const out: string[] = [];
  for (const theme of ['dark', 'light'] as const) {
    for (const v of await runAxe(page, screen, theme)) {
      if (v.impact && FAILING.includes(v.impact)) out.push(`${screen} [${theme}] ${v.rule} (${v.impact}): ${v.targets.slice(0, 8).join(' | ')}${v.targets.length > 8 ? ` … ${v.targets.length} in all` : ''}`);
    }
  }
  return out;
}

/** Writes the violations found (every impact) to test-results/axe/<name>.json and a count by rule per screen to the console. */
export function writeAxeReport(name: string): void {
  const dir = path.join(ROOT, 'test-results', 'axe');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(found, null, 2));
  const lines = found.map(({ screen, theme, violations }) => {
    const byRule = violations.map((v) => `${v.rule} (${v.impact}, ${v.targets.length})`);
    return `${screen} [${theme}]: ${byRule.length ? byRule.join(', ') : 'none'}`;
  });
  if (process.env.VISAGE_AXE_REPORT) console.log(lines.join('\n'));
}
