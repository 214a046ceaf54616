// The calls pages in a real browser against a running pbxflow: the history with its
// filters, a call's protocol with the link to its path on the scheme, and the active calls
// page following a call live over the event stream. There is no Asterisk here: the calls
// are synthetic AMI events appended to the calls store by tests/e2e/feed_calls.py (the
// path the API tests use), and the server's own projection turns them into read models.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

test.describe.configure({ timeout: 90_000 });

const login = process.env.PBXFLOW_E2E_LOGIN ?? 'demo-admin';
const password = process.env.PBXFLOW_E2E_PASSWORD ?? 'demo-admin-pass';
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Session {
  token: string;
  tenantId: string;
}

async function signIn(page: Page): Promise<Session> {
  await page.goto('/');
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(login);
  const raw = await page.evaluate(() => [sessionStorage.getItem('pbxflow.token'), sessionStorage.getItem('pbxflow.user')]);
  const user = JSON.parse(raw[1] ?? '{}') as { tenant_id?: string };
  expect(user.tenant_id, 'the e2e account must be a tenant admin').toBeTruthy();
  return { token: raw[0]!, tenantId: user.tenant_id! };
}

const auth = (s: Session) => ({ Authorization: `Bearer ${s.token}` });

/** The tenant's code and the SIP usernames of extensions 201 and 202 (the demo tenant has them). */
async function tenantFacts(request: APIRequestContext, s: Session): Promise<{ code: string; devices: Record<string, string> }> {
  const tenant = (await (await request.get(`/api/tenants/${s.tenantId}`, { headers: auth(s) })).json()) as { code: string };
  const exts = (await (await request.get(`/api/tenants/${s.tenantId}/extensions?limit=500`, { headers: auth(s) })).json()) as {
    items: { number: string; devices: { username?: string }[] }[];
  };
  const devices: Record<string, string> = {};
  for (const e of exts.items) if (e.devices[0]?.username) devices[e.number] = e.devices[0].username;
  expect(devices['201'] && devices['202'], 'extensions 201 and 202 with SIP devices').toBeTruthy();
  return { code: tenant.code, devices };
}

function feed(...args: string[]): void {
  const env = { ...process.env };
  if (process.env.PBXFLOW_E2E_DATA_DIR) env.PBXFLOW_DATA_DIR = process.env.PBXFLOW_E2E_DATA_DIR;
  execFileSync(join(root, '.venv/bin/python'), [join(root, 'tests/e2e/feed_calls.py'), ...args], { env, cwd: root, stdio: 'pipe' });
}

/** Schemes made by these tests, deleted at the end (deleting releases their entry numbers). */
const schemes: { id: string; session: Session }[] = [];

test.afterAll(async ({ playwright }) => {
  const request = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  for (const { id, session } of schemes) {
    const res = await request.get(`/api/tenants/${session.tenantId}/schemes/${id}`, { headers: auth(session) });
    if (!res.ok()) continue;
    const { version } = (await res.json()) as { version: number };
    await request.delete(`/api/tenants/${session.tenantId}/schemes/${id}`, { headers: { ...auth(session), 'If-Match': `"${version}"` } });
  }
  await request.dispose();
});

