// The whole way a new customer goes, in a real browser against `pbxflow serve` with a real
// Asterisk (tests/run-e2e starts both): the platform operator creates a tenant; in it two
// extensions, an always-open schedule and an IVR menu, all through the management pages;
// then draws a routing scheme on the canvas by drag and drop (palette → canvas, port → node)
//   entry 700 → time condition (open) → voice menu (key 1) → dial extension A
//                                (closed)            (timeout) → dial extension B
// and publishes it. A real call follows: extension B's SIP device (SIPp, tests/e2e/place_call.py)
// dials 700 and presses 1 (RFC 4733), extension A's answers. The call must then be in the
// tenant's history as answered by A, its protocol must show the scheme's nodes, and "show on
// the scheme" must draw the path over exactly entry → time condition → menu → dial A.
// The tenant is new, so the demo tenant's calls (calls.spec.ts) stay as they are.
// Needs Asterisk: without it (PBXFLOW_E2E_ASTERISK is not "up") this spec fails with the reason.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test, type Locator, type Page, type TestInfo } from '@playwright/test';

// Many round trips, an Asterisk reload and a real call of a few seconds: generous, not timed.
test.describe.configure({ timeout: 300_000 });

const operatorLogin = process.env.PBXFLOW_E2E_OPERATOR_LOGIN ?? 'admin';
const operatorPassword = process.env.PBXFLOW_E2E_OPERATOR_PASSWORD ?? 'e2e-operator-pass';
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

const suffix = Date.now().toString(36);
const ENTRY = '700';
const EXT_A = { number: '201', name: `Sales ${suffix}` }; // answers: key 1
const EXT_B = { number: '202', name: `Front desk ${suffix}` }; // the caller; also the closed/timeout branch

interface Credentials {
  id: string;
  username: string;
  password: string;
}

/** A screenshot kept with the test's results (its output directory) and attached to the report. */
async function snapshot(testInfo: TestInfo, name: string, what: Page | Locator) {
  const path = testInfo.outputPath(`${name}.png`);
  if ('goto' in what) await what.screenshot({ path, fullPage: true });
  else await what.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

function idFromUrl(page: Page): string {
  return decodeURIComponent(page.url().split('?')[0].split('/').pop()!);
}

async function section(page: Page, name: string) {
  await page.getByTestId('tenant-nav').getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: new RegExp(`^${name}`) })).toBeVisible();
}

async function centre(locator: Locator) {
  const box = await locator.boundingBox();
  expect(box).not.toBeNull();
  return { x: box!.x + box!.width / 2, y: box!.y + box!.height / 2 };
}

/** Drag a node type from the palette onto the canvas (HTML5 drag and drop). */
async function dropNode(page: Page, label: string, x: number, y: number) {
  await page
    .getByTestId('palette')
    .getByRole('button', { name: label, exact: true })
    .dragTo(page.getByTestId('flow-canvas'), { targetPosition: { x, y } });
}

/** Drag with the mouse from a node's output port to another node, in small steps. */
async function connect(page: Page, from: string, port: string, to: string) {
  const a = await centre(page.getByTestId(`handle-${from}-${port}`));
  const b = await centre(page.getByTestId(`node-${to}`).locator('.react-flow__handle.target'));
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
  await saved(page);
}

async function saved(page: Page) {
  await expect(page.getByTestId('scheme-editor')).toHaveAttribute('data-pending', '0');
  await expect(page.getByTestId('save-status')).toContainText('Saved');
}

/** Pick the option of an inspector select whose text contains `text`. */
async function choose(page: Page, label: string, text: string) {
  const select = page.getByTestId('inspector').getByLabel(label, { exact: true });
  const value = await select.locator('option', { hasText: text }).first().getAttribute('value');
  expect(value, `an option "${text}" in ${label}`).toBeTruthy();
  await select.selectOption(value!);
  await saved(page);
}

