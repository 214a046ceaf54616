// The routing-scheme editor in a real browser against a running pbxflow (`make run`):
// draw a scheme with drag and drop, connect two nodes by dragging between handles,
// publish it and see the revision; undo/redo; and two admins editing one scheme.
// PBXFLOW_E2E_LOGIN / PBXFLOW_E2E_PASSWORD: a tenant admin (default: the demo tenant's).
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext, type Browser, type Locator, type Page } from '@playwright/test';

// Every edit is a round trip to the server (and the projection behind it): give these
// multi-step tests more time than the config's 30 s on a busy machine.
test.describe.configure({ timeout: 120_000 });

const login = process.env.PBXFLOW_E2E_LOGIN ?? 'demo-admin';
const password = process.env.PBXFLOW_E2E_PASSWORD ?? 'demo-admin-pass';
const artifact = (name: string) => fileURLToPath(new URL(`../../test-artifacts/${name}`, import.meta.url));

interface Session {
  token: string;
  tenantId: string;
}

/** Schemes made by these tests, deleted at the end (deleting releases their entry numbers). */
const created: { tenantId: string; id: string }[] = [];
let apiSession: Session | null = null;

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

function auth(session: Session) {
  return { Authorization: `Bearer ${session.token}` };
}

async function createScheme(request: APIRequestContext, session: Session, name: string): Promise<string> {
  const res = await request.post(`/api/tenants/${session.tenantId}/schemes`, { headers: auth(session), data: { name } });
  expect(res.status()).toBe(201);
  const id = ((await res.json()) as { id: string }).id;
  created.push({ tenantId: session.tenantId, id });
  return id;
}

async function schemeGraph(request: APIRequestContext, session: Session, id: string) {
  const res = await request.get(`/api/tenants/${session.tenantId}/schemes/${id}`, { headers: auth(session) });
  expect(res.ok()).toBeTruthy();
  return (await res.json()) as { version: number; graph: { nodes: { id: string; type: string }[]; edges: unknown[] } };
}

async function openEditor(page: Page, session: Session, id: string) {
  await page.goto(`/#/tenants/${session.tenantId}/schemes/${id}`);
  await expect(page.getByTestId('scheme-editor')).toBeVisible();
  await expect(page.getByTestId('palette').getByRole('button', { name: 'Entry', exact: true })).toBeVisible();
}

/** Wait until every edit has been answered by the server. */
async function saved(page: Page) {
  await expect(page.getByTestId('scheme-editor')).toHaveAttribute('data-pending', '0');
  await expect(page.getByTestId('save-status')).toContainText('Saved');
}

/** Drag a node type from the palette onto the canvas (HTML5 drag and drop). */
async function dropNode(page: Page, label: string, x: number, y: number) {
  await page
    .getByTestId('palette')
    .getByRole('button', { name: label, exact: true })
    .dragTo(page.getByTestId('flow-canvas'), { targetPosition: { x, y } });
}

async function centre(locator: Locator) {
  const box = await locator.boundingBox();
  expect(box).not.toBeNull();
  return { x: box!.x + box!.width / 2, y: box!.y + box!.height / 2 };
}

