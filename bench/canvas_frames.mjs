// Frame times of the routing-scheme canvas while a node is dragged, in Chromium: a scheme
// of 300 nodes and 400 edges against a 20-node baseline in the same run (same browser,
// same server). requestAnimationFrame deltas during the drag: median and p95 in ms, and
// the ratio large / baseline. Needs a running pbxflow with the demo tenant (bench/canvas.sh
// starts one): PBXFLOW_BENCH_URL (default http://127.0.0.1:8795), PBXFLOW_BENCH_LOGIN /
// PBXFLOW_BENCH_PASSWORD (a tenant admin; default the demo one). Options: --drags N (5).
import { chromium } from '@playwright/test';

const base = process.env.PBXFLOW_BENCH_URL ?? 'http://127.0.0.1:8795';
const login = process.env.PBXFLOW_BENCH_LOGIN ?? 'demo-admin';
const password = process.env.PBXFLOW_BENCH_PASSWORD ?? 'demo-admin-pass';
const drags = Number(process.argv[process.argv.indexOf('--drags') + 1]) || 5;

/** A scheme graph of n "forward" nodes on a grid: a chain (no_answer) plus cross links (busy). */
export function benchGraph(n, edges) {
  const cols = Math.ceil(Math.sqrt(n * 1.5));
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    type: 'forward',
    params: {},
    position: { x: (i % cols) * 280, y: Math.floor(i / cols) * 170 },
  }));
  const out = [];
  for (let i = 0; i + 1 < n && out.length < edges; i++) out.push({ from: `n${i}`, port: 'no_answer', to: `n${i + 1}` });
  for (let i = 0; i + cols < n && out.length < edges; i++) out.push({ from: `n${i}`, port: 'busy', to: `n${i + cols}` });
  for (let i = 0; i + 2 < n && out.length < edges; i++) out.push({ from: `n${i}`, port: 'unavailable', to: `n${i + 2}` });
  return { nodes, edges: out };
}

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

async function api(path, { method = 'GET', token, body, headers = {} } = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

async function measure(page, session, n, edges) {
  const graph = benchGraph(n, edges);
  const scheme = await api(`/api/tenants/${session.tenant}/schemes`, {
    method: 'POST',
    token: session.token,
    body: { name: `bench canvas ${n} ${Date.now()}`, graph },
  });
  try {
    await page.goto(`${base}/#/tenants/${session.tenant}/schemes/${scheme.id}`);
    await page.locator('.react-flow__node').nth(n - 1).waitFor();
    await page.waitForFunction((count) => document.querySelectorAll('.react-flow__edge').length >= count, graph.edges.length);
    await page.waitForTimeout(500);
    const deltas = [];
    for (let d = 0; d < drags + 1; d++) {
      const node = page.getByTestId(`node-n${Math.floor(n / 2) + d}`);
      const box = await node.boundingBox();
      const x = box.x + box.width / 2;
      const y = box.y + 8; // the title bar, away from the handles
      await page.evaluate(() => {
        window.__frames = [];
        window.__recording = true;
        const tick = (t) => {
          window.__frames.push(t);
          if (window.__recording) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x + 150, y + 90, { steps: 60 });
      await page.mouse.move(x, y, { steps: 60 });
      await page.mouse.up();
      const frames = await page.evaluate(() => {
        window.__recording = false;
        return window.__frames;
      });
      if (d === 0) continue; // warm-up
      for (let i = 1; i < frames.length; i++) deltas.push(frames[i] - frames[i - 1]);
    }
    deltas.sort((a, b) => a - b);
    const slow = deltas.filter((x) => x > 20).length;
    return {
      nodes: n, edges: graph.edges.length, frames: deltas.length, median: quantile(deltas, 0.5), p95: quantile(deltas, 0.95),
      max: deltas[deltas.length - 1], slow: slow / Math.max(1, deltas.length),
    };
  } finally {
    const fresh = await api(`/api/tenants/${session.tenant}/schemes/${scheme.id}`, { token: session.token });
    await api(`/api/tenants/${session.tenant}/schemes/${scheme.id}`, {
      method: 'DELETE',
      token: session.token,
      headers: { 'If-Match': `"${fresh.version}"` },
    });
  }
}

async function main() {
  const auth = await api('/api/auth/login', { method: 'POST', body: { login, password } });
  const session = { token: auth.token, tenant: auth.user.tenant_id };
  if (!session.tenant) throw new Error('the bench account must be a tenant admin');
  const browser = await chromium.launch({
    executablePath: process.env.PBXFLOW_E2E_CHROMIUM ?? '/usr/bin/chromium',
    // Frames follow the 60 Hz clock (16.7 ms) while each one's work fits: the figures that
    // move are the p95, the slow frames and the max.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // The app keeps its session in sessionStorage: start signed in.
    await context.addInitScript(
      ([token, user]) => {
        sessionStorage.setItem('pbxflow.token', token);
        sessionStorage.setItem('pbxflow.user', user);
      },
      [session.token, JSON.stringify(auth.user)],
    );
    const page = await context.newPage();
    const small = await measure(page, session, 20, 26);
    const large = await measure(page, session, 300, 400);
    const fmt = (r) =>
      `${String(r.nodes).padStart(4)} nodes ${String(r.edges).padStart(4)} edges: ${String(r.frames).padStart(4)} frames, median ${r.median.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, frames over 20 ms ${(100 * r.slow).toFixed(1)} %`;
    console.log('canvas frame times while dragging a node (requestAnimationFrame deltas, Chromium headless)');
    console.log(fmt(small));
    console.log(fmt(large));
    console.log(`ratio 300/20: median ${(large.median / small.median).toFixed(2)}x, p95 ${(large.p95 / small.p95).toFixed(2)}x`);
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
