// Browser tests of faultline's HTML reports and `faultline serve`, in Debian's chromium
// (headless, no network) driven over the DevTools protocol by puppeteer-core.
//   node report_browser_test.js --chrome PATH --out DIR --serve URL     (the ctest run)
//   node report_browser_test.js --chrome PATH --out DIR --bench PAGE    (first-screen time)
// Every page: key elements exist, the console has no errors, nothing is fetched beyond the
// page itself (file:// or the local server). Screenshots are written to DIR.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const puppeteer = require('puppeteer-core');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
let failures = 0;
function check(cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) failures++;
}

async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fl-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: args.chrome,
    headless: false,  // the flag below: Debian's chromium, its own headless mode
    pipe: true,
    protocolTimeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', '--proxy-server=http://127.0.0.1:9', `--user-data-dir=${profile}`,
      '--window-size=1280,900'],
  });
  return {browser, profile};
}

// A page that records console errors and every request it makes.
async function open(browser, url) {
  const page = await browser.newPage();
  await page.setViewport({width: 1280, height: 900});
  const errors = [], requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url, {waitUntil: 'load', timeout: 30000});
  return {page, errors, requests};
}

function onlyLocal(requests, base) {
  return requests.every((u) => u.startsWith('file://') || u.startsWith('data:') || (base && u.startsWith(base)));
}

async function reportBasics(p, name) {
  const {page} = p;
  await page.waitForFunction(() => document.getElementById('timeline').dataset.drawn !== undefined, {timeout: 20000});
  check(await page.$('header h1') !== null, `${name}: header`);
  check(await page.$('#reproduce') !== null, `${name}: reproduce command`);
  check(await page.$('#tl-canvas') !== null, `${name}: timeline canvas`);
  const drawn = await page.$eval('#timeline', (e) => +e.dataset.drawn);
  check(drawn > 0, `${name}: timeline drew ${drawn} ops`);
  check(await page.$('svg.plot[aria-label="latency over time"]') !== null, `${name}: latency plot`);
  check(await page.evaluate(() => window.__xss === undefined), `${name}: no script injected by history values`);
}

async function validReport(browser) {
  const p = await open(browser, 'file://' + path.join(args.out, 'valid.html'));
  await reportBasics(p, 'valid');
  check(await p.page.$$eval('.verdict.v-valid', (e) => e.length) >= 1, 'valid: a valid verdict');
  check(await p.page.$('.verdict.v-invalid') === null, 'valid: no invalid verdict');
  check(await p.page.$('li.anomaly') === null, 'valid: no anomalies listed');
  // Hover an op: the tooltip shows its details.
  const rect = await p.page.evaluate(() => {
    const ops = JSON.parse(document.getElementById('fl-data').textContent).ops;
    for (const o of ops) { const r = window.faultlineReport.opRect(o[5]); if (r && r.h > 3) return r; }
    return null;
  });
  check(rect !== null, 'valid: an op is on the first screen');
  if (rect) {
    await p.page.mouse.move(rect.x + rect.w / 2, rect.y + rect.h / 2);
    const tip = await p.page.$eval('#tl-tip', (e) => (e.hidden ? '' : e.textContent));
    check(tip.includes('history index'), 'valid: hovering an op shows its details');
  }
  await p.page.screenshot({path: path.join(args.out, 'valid.png')});
  check(p.errors.length === 0, 'valid: no console errors ' + JSON.stringify(p.errors));
  check(onlyLocal(p.requests), 'valid: fetched nothing ' + JSON.stringify(p.requests.slice(0, 5)));
  await p.page.close();
}

async function invalidReport(browser) {
  const p = await open(browser, 'file://' + path.join(args.out, 'invalid.html'));
  const {page} = p;
  await reportBasics(p, 'invalid');
  check(await page.$('.verdict.v-invalid') !== null, 'invalid: an invalid verdict');
  check(await page.$('#linearizability .failing') !== null, 'invalid: the op that cannot be placed');
  const anomalies = await page.$$('li.anomaly');
  check(anomalies.length >= 1, `invalid: ${anomalies.length} anomalies listed`);
  const text = await page.$eval('li.anomaly', (e) => e.textContent);
  check(text.includes('</script><script>window.__xss=1</script>'), 'invalid: markup in a key shown as text');
  await page.screenshot({path: path.join(args.out, 'invalid.png')});
  const want = await page.$eval('li.anomaly', (e) => e.dataset.ops.split(' ').map(Number).sort((a, b) => a - b).join(','));
  await page.click('li.anomaly .aexpl');
  await page.waitForFunction(() => (document.getElementById('timeline').dataset.highlight || '') !== '', {timeout: 10000});
  const got = await page.$eval('#timeline', (e) => e.dataset.highlight);
  check(got === want, `invalid: clicking the anomaly highlights its ops (${got} vs ${want})`);
  const first = +want.split(',')[0];
  const onScreen = await page.evaluate((ix) => window.faultlineReport.opRect(ix) !== null, first);
  check(onScreen, 'invalid: the timeline scrolled to the anomaly\'s first op');
  const top = await page.$eval('#timeline-section', (e) => e.getBoundingClientRect().top);
  check(Math.abs(top) < 5, 'invalid: the page scrolled to the timeline');
  await page.screenshot({path: path.join(args.out, 'invalid-timeline.png')});
  check(p.errors.length === 0, 'invalid: no console errors ' + JSON.stringify(p.errors));
  check(onlyLocal(p.requests), 'invalid: fetched nothing');
  await page.close();
}

