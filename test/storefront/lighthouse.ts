import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM } from './browser.js';

export interface Scores {
  performance: number;
  accessibility: number;
  'best-practices': number;
  seo: number;
}

export interface LighthouseRunner {
  /** Lighthouse's default (mobile, simulated throttling) on one URL; scores 0–100 and the failing audits. */
  run(url: string, cookie?: string): Promise<{ scores: Scores; failing: string[] }>;
  close(): Promise<void>;
}

/** One Chromium for every Lighthouse run of a file (Lighthouse 12 drives it over the debugging port). */
export async function lighthouseRunner(): Promise<LighthouseRunner> {
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    async run(url, cookie) {
      const result = await lighthouse(
        url,
        { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'], ...(cookie ? { extraHeaders: { Cookie: cookie } } : {}) },
      );
      const lhr = result!.lhr;
      const score = (id: keyof Scores) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
      const failing = Object.values(lhr.audits)
        .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== 'informative' && a.scoreDisplayMode !== 'manual')
        .map((a) => `${a.id} (${a.displayValue ?? a.score})`);
      return { scores: { performance: score('performance'), accessibility: score('accessibility'), 'best-practices': score('best-practices'), seo: score('seo') }, failing };
    },
    async close() {
      chrome.kill();
    },
  };
}