test('the history lists calls with filters, and a call shows its protocol and its path on the scheme', async ({ page, request }) => {
  const session = await signIn(page);
  const { code, devices } = await tenantFacts(request, session);
  const res = await request.post(`/api/tenants/${session.tenantId}/schemes`, { headers: auth(session), data: { name: `Calls e2e ${Date.now()}` } });
  expect(res.status()).toBe(201);
  const schemeId = ((await res.json()) as { id: string }).id;
  schemes.push({ id: schemeId, session });
  const key = schemeId.replace(/-/g, '').slice(0, 12);
  feed('history', code, JSON.stringify(devices), '--scheme', key, '--nodes', 'n1,n2');

  await page.getByTestId('tenant-nav').getByRole('link', { name: 'Calls', exact: true }).click();
  await expect(page.getByTestId('call-history')).toBeVisible();
  const rows = page.getByTestId('call-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toHaveAttribute('data-result', 'no answer'); // newest first

  await page.getByLabel('Result').selectOption('busy');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-result', 'busy');
  await page.getByLabel('Result').selectOption('');
  await page.getByLabel('Number').fill('999');
  await page.getByLabel('Number').press('Enter');
  await expect(page.getByText('No calls match.')).toBeVisible();
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(rows).toHaveCount(3);

  // The answered call (the oldest): its protocol, from the first step to the end.
  await rows.last().getByRole('link').click();
  await expect(page.getByTestId('call-detail')).toBeVisible();
  await expect(page.getByTestId('call-result')).toHaveText('Answered');
  const protocol = page.getByTestId('protocol');
  await expect(protocol.locator('[data-step="start"]')).toContainText('call from 201 to 202');
  await expect(protocol.locator('[data-step="node"]')).toHaveCount(2);
  await expect(protocol.locator('[data-step="dial_end"]')).toContainText('answered');
  await expect(protocol.locator('[data-step="end"]')).toContainText('call ended: answered');

  await page.getByTestId('open-scheme-path').click();
  await expect(page.getByTestId('scheme-editor')).toBeVisible();
  await expect(page).toHaveURL(/schemes\/[0-9a-f-]+\?revision=1&path=n1,n2$/);
  await expect(page.getByTestId('trace-banner')).toContainText('Path of a call through revision 1');
});

test('the active calls page follows a call live and shows presence', async ({ page, request }) => {
  const session = await signIn(page);
  const { code, devices } = await tenantFacts(request, session);
  const answered = await request.get(`/api/tenants/${session.tenantId}/calls?result=answered`, { headers: auth(session) });
  const answeredBefore = ((await answered.json()) as { total: number }).total;
  await page.goto(`/#/tenants/${session.tenantId}/active-calls`);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('active-row')).toHaveCount(0);

  const rest = join(mkdtempSync(join(tmpdir(), 'pbxflow-e2e-call-')), 'rest.json');
  feed('live-start', code, JSON.stringify(devices), rest);
  const row = page.getByTestId('active-row');
  await expect(row).toHaveCount(1); // no reload: the event stream brought it
  await expect(row).toContainText('201');
  await expect(row).toHaveAttribute('data-state', 'ringing');
  await expect(row.getByRole('button', { name: 'Hang up' })).toBeVisible(); // a tenant admin may
  await expect(page.locator('[data-number="202"]')).toHaveAttribute('data-state', 'ringing');

  feed('live-end', rest);
  await expect(row).toHaveCount(0);
  await expect(page.locator('[data-number="202"]')).toHaveAttribute('data-state', 'free');
  await expect(page.getByText('No calls right now.')).toBeVisible();

  // The call is in the history now (one more answered call than before it).
  await page.getByTestId('tenant-nav').getByRole('link', { name: 'Calls', exact: true }).click();
  await page.getByLabel('Result').selectOption('answered');
  await expect(page.getByTestId('call-row')).toHaveCount(answeredBefore + 1);
});

test('a published scheme shows the calls on its nodes live', async ({ page, request }) => {
  const session = await signIn(page);
  const { code, devices } = await tenantFacts(request, session);
  const number = `7${Math.floor(100 + Math.random() * 900)}`;
  const res = await request.post(`/api/tenants/${session.tenantId}/schemes`, {
    headers: auth(session),
    data: {
      name: `Calls live e2e ${Date.now()}`,
      graph: {
        nodes: [
          { id: 'entry1', type: 'entry', params: { numbers: [number] }, position: { x: 0, y: 0 } },
          { id: 'hangup1', type: 'hangup', params: { cause: 'busy' }, position: { x: 320, y: 0 } },
        ],
        edges: [{ from: 'entry1', port: 'next', to: 'hangup1' }],
      },
    },
  });
  expect(res.status()).toBe(201);
  const created = (await res.json()) as { id: string; version: number };
  schemes.push({ id: created.id, session });
  const published = await request.post(`/api/tenants/${session.tenantId}/schemes/${created.id}/publish`, {
    headers: { ...auth(session), 'If-Match': `"${created.version}"` },
    data: {},
  });
  expect(published.status()).toBe(201);

  await page.goto(`/#/tenants/${session.tenantId}/schemes/${created.id}`);
  await expect(page.getByTestId('node-hangup1')).toBeVisible();
  await expect(page.getByTestId('live-hangup1')).toHaveCount(0);
  const key = created.id.replace(/-/g, '').slice(0, 12);
  const rest = join(mkdtempSync(join(tmpdir(), 'pbxflow-e2e-call-')), 'rest.json');
  feed('live-start', code, JSON.stringify(devices), rest, '--scheme', key, '--nodes', 'entry1,hangup1');
  await expect(page.getByTestId('live-hangup1')).toHaveText('1'); // the call is on its last node
  await expect(page.getByTestId('live-entry1')).toHaveCount(0);
  feed('live-end', rest);
  await expect(page.getByTestId('live-hangup1')).toHaveCount(0);
});

test('the credentials panel of a device names the SIP server', async ({ page, request }) => {
  const session = await signIn(page);
  const exts = (await (await request.get(`/api/tenants/${session.tenantId}/extensions?limit=500`, { headers: auth(session) })).json()) as {
    items: { id: string; number: string }[];
  };
  const ext = exts.items.find((e) => e.number === '201')!;
  await page.goto(`/#/tenants/${session.tenantId}/extensions/${ext.id}`);
  const server = page.getByTestId('sip-credentials').getByTestId('sip-server');
  await expect(server.getByTestId('sip-server-host')).toHaveText(new URL(page.url()).hostname);
  await expect(server).toContainText('UDP');
});
