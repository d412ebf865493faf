// Opens an HTML report of the notebook host in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) and checks what a reader would see: no JavaScript error, every chart container drawn by plotly.js
// (one rendered plot per figure), every audio player loaded with its clip. Prints one line per finding and a summary;
// exit status 0 when the report works, 1 when it does not, 2 for bad arguments.
// --figure-shots DIR writes one PNG per figure (NN-ID.png, in page order), to look at each figure as a reader sees it.
//   node tests/browser/check-report.mjs REPORT.html [--screenshot FILE.png] [--figure-shots DIR] [--min-figures N] [--min-audio N]
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const report = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
if (!report || !existsSync(report)) { console.error(`usage: check-report.mjs REPORT.html [--screenshot FILE] [--figure-shots DIR] [--min-figures N] [--min-audio N] (no report at '${report}')`); process.exit(2); }
const minFigures = Number(option('--min-figures', '1'));
const minAudio = Number(option('--min-audio', '0'));
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// The flags this machine's Chromium needs headless as root, without its network chatter.
const browser = await chromium.launch({
  executablePath, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('pageerror', e => problems.push(`JavaScript error: ${e.message}`));
  page.on('console', m => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: 'load', timeout: 120_000 });

  // Every figure container has been drawn: plotly.js marks it and puts its SVG and at least one trace inside.
  const figures = await page.$$eval('div.parp-figure', divs => divs.map(d => ({
    id: d.id,
    drawn: d.classList.contains('js-plotly-plot') && d.querySelector('svg.main-svg') !== null,
    traces: d.querySelectorAll('g.trace, g.hm, g.imagelayer image, g.heatmaplayer *').length,
    width: d.getBoundingClientRect().width,
  })));
  for (const f of figures) {
    if (!f.drawn) problems.push(`figure ${f.id} was not drawn`);
    else if (f.traces === 0) problems.push(`figure ${f.id} was drawn with no trace`);
    else if (f.width < 100) problems.push(`figure ${f.id} is ${f.width}px wide`);
  }
  if (figures.length < minFigures) problems.push(`${figures.length} figure(s), expected at least ${minFigures}`);

  // Every audio player is there and Chromium reads its clip's duration.
  const audio = await page.$$eval('audio', players => Promise.all(players.map(a => new Promise(done => {
    const report = () => done({ duration: a.duration, error: a.error ? a.error.code : null, controls: a.controls });
    if (a.readyState >= 1 || a.error) report();
    else { a.addEventListener('loadedmetadata', report, { once: true }); a.addEventListener('error', report, { once: true }); a.load(); }
  }))));
  audio.forEach((a, i) => {
    if (a.error !== null) problems.push(`audio player ${i + 1} failed to load (MediaError ${a.error})`);
    else if (!(a.duration > 0)) problems.push(`audio player ${i + 1} has no duration`);
    else if (!a.controls) problems.push(`audio player ${i + 1} has no controls`);
  });
  if (audio.length < minAudio) problems.push(`${audio.length} audio player(s), expected at least ${minAudio}`);

  const screenshot = option('--screenshot');
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: false });
  const figureShots = option('--figure-shots');
  if (figureShots) {
    mkdirSync(figureShots, { recursive: true });
    const containers = await page.$$('div.parp-figure');
    for (const [i, div] of containers.entries()) {
      const id = (await div.getAttribute('id')) ?? 'figure';   // Playwright scrolls each one into view itself
      await div.screenshot({ path: join(figureShots, `${String(i + 1).padStart(2, '0')}-${id}.png`) });
    }
  }
  console.log(`report check: ${figures.filter(f => f.drawn).length} figure(s) drawn of ${figures.length}, ` +
    `${audio.filter(a => a.duration > 0).length} audio player(s) loaded of ${audio.length}, ${problems.length} problem(s)`);
} finally {
  await browser.close();
}
for (const p of problems) console.log(`  ${p}`);
process.exit(problems.length === 0 ? 0 : 1);