/** Drag with the mouse from one handle to another, in small steps as a user would. */
async function dragBetween(page: Page, from: Locator, to: Locator) {
  const a = await centre(from);
  const b = await centre(to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
}

test.afterAll(async ({ playwright }) => {
  if (!apiSession || created.length === 0) return;
  const request = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  for (const { tenantId, id } of created) {
    const res = await request.get(`/api/tenants/${tenantId}/schemes/${id}`, { headers: auth(apiSession) });
    if (!res.ok()) continue;
    const { version } = (await res.json()) as { version: number };
    await request.delete(`/api/tenants/${tenantId}/schemes/${id}`, {
      headers: { ...auth(apiSession), 'If-Match': `"${version}"` },
    });
  }
  await request.dispose();
});

test('draws a scheme with drag and drop, connects two nodes and publishes it', async ({ page }) => {
  const session = await signIn(page);
  apiSession = session;
  const name = `e2e canvas ${Date.now()}`;
  const number = `7${Math.floor(100 + Math.random() * 900)}`;

  await page.getByRole('navigation').getByRole('link', { name: 'Routing' }).click();
  await expect(page.getByRole('heading', { name: /Routing schemes/ })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create and open' }).click();
  await expect(page.getByTestId('scheme-editor')).toBeVisible();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  const schemeId = page.url().split('/').pop()!;
  created.push({ tenantId: session.tenantId, id: schemeId });

  // Drag an entry and a hang-up node from the palette.
  await dropNode(page, 'Entry', 160, 180);
  const entry = page.getByTestId('node-entry1');
  await expect(entry).toBeVisible();
  // Wait for the server to take the new node: its answer re-renders the inspector, which
  // would drop text typed before it arrives.
  await saved(page);
  // The new node is selected: give it a number in the inspector (applied on Enter).
  const numbers = page.getByTestId('inspector').getByLabel('Numbers');
  await numbers.fill(number);
  await numbers.press('Enter');
  await expect(entry).toContainText(number);

  await dropNode(page, 'Hang up', 520, 300);
  const hangup = page.getByTestId('node-hangup1');
  await expect(hangup).toBeVisible();
  await saved(page);
  // Live validation: the entry leads nowhere yet.
  await expect(entry).toHaveAttribute('data-errors', '1');

  // Connect entry1's "next" port to the hang-up node by dragging between the handles.
  await dragBetween(page, page.getByTestId('handle-entry1-next'), hangup.locator('.react-flow__handle.target'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  await saved(page);
  await expect(page.getByTestId('validation-summary')).toHaveText('No problems');
  await expect(entry).not.toHaveAttribute('data-errors');

  // A second edge from the same port is refused (one edge per port).
  await dragBetween(page, page.getByTestId('handle-entry1-next'), hangup.locator('.react-flow__handle.target'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);

  const graph = await schemeGraph(page.request, session, schemeId);
  expect(graph.graph.edges).toEqual([{ from: 'entry1', port: 'next', to: 'hangup1' }]);

  await page.getByTestId('flow-canvas').screenshot({ path: artifact('e2e-canvas.png') });

  // Publish with a comment; the revision appears in the list.
  await page.getByRole('button', { name: 'Publish…' }).click();
  await page.getByLabel('Comment').fill('first revision from e2e');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByTestId('notice')).toContainText('Published as revision 1');
  await page.getByRole('tab', { name: 'Revisions' }).click();
  const revisions = page.getByTestId('revision-list');
  await expect(revisions.locator('li')).toHaveCount(1);
  await expect(revisions.locator('li').first()).toContainText('revision 1');
  await expect(revisions.locator('li').first()).toContainText('first revision from e2e');
  await expect(revisions.locator('li').first()).toContainText('live');
  await page.getByTestId('node-entry1').click();
  await page.getByRole('tab', { name: 'Properties' }).click();
  await page.screenshot({ path: artifact('e2e-canvas-editor.png') });

  // Test a call: the simulated path lights up on the canvas.
  await page.getByRole('tab', { name: 'Test a call' }).click();
  await page.getByLabel('Called number').fill(number);
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.getByTestId('sim-outcome')).toContainText('hung up');
  await expect(page.getByTestId('steps-entry1')).toHaveText('1');
  await expect(page.getByTestId('steps-hangup1')).toHaveText('2');

  // Change the draft and compare it with revision 1: the new node is marked as added.
  await page.getByRole('button', { name: 'Clear' }).click();
  await dropNode(page, 'Voicemail', 520, 120);
  await expect(page.getByTestId('node-vm1')).toBeVisible();
  await saved(page);
  await page.getByRole('tab', { name: 'Revisions' }).click();
  await page.getByRole('button', { name: 'Compare with draft' }).click();
  await expect(page.getByTestId('diff-summary')).toContainText('1 added');
  await expect(page.getByTestId('node-vm1')).toHaveAttribute('data-mark', 'added');
  await page.getByTestId('flow-canvas').screenshot({ path: artifact('e2e-canvas-diff.png') });
  await page.getByRole('button', { name: 'Stop comparing' }).click();
  await expect(page.getByTestId('node-vm1')).not.toHaveAttribute('data-mark');
});

test('undoes and redoes edits with the keyboard and the toolbar', async ({ page }) => {
  const session = await signIn(page);
  apiSession = session;
  const id = await createScheme(page.request, session, `e2e undo ${Date.now()}`);
  await openEditor(page, session, id);

  await dropNode(page, 'Hang up', 300, 200);
  await expect(page.getByTestId('node-hangup1')).toBeVisible();
  await saved(page);
  await page.getByTestId('flow-canvas').click({ position: { x: 20, y: 20 } }); // focus the canvas, not a field

  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('node-hangup1')).toHaveCount(0);
  await saved(page);
  expect((await schemeGraph(page.request, session, id)).graph.nodes).toEqual([]);

  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('node-hangup1')).toBeVisible();
  await saved(page);
  expect((await schemeGraph(page.request, session, id)).graph.nodes.map((n) => n.id)).toEqual(['hangup1']);

  // Delete with the keyboard, then the toolbar's Undo brings it back with the same id.
  await page.getByTestId('node-hangup1').click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('node-hangup1')).toHaveCount(0);
  await saved(page);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByTestId('node-hangup1')).toBeVisible();
  await saved(page);
  await page.getByRole('button', { name: 'Redo' }).click();
  await expect(page.getByTestId('node-hangup1')).toHaveCount(0);
  await saved(page);
  expect((await schemeGraph(page.request, session, id)).graph.nodes).toEqual([]);

  // Without a mouse: palette items are buttons, and an exit is led to a node from the inspector.
  await page.getByTestId('palette').getByRole('button', { name: 'Hang up', exact: true }).press('Enter');
  await expect(page.getByTestId('node-hangup1')).toBeVisible();
  await page.getByTestId('palette').getByRole('button', { name: 'Dial extension', exact: true }).press('Enter');
  await expect(page.getByTestId('node-dial1')).toBeVisible();
  await page.getByTestId('inspector').getByLabel('busy', { exact: true }).selectOption('hangup1');
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  await saved(page);
  expect((await schemeGraph(page.request, session, id)).graph.edges).toEqual([{ from: 'dial1', port: 'busy', to: 'hangup1' }]);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
  await saved(page);
  expect((await schemeGraph(page.request, session, id)).graph.edges).toEqual([]);
});

