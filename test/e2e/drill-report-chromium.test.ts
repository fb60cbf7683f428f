import { createRequire } from 'node:module';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { renderDrillHtml } from '../../src/drill/index.ts';
import { sampleReport } from '../../src/drill/testing.ts';

/**
 * The drill's HTML report in Debian's Chromium, headless, as an auditor opens it from the bucket:
 * no console error, no request anywhere, the timeline drawn, no accessibility violation that axe
 * rates serious; a screenshot is kept ($LIFEBOAT_DRILL_SCREENSHOT, default in the temp folder).
 */
const CHROMIUM = process.env['LIFEBOAT_CHROMIUM'] ?? '/usr/bin/chromium';
const SCREENSHOT = process.env['LIFEBOAT_DRILL_SCREENSHOT'] ?? join(tmpdir(), 'lifeboat-drill-report.png');

const failed = sampleReport({
  outcome: 'Failed',
  reasons: [
    '1 workload(s) not ready: Deployment shop/api',
    'volume data check failed for PVC shop/uploads, shop/web-0/uploads (2 path(s) differ)',
    'RTO 95.5 s exceeds the objective of 60 s',
  ],
  objectives: { rtoSeconds: 60 },
  workloads: [
    { kind: 'Deployment', namespace: 'shop', name: 'web', ready: true },
    {
      kind: 'Deployment',
      namespace: 'shop',
      name: 'api',
      ready: false,
      reason:
        'pod api-1 Pending; PodScheduled=False (Unschedulable: 0/1 nodes are available) <script>alert(1)</script>',
    },
  ],
  volumes: [
    {
      namespace: 'shop',
      pod: 'db-0',
      volume: 'data',
      snapshotID: 'k1f2',
      phase: 'Completed',
      bytesBackedUp: 5_242_880,
      bytesRestored: 5_242_880,
      pvc: 'db-data',
      checked: { files: 4, directories: 4, symlinks: 2, bytes: 5_242_880, mismatchCount: 0, mismatches: [] },
      ok: true,
    },
    {
      namespace: 'shop',
      pod: 'web-0',
      volume: 'uploads',
      snapshotID: 'k9a7',
      phase: 'Completed',
      bytesBackedUp: 1_048_576,
      bytesRestored: 1_048_576,
      pvc: 'uploads',
      checked: {
        files: 12,
        directories: 3,
        symlinks: 0,
        bytes: 1_048_576,
        mismatchCount: 2,
        mismatches: [
          { path: 'nested/big.bin', reason: 'content differs at byte 4096' },
          { path: 'index.html', reason: 'size 812, snapshot 810' },
        ],
      },
      ok: false,
      reason: '2 path(s) differ',
    },
  ],
  cleanup: {
    mode: 'cleaned',
    deleted: ['namespace/shop'],
    left: ['namespace/shop: still terminating after 300 s'],
  },
});

describe('the HTML drill report in Chromium', () => {
  it('renders without errors or requests, draws the timeline and passes axe', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => requests.push(r.url()));
      await page.setContent(renderDrillHtml(failed), { waitUntil: 'load' });
      expect(await page.title()).toBe(`DR drill ${failed.name}: Failed`);
      expect(await page.locator('svg rect').count()).toBe(failed.phases.length);
      expect(await page.locator('script').count()).toBe(0);
      expect(await page.locator('td', { hasText: '<script>alert(1)</script>' }).count()).toBe(1);
      // The data check: each volume's re-hash, and the paths that differ.
      expect(await page.locator('th', { hasText: 'Re-hashed' }).count()).toBe(1);
      expect(await page.locator('td', { hasText: '4 files, 5242880 bytes: all match' }).count()).toBe(1);
      expect(
        await page
          .locator('td', { hasText: '12 files, 1048576 bytes: 2 differ (nested/big.bin, index.html)' })
          .count(),
      ).toBe(1);
      const box = await page.locator('svg').boundingBox();
      expect(box?.width).toBeGreaterThan(500);
      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);

      const axeContext = await browser.newContext({ bypassCSP: true });
      const axePage = await axeContext.newPage();
      await axePage.setContent(renderDrillHtml(failed), { waitUntil: 'load' });
      const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
      await axePage.evaluate(axeSource);
      const violations = await axePage.evaluate(async () => {
        const axe = (
          globalThis as unknown as {
            axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> };
          }
        ).axe;
        return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact }));
      });
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
      await writeFile(`${SCREENSHOT}.axe.json`, JSON.stringify(violations, null, 2));
    } finally {
      await browser.close();
    }
  });
});
