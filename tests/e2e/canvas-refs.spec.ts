// Creating a referenced object from the scheme editor without leaving it: "New…" next to a
// node's schedule opens the schedule form inline; the schedule is created through the API
// and selected in the node, and the draft keeps its other nodes and edges.
import { expect, test, type Page } from '@playwright/test';

test.describe.configure({ timeout: 90_000 });

const login = process.env.PBXFLOW_E2E_LOGIN ?? 'demo-admin';
const password = process.env.PBXFLOW_E2E_PASSWORD ?? 'demo-admin-pass';

async function signIn(page: Page): Promise<{ token: string; tenantId: string }> {
  await page.goto('/');
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(login);
  const raw = await page.evaluate(() => [sessionStorage.getItem('pbxflow.token'), sessionStorage.getItem('pbxflow.user')]);
  return { token: raw[0]!, tenantId: (JSON.parse(raw[1] ?? '{}') as { tenant_id: string }).tenant_id };
}

test('a schedule made from the inspector is selected in the node; the draft stays', async ({ page, request }) => {
  const s = await signIn(page);
  const headers = { Authorization: `Bearer ${s.token}` };
  const res = await request.post(`/api/tenants/${s.tenantId}/schemes`, {
    headers,
    data: {
      name: `e2e new ref ${Date.now()}`,
      graph: {
        nodes: [
          { id: 'tc1', type: 'time_condition', params: {}, position: { x: 0, y: 0 } },
          { id: 'hangup1', type: 'hangup', params: { cause: 'busy' }, position: { x: 320, y: 0 } },
        ],
        edges: [{ from: 'tc1', port: 'closed', to: 'hangup1' }],
      },
    },
  });
  expect(res.status()).toBe(201);
  const scheme = (await res.json()) as { id: string };
  const name = `Office hours ${Date.now()}`;
  let madeId: string | null = null;
  try {
    await page.goto(`/#/tenants/${s.tenantId}/schemes/${scheme.id}`);
    await page.getByTestId('node-tc1').click();
    await page.getByTestId('new-schedule_id').click();
    const form = page.getByTestId('ref-create-schedules');
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByRole('button', { name: 'Create' }).click();
    await expect(form).toHaveCount(0);
    await expect(page.getByTestId('scheme-editor')).toHaveAttribute('data-pending', '0');

    const schedules = (await (await request.get(`/api/tenants/${s.tenantId}/schedules?limit=500`, { headers })).json()) as {
      items: { id: string; name: string }[];
    };
    const made = schedules.items.find((x) => x.name === name);
    expect(made).toBeTruthy();
    madeId = made!.id;
    await expect(page.getByTestId('inspector').getByLabel('Schedule')).toHaveValue(made!.id.toLowerCase());
    await expect
      .poll(async () => {
        const g = (await (await request.get(`/api/tenants/${s.tenantId}/schemes/${scheme.id}`, { headers })).json()) as {
          graph: { nodes: { id: string; params: Record<string, unknown> }[]; edges: unknown[] };
        };
        return [g.graph.nodes.find((n) => n.id === 'tc1')?.params.schedule_id, g.graph.nodes.length, g.graph.edges.length];
      })
      .toEqual([made!.id, 2, 1]);
  } finally {
    const fresh = (await (await request.get(`/api/tenants/${s.tenantId}/schemes/${scheme.id}`, { headers })).json()) as { version: number };
    await request.delete(`/api/tenants/${s.tenantId}/schemes/${scheme.id}`, { headers: { ...headers, 'If-Match': `"${fresh.version}"` } });
    // The schedule after the scheme that refers to it.
    if (madeId) await request.delete(`/api/tenants/${s.tenantId}/schedules/${madeId}`, { headers });
  }
});