test('compares a revision with the draft and reverts to it', async ({ page }) => {
  const session = await signIn(page);
  apiSession = session;
  const number = `7${Math.floor(100 + Math.random() * 900)}`;
  const res = await page.request.post(`/api/tenants/${session.tenantId}/schemes`, {
    headers: auth(session),
    data: {
      name: `e2e revert ${Date.now()}`,
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
  const scheme = (await res.json()) as { id: string; version: number };
  created.push({ tenantId: session.tenantId, id: scheme.id });
  const published = await page.request.post(`/api/tenants/${session.tenantId}/schemes/${scheme.id}/publish`, {
    headers: { ...auth(session), 'If-Match': `"${scheme.version}"` },
    data: { comment: 'busy tone' },
  });
  expect(published.status()).toBe(201);

  await openEditor(page, session, scheme.id);
  await expect(page.getByTestId('node-hangup1')).toBeVisible();
  // Delete the hang-up node (its edge goes with it) and put a voicemail node in its place.
  await page.getByTestId('node-hangup1').click();
  await page.getByRole('button', { name: 'Delete node' }).click();
  await expect(page.getByTestId('node-hangup1')).toHaveCount(0);
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
  await saved(page);

  // Revision 1 against the draft: the removed node is drawn back as a ghost, marked removed.
  await page.getByRole('tab', { name: 'Revisions' }).click();
  await page.getByRole('button', { name: 'Compare with draft' }).click();
  await expect(page.getByTestId('diff-summary')).toContainText('1 removed');
  await expect(page.getByTestId('node-hangup1')).toHaveAttribute('data-mark', 'removed');
  await expect(page.locator('.react-flow__edge.is-removed')).toHaveCount(1);
  // No editing while comparing.
  await expect(page.getByTestId('palette')).toHaveCount(0);

  // Revert to revision 1: it is published again as revision 2 and becomes the draft.
  await page.getByRole('button', { name: 'Revert…' }).click();
  await page.getByRole('button', { name: 'Publish revision 1 again' }).click();
  await expect(page.getByTestId('notice')).toContainText('as revision 2');
  await expect(page.getByTestId('node-hangup1')).toBeVisible();
  await expect(page.getByTestId('node-hangup1')).not.toHaveAttribute('data-mark');
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  await expect(page.getByTestId('revision-list').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('revision-list').locator('li').first()).toContainText('revert to revision 1');
  const graph = await schemeGraph(page.request, session, scheme.id);
  expect(graph.graph.nodes.map((n) => n.id)).toEqual(['entry1', 'hangup1']);
});

async function adminPage(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const session = await signIn(page);
  return { context, page, session };
}

test('refuses the second of two concurrent edits and offers a reload', async ({ browser }) => {
  const a = await adminPage(browser);
  const b = await adminPage(browser);
  apiSession = a.session;
  try {
    const id = await createScheme(a.page.request, a.session, `e2e conflict ${Date.now()}`);
    await openEditor(a.page, a.session, id);
    await openEditor(b.page, b.session, id);

    // Admin A adds a node: saved as version 2.
    await dropNode(a.page, 'Entry', 200, 200);
    await expect(a.page.getByTestId('node-entry1')).toBeVisible();
    await saved(a.page);

    // Admin B still edits version 1: the server refuses, B is told and nothing is overwritten.
    await dropNode(b.page, 'Hang up', 400, 250);
    const banner = b.page.getByTestId('conflict-banner');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText('Someone else changed this scheme');
    await b.page.screenshot({ path: artifact('e2e-canvas-conflict.png') });
    const graph = await schemeGraph(a.page.request, a.session, id);
    expect(graph.graph.nodes.map((n) => n.id)).toEqual(['entry1']);

    // While in conflict B cannot edit; reloading shows A's change and B can go on.
    await expect(b.page.getByTestId('palette')).toHaveCount(0);
    await banner.getByRole('button', { name: 'Reload the scheme' }).click();
    await expect(banner).toHaveCount(0);
    await expect(b.page.getByTestId('node-entry1')).toBeVisible();
    await expect(b.page.getByTestId('node-hangup1')).toHaveCount(0);
    await dropNode(b.page, 'Hang up', 400, 250);
    await expect(b.page.getByTestId('node-hangup1')).toBeVisible();
    await saved(b.page);
    const after = await schemeGraph(a.page.request, a.session, id);
    expect(after.graph.nodes.map((n) => n.id).sort()).toEqual(['entry1', 'hangup1']);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});