async function cycleReport(browser) {
  const p = await open(browser, 'file://' + path.join(args.out, 'cycle.html'));
  const {page} = p;
  await reportBasics(p, 'cycle');
  check(await page.$('#cycles .graph svg') !== null, 'cycle: Graphviz diagram inline');
  check(await page.$$eval('#cycles table.edges tr', (r) => r.length) >= 3, 'cycle: edges explained');
  await page.click('#cycles .graph svg a');
  await page.waitForFunction(() => (document.getElementById('timeline').dataset.highlight || '') !== '', {timeout: 10000});
  check(true, 'cycle: clicking a diagram node highlights its op');
  await page.evaluate(() => document.getElementById('cycles').scrollIntoView());
  await page.screenshot({path: path.join(args.out, 'cycle.png')});
  check(p.errors.length === 0, 'cycle: no console errors ' + JSON.stringify(p.errors));
  await page.close();
}

function rawGet(base, target) {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = http.request({host: u.hostname, port: u.port, path: target, method: 'GET'}, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function serveIndex(browser) {
  const base = args.serve;
  const p = await open(browser, base);
  const {page} = p;
  const rows = await page.$$eval('#runs tr.run', (r) => r.length);
  check(rows === 2, `serve: index lists ${rows} runs`);
  const order = await page.$$eval('#runs tr.run td:first-child', (c) => c.map((x) => x.textContent));
  check(order[0] > order[1], 'serve: newest first');
  check(await page.$('tr.r-invalid') !== null && await page.$('tr.r-valid') !== null, 'serve: rows coloured by verdict');
  await page.screenshot({path: path.join(args.out, 'serve-index.png')});
  await page.select('select[data-col="verdict"]', 'invalid');
  const visible = await page.$$eval('#runs tr.run', (r) => r.filter((x) => !x.hidden).length);
  check(visible === 1, 'serve: filter by verdict');
  await Promise.all([page.waitForNavigation({waitUntil: 'load'}), page.click('#runs tr.r-invalid td:first-child a')]);
  check(page.url().endsWith('/kv-register/20260102T000000/report.html'), 'serve: run link opens its report');
  check(await page.$('.verdict.v-invalid') !== null, 'serve: the report renders');
  const log = await page.$$eval('#files a', (a) => a.map((x) => x.getAttribute('href')));
  check(log.includes('nodes/n1/raftd.log'), 'serve: report links to node logs');
  check(p.errors.length === 0, 'serve: no console errors ' + JSON.stringify(p.errors));
  check(onlyLocal(p.requests, base), 'serve: fetched only from the local server');
  check(await rawGet(base, '/kv-register/../../../etc/passwd') === 400, 'serve: ".." refused');
  check(await rawGet(base, '/%2e%2e/%2e%2e/etc/passwd') === 400, 'serve: encoded ".." refused');
  check(await rawGet(base, '/kv-register/20260102T000000/nodes/n1/raftd.log') === 200, 'serve: node log served');
  await page.close();
}

async function bench(browser) {
  const page = await browser.newPage();
  await page.setViewport({width: 1280, height: 900});
  const t0 = Date.now();
  await page.goto('file://' + path.resolve(args.bench), {waitUntil: 'load', timeout: 60000});
  await page.waitForFunction(() => window.__flFirstDraw !== undefined, {timeout: 60000});
  const firstDraw = await page.evaluate(() => window.__flFirstDraw);
  const phases = await page.evaluate(() => ({script_start_ms: Math.round(window.__flScriptStart), data_parsed_ms: Math.round(window.__flParsed)}));
  const wall = Date.now() - t0;
  // Main-thread busy time (the renderer's own accounting): less swayed by a busy machine.
  const m = await page.metrics();
  phases.main_thread_task_ms = Math.round(m.TaskDuration * 1000);
  phases.script_ms = Math.round(m.ScriptDuration * 1000);
  phases.layout_ms = Math.round(m.LayoutDuration * 1000);
  const scroll = await page.evaluate(async () => {
    const box = document.getElementById('timeline');
    const t = performance.now();
    for (let i = 0; i < 50; i++) { box.scrollTop += box.clientHeight; box.dispatchEvent(new Event('scroll')); await new Promise(requestAnimationFrame); }
    return (performance.now() - t) / 50;
  });
  console.log(JSON.stringify({page: args.bench, first_draw_ms: Math.round(firstDraw), ...phases, wall_ms: wall, ms_per_scrolled_screen: +scroll.toFixed(1)}));
  await page.screenshot({path: path.join(args.out, 'bench.png')});
}

(async () => {
  const {browser, profile} = await launch();
  try {
    if (args.bench) await bench(browser);
    else {
      await validReport(browser);
      await invalidReport(browser);
      await cycleReport(browser);
      await serveIndex(browser);
    }
  } catch (e) {
    console.log('FAIL ' + (e && e.stack || e));
    failures++;
  } finally {
    await browser.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
  console.log(failures ? `${failures} check(s) failed` : 'all browser checks passed');
  process.exit(failures ? 1 : 0);
})();