async function createExtension(page: Page, ext: { number: string; name: string }): Promise<Credentials> {
  await page.getByRole('link', { name: 'New extension' }).click();
  await page.getByLabel('Number', { exact: true }).fill(ext.number);
  await page.getByLabel('Name', { exact: true }).fill(ext.name);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByTestId('form-notice')).toContainText(`Created ${ext.number}`);
  const id = idFromUrl(page);
  // The SIP credentials as the page shows them: what a user types into a phone.
  const panel = page.getByTestId('sip-credentials');
  const username = (await panel.getByTestId('credential-username').first().textContent())!.trim();
  await panel.getByRole('button', { name: 'Show password' }).first().click();
  const password = (await panel.getByTestId('credential-password').first().textContent())!.trim();
  expect(username).toMatch(new RegExp(`-${ext.number}-`));
  await page.getByRole('link', { name: '← Extensions' }).click();
  return { id, username, password };
}

test('a tenant, extensions, a schedule and an IVR made in the browser, a scheme drawn and published, and a real call follows it', async ({
  page,
  request,
}, testInfo) => {
  const asterisk = process.env.PBXFLOW_E2E_ASTERISK ?? 'PBXFLOW_E2E_ASTERISK unset (run the specs with tests/run-e2e)';
  expect(asterisk, 'this spec places a real call: it needs the sandbox Asterisk of tests/run-e2e').toBe('up');
  expect(process.env.PBXFLOW_E2E_SIP_PORT, 'the sandbox SIP port').toBeTruthy();

  // --- the operator creates a tenant ------------------------------------------------------
  await page.goto('/');
  await page.getByLabel('Login').fill(operatorLogin);
  await page.getByLabel('Password').fill(operatorPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(operatorLogin);
  const token = (await page.evaluate(() => sessionStorage.getItem('pbxflow.token')))!;
  const headers = { Authorization: `Bearer ${token}` };

  const tenantName = `Real call ${suffix}`;
  await page.getByRole('navigation').getByRole('link', { name: 'Manage tenants' }).click();
  await page.getByRole('link', { name: 'New tenant' }).click();
  await page.getByLabel('Name', { exact: true }).fill(tenantName);
  await page.getByRole('region', { name: 'New tenant' }).getByLabel('Language', { exact: true }).selectOption('en');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByTestId('form-notice')).toContainText(`Created ${tenantName}`);
  // The new tenant's settings page opens, with the tenant's sections.
  await expect(page).toHaveURL(/#\/tenants\/[0-9a-f-]{36}\/settings$/);
  const tenantId = page.url().split('/').slice(-2)[0];
  const got = await request.get(`/api/tenants/${tenantId}`, { headers });
  expect(got.ok(), `GET the new tenant ${tenantId}: ${got.status()}`).toBeTruthy();
  const tenant = (await got.json()) as { code: string };
  expect(tenant.code).toBeTruthy();

  await expect(page.getByTestId('tenant-nav')).toBeVisible();

  // --- two extensions ---------------------------------------------------------------------
  await section(page, 'Extensions');
  const a = await createExtension(page, EXT_A);
  const b = await createExtension(page, EXT_B);
  expect(a.username).not.toBe(b.username);

  // --- a schedule open all week, 00:00–00:00 ("Always open") -------------------------------
  await section(page, 'Schedules');
  await page.getByRole('link', { name: 'New schedule' }).click();
  const scheduleName = `Always ${suffix}`;
  await page.getByLabel('Name', { exact: true }).fill(scheduleName);
  await page.getByRole('button', { name: 'Always open' }).click();
  await expect(page.getByTestId('slot-sun-23:30')).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByTestId('form-notice')).toContainText(`Created ${scheduleName}`);
  const schedule = (await (await request.get(`/api/tenants/${tenantId}/schedules/${idFromUrl(page)}`, { headers })).json()) as {
    periods: { days: string[]; start: string; end: string }[];
  };
  expect(schedule.periods).toEqual([{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00' }]);

  // --- an IVR menu: key 1 is an exit of the menu's node -----------------------------------
  await section(page, 'IVR menus');
  await page.getByRole('link', { name: 'New IVR menu' }).click();
  const menuName = `Main ${suffix}`;
  await page.getByLabel('Name', { exact: true }).fill(menuName);
  await page.getByTestId('ivr-keys').getByRole('button', { name: '+ key' }).click(); // 1 → exit
  await expect(page.getByLabel('Key of row 1')).toHaveValue('1');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByTestId('form-notice')).toContainText(`Created ${menuName}`);

  // --- the scheme, drawn on the canvas ----------------------------------------------------
  await page.getByTestId('tenant-nav').getByRole('link', { name: 'Routing', exact: true }).click();
  await expect(page.getByRole('heading', { name: /Routing schemes/ })).toBeVisible();
  const schemeName = `Reception ${suffix}`;
  await page.getByLabel('Name', { exact: true }).fill(schemeName);
  await page.getByRole('button', { name: 'Create and open' }).click();
  await expect(page.getByTestId('scheme-editor')).toBeVisible();
  const schemeId = idFromUrl(page);

  await dropNode(page, 'Entry', 40, 60);
  await expect(page.getByTestId('node-entry1')).toBeVisible();
  await saved(page);
  const numbers = page.getByTestId('inspector').getByLabel('Numbers');
  await numbers.fill(ENTRY);
  await numbers.press('Enter');
  await expect(page.getByTestId('node-entry1')).toContainText(ENTRY);
  await saved(page);

  await dropNode(page, 'Time condition', 40, 280);
  await expect(page.getByTestId('node-time1')).toBeVisible();
  await saved(page);
  await choose(page, 'Schedule', scheduleName);

  await dropNode(page, 'Voice menu', 280, 160);
  await expect(page.getByTestId('node-ivr1')).toBeVisible();
  await saved(page);
  await choose(page, 'Menu', menuName);
  await expect(page.getByTestId('handle-ivr1-key:1')).toBeVisible(); // the menu's exit key became a port

  await dropNode(page, 'Dial extension', 515, 30);
  await expect(page.getByTestId('node-dial1')).toBeVisible();
  await saved(page);
  await choose(page, 'Extension', EXT_A.number);

  await dropNode(page, 'Dial extension', 515, 250);
  await expect(page.getByTestId('node-dial2')).toBeVisible();
  await saved(page);
  await choose(page, 'Extension', EXT_B.number);

  await connect(page, 'entry1', 'next', 'time1');
  await connect(page, 'time1', 'open', 'ivr1');
  await connect(page, 'time1', 'closed', 'dial2');
  await connect(page, 'ivr1', 'key:1', 'dial1');
  await connect(page, 'ivr1', 'timeout', 'dial2');
  await expect(page.locator('.react-flow__edge')).toHaveCount(5);

  const drawn = (await (await request.get(`/api/tenants/${tenantId}/schemes/${schemeId}`, { headers })).json()) as {
    graph: { nodes: { id: string; type: string }[]; edges: { from: string; port: string; to: string }[] };
  };
  expect(drawn.graph.nodes.map((n) => `${n.id}:${n.type}`).sort()).toEqual(
    ['dial1:dial', 'dial2:dial', 'entry1:entry', 'ivr1:ivr', 'time1:time_condition'],
  );
  expect(drawn.graph.edges.map((e) => `${e.from}.${e.port}->${e.to}`).sort()).toEqual(
    ['entry1.next->time1', 'ivr1.key:1->dial1', 'ivr1.timeout->dial2', 'time1.closed->dial2', 'time1.open->ivr1'],
  );
  await expect(page.getByTestId('validation-summary')).not.toContainText('error');
  await snapshot(testInfo, 'canvas', page.getByTestId('flow-canvas'));

  await page.getByRole('button', { name: 'Publish…' }).click();
  await page.getByLabel('Comment').fill('reception: menu by day, front desk otherwise');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(page.getByTestId('notice')).toContainText('Published as revision 1');

  // --- a real call: B dials 700, presses 1, A answers --------------------------------------
  const key = schemeId.replace(/-/g, '').slice(0, 12);
  const workdir = testInfo.outputPath('sipp'); // SIPp's logs stay with the test's results
  let placed: { final_status: number; callee_answered: boolean };
  try {
    const { stdout } = await run(
      join(root, '.venv/bin/python'),
      [
        join(root, 'tests/e2e/place_call.py'),
        '--sip-port', process.env.PBXFLOW_E2E_SIP_PORT!,
        '--number', ENTRY,
        // Wait until Asterisk sends 700 into revision 1 of this scheme (the publish was applied).
        '--route', `t-${tenant.code}-entries:t-${tenant.code}-s-${key}-r1`,
        '--caller', `${b.username}:${b.password}`,
        '--callee', `${a.username}:${a.password}`,
        '--key', '1', '--key-at', '1.0', '--method', 'rfc2833',
        '--workdir', workdir,
      ],
      { cwd: root, timeout: 240_000 },
    );
    placed = JSON.parse(stdout.trim().split('\n').pop()!);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`place_call.py failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
  expect(placed.final_status).toBe(200);
  expect(placed.callee_answered).toBe(true);

  // --- the call in the browser --------------------------------------------------------------
  await page.getByTestId('tenant-nav').getByRole('link', { name: 'Calls', exact: true }).click();
  await expect(page.getByTestId('call-history')).toBeVisible();
  const rows = page.getByTestId('call-row');
  // The history row appears once the call's events are ingested and projected.
  await expect(async () => {
    await page.reload();
    await expect(rows).toHaveCount(1, { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  const row = rows.first();
  await expect(row).toHaveAttribute('data-result', 'answered');
  await expect(row).toContainText(EXT_B.number);
  await expect(row).toContainText(ENTRY);
  await expect(row).toContainText(`${EXT_A.number} ${EXT_A.name}`);

  await row.getByRole('link').first().click();
  await expect(page.getByTestId('call-detail')).toBeVisible();
  await expect(page.getByTestId('call-result')).toHaveText('Answered');
  await expect(page.getByTestId('call-detail')).toContainText(`${EXT_A.number} ${EXT_A.name}`);
  const protocol = page.getByTestId('protocol');
  const nodeSteps = protocol.locator('[data-step="node"]');
  await expect(nodeSteps).toHaveCount(4);
  for (const [i, node] of ['entry1', 'time1', 'ivr1', 'dial1'].entries()) await expect(nodeSteps.nth(i)).toContainText(`r1: node ${node}`);
  await expect(protocol).toContainText('caller pressed 1');
  await expect(protocol.locator('[data-step="end"]')).toContainText('answered');
  await snapshot(testInfo, 'protocol', page);

  // "Show on the scheme": the path over exactly the drawn nodes the call went through.
  await page.getByTestId('open-scheme-path').click();
  await expect(page.getByTestId('scheme-editor')).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`schemes/${schemeId}\\?revision=1&path=entry1,time1,ivr1,dial1$`));
  await expect(page.getByTestId('trace-banner')).toContainText('Path of a call through revision 1');
  for (const [node, step] of [['entry1', '1'], ['time1', '2'], ['ivr1', '3'], ['dial1', '4']]) {
    await expect(page.getByTestId(`steps-${node}`)).toHaveText(step);
  }
  await expect(page.getByTestId('steps-dial2')).toHaveCount(0);
  await expect(page.locator('.scheme-node.is-on-path')).toHaveCount(4);
  await expect(page.locator('.react-flow__edge.is-on-path')).toHaveCount(3);
  await snapshot(testInfo, 'traced-path', page.getByTestId('flow-canvas'));
});
