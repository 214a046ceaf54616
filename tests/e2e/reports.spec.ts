// The reports in a real browser against a running pbxflow, as the demo tenant admin: the
// dashboard draws its charts and exports a table, the call history exports XLSX and builds an
// archive with a progress bar, a contact-centre report draws its chart and exports XLSX, and the
// forecast charts the service level. The calls are the demo batch of pbxflow.reports.demo_calls,
// appended to the server's store first (PBXFLOW_E2E_DATA_DIR, set by tests/run-e2e; without it
// the tenant must have calls of today already, e.g. from `pbxflow serve --demo --demo-calls`).
// PBXFLOW_E2E_LOGIN / PBXFLOW_E2E_PASSWORD: a tenant admin.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext, type Download, type Page } from '@playwright/test';

test.describe.configure({ timeout: 120_000, mode: 'serial' });

const login = process.env.PBXFLOW_E2E_LOGIN ?? 'demo-admin';
const password = process.env.PBXFLOW_E2E_PASSWORD ?? 'demo-admin-pass';
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Append the demo calls to the tenant (from now, or its creation if later) and wait until the reports see them. */
async function feedDemoCalls(request: APIRequestContext) {
  const res = await request.post('/api/auth/login', { data: { login, password } });
  expect(res.ok()).toBeTruthy();
  const { token, user } = (await res.json()) as { token: string; user: { tenant_id: string } };
  const headers = { Authorization: `Bearer ${token}` };
  const base = `/api/tenants/${user.tenant_id}`;
  const tenant = (await (await request.get(base, { headers })).json()) as { code: string; created_at: string };
  const exts = (await (await request.get(`${base}/extensions?limit=50`, { headers })).json()) as {
    items: { number: string; devices: { username?: string }[] }[];
  };
  const devices = Object.fromEntries(exts.items.filter((e) => e.devices[0]?.username).map((e) => [e.number, e.devices[0].username]));
  const since = Math.max(Date.parse(tenant.created_at) / 1000 + 1, Date.now() / 1000 - 600);
  const env = { ...process.env, PBXFLOW_DATA_DIR: process.env.PBXFLOW_E2E_DATA_DIR! };
  execFileSync(join(root, '.venv/bin/python'), ['-m', 'pbxflow.reports.demo_calls', tenant.code, JSON.stringify(devices), '--since', String(since)], {
    env,
    cwd: root,
    stdio: 'pipe',
  });
  await expect
    .poll(async () => ((await (await request.get(`${base}/reports/calls?preset=7d&limit=1`, { headers })).json()) as { total: number }).total, {
      timeout: 30_000,
    })
    .toBeGreaterThanOrEqual(100);
}

test.beforeAll(async ({ request }) => {
  if (process.env.PBXFLOW_E2E_DATA_DIR) await feedDemoCalls(request);
});

async function signIn(page: Page) {
  await page.goto('/');
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(login);
  await page.getByTestId('tenant-nav').getByRole('link', { name: 'Reports', exact: true }).click();
  await expect(page.getByTestId('reports')).toBeVisible();
}

async function bytesOf(download: Download): Promise<Buffer> {
  return readFile((await download.path())!);
}

/** Click a button that saves a file; the file as the browser saved it. */
async function save(page: Page, click: () => Promise<void>): Promise<Download> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return download;
}

const XLSX_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]); // a zip: XLSX is one

test('the dashboard draws the period’s calls and exports a table', async ({ page }) => {
  await signIn(page);
  const dashboard = page.getByTestId('dashboard');
  await expect(dashboard).toBeVisible();
  expect(Number(await page.getByTestId('dash-answered').textContent())).toBeGreaterThan(0);
  // Recharts draws SVG: bars for calls per hour and per day, and line occupancy.
  const charts = dashboard.getByTestId('report-chart');
  await expect(charts).toHaveCount(3);
  await expect(charts.first().locator('svg.recharts-surface').first()).toBeVisible();
  await expect(charts.first().locator('.recharts-bar-rectangle').first()).toBeAttached();

  const busiest = page.getByTestId('busiest-users');
  await expect(busiest.locator('tbody tr').first()).toBeVisible();
  const download = await save(page, () => busiest.getByRole('button', { name: 'Export CSV' }).click());
  expect(download.suggestedFilename()).toBe('busiest-users.csv');
  const csv = (await bytesOf(download)).toString('utf8');
  expect(csv.startsWith('\uFEFFUser,Name,Calls,Talk time')).toBeTruthy();
  expect(csv.trim().split('\r\n').length).toBeGreaterThan(1);
});

test('the call history exports the search and builds an archive', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Call history' }).click();
  const list = page.getByTestId('call-list');
  await expect(list.locator('tbody tr').first()).toBeVisible();
  await page.getByLabel('Direction').selectOption('in');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(list.locator('tbody tr').first()).toContainText('Incoming');
  await expect(list.locator('tbody')).not.toContainText('Outgoing');

  const xlsx = await save(page, () => list.getByRole('button', { name: 'Export XLSX' }).click());
  expect(xlsx.suggestedFilename()).toMatch(/^calls-.*\.xlsx$/);
  expect((await bytesOf(xlsx)).subarray(0, 4)).toEqual(XLSX_MAGIC);

  const archive = page.getByTestId('archive-export');
  await archive.getByRole('button', { name: 'Make an archive of the period' }).click();
  await expect(archive.locator('progress')).toBeAttached();
  const button = archive.getByRole('button', { name: 'Download the archive' });
  await expect(button).toBeVisible({ timeout: 60_000 });
  await expect(archive.locator('progress')).toHaveAttribute('value', '100');
  const zip = await save(page, () => button.click());
  expect(zip.suggestedFilename()).toMatch(/\.zip$/);
  expect((await bytesOf(zip)).subarray(0, 4)).toEqual(XLSX_MAGIC);
});

test('a contact-centre report draws its chart and exports XLSX', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Contact centre' }).click();
  await page.getByLabel('Report', { exact: true }).selectOption('line-occupancy');
  await page.getByLabel('Period').selectOption('today');
  await page.getByLabel('Interval').selectOption('15');
  const chart = page.getByTestId('report-chart');
  await expect(chart.locator('svg.recharts-surface').first()).toBeVisible();
  await expect(chart.locator('.recharts-bar-rectangle').first()).toBeAttached();
  const table = page.getByTestId('cc-table');
  await expect(table.locator('thead')).toContainText('Most lines');

  const download = await save(page, () => table.getByRole('button', { name: 'Export XLSX' }).click());
  expect(download.suggestedFilename()).toBe('line-occupancy.xlsx');
  expect((await bytesOf(download)).subarray(0, 4)).toEqual(XLSX_MAGIC);
});

test('the forecast charts the service level against the operators', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Forecast' }).click();
  await page.getByLabel('Calls per hour').fill('120');
  await page.getByLabel('Average handling time, s').fill('180');
  await page.getByLabel('Operators up to').fill('12');
  await page.getByRole('button', { name: 'Calculate' }).click();
  const table = page.getByTestId('forecast-table');
  await expect(table.locator('tbody tr')).toHaveCount(12);
  await expect(page.getByTestId('forecast-load')).toContainText('Load 6.00 Erlangs');
  await expect(page.getByTestId('report-chart').locator('.recharts-line-curve')).toBeAttached();
});
