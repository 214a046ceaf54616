// The management pages in a real browser against a running pbxflow (`make run`), as a
// tenant admin: extensions with their SIP credentials, a server validation message at its
// field, an edit and a stale edit (conflict banner), a schedule drawn on the week grid with
// an exception, a voice message, an IVR menu with keys, media upload with preview, and
// deletes with a confirmation. Whatever it makes is deleted at the end.
// PBXFLOW_E2E_LOGIN / PBXFLOW_E2E_PASSWORD: a tenant admin (default: the demo tenant's).
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test';

test.describe.configure({ timeout: 120_000, mode: 'serial' });

const login = process.env.PBXFLOW_E2E_LOGIN ?? 'demo-admin';
const password = process.env.PBXFLOW_E2E_PASSWORD ?? 'demo-admin-pass';
const artifact = (name: string) => fileURLToPath(new URL(`../../test-artifacts/${name}`, import.meta.url));

interface Session {
  token: string;
  tenantId: string;
}

/** Objects made here, deleted at the end: [collection, id]. */
const created: [string, string][] = [];
let apiSession: Session | null = null;

// Five-digit numbers (the demo plan allows 3–5 digits) unlikely to meet other runs' numbers.
const stamp = Date.now() % 7000;
const extA = String(20000 + stamp);
const extB = String(30000 + stamp);
const suffix = Date.now().toString(36);

async function signIn(page: Page): Promise<Session> {
  await page.goto('/');
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(login);
  const raw = await page.evaluate(() => [sessionStorage.getItem('pbxflow.token'), sessionStorage.getItem('pbxflow.user')]);
  const user = JSON.parse(raw[1] ?? '{}') as { tenant_id?: string };
  expect(user.tenant_id, 'the e2e account must be a tenant admin').toBeTruthy();
  apiSession = { token: raw[0]!, tenantId: user.tenant_id! };
  return apiSession;
}

function auth(session: Session) {
  return { Authorization: `Bearer ${session.token}` };
}

async function apiGet<T>(request: APIRequestContext, session: Session, path: string): Promise<T> {
  const res = await request.get(`/api/tenants/${session.tenantId}/${path}`, { headers: auth(session) });
  expect(res.ok(), `GET ${path}`).toBeTruthy();
  return (await res.json()) as T;
}

/** The id at the end of the page's hash (#/tenants/<t>/<section>/<id>). */
function idFromUrl(page: Page): string {
  return decodeURIComponent(page.url().split('/').pop()!);
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

/** A short 8 kHz mono 16-bit WAV (a 440 Hz tone). */
function toneWav(seconds = 0.5, rate = 8000): Buffer {
  const samples = Math.round(seconds * rate);
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return buf;
}

test.afterAll(async ({ playwright, baseURL }) => {
  if (!apiSession) return;
  const request = await playwright.request.newContext({ baseURL });
  // Reverse order: a menu before the message it plays.
  for (const [collection, id] of [...created].reverse()) {
    const path = `/api/tenants/${apiSession.tenantId}/${collection}/${id}`;
    const res = await request.get(path, { headers: auth(apiSession) });
    if (!res.ok()) continue;
    const { version } = (await res.json()) as { version: number };
    await request.delete(path, { headers: { ...auth(apiSession), 'If-Match': `"${version}"` } });
  }
  await request.dispose();
});

test('extensions: SIP credentials, a validation message at its field, edit, conflict, delete', async ({ page, request }) => {
  const session = await signIn(page);
  await section(page, 'Extensions');

  // Two extensions; each shows its SIP username and password once saved.
  const credentials: { username: string; password: string }[] = [];
  for (const [number, name] of [
    [extA, `Reception ${suffix}`],
    [extB, `Sales ${suffix}`],
  ]) {
    await page.getByRole('link', { name: 'New extension' }).click();
    await expect(page.getByRole('heading', { name: 'New extension' })).toBeVisible();
    await page.getByLabel('Number', { exact: true }).fill(number);
    await page.getByLabel('Name', { exact: true }).fill(name);
    if (number === extB) {
      await page.getByRole('button', { name: '+ external number' }).click();
      await page.getByTestId('device-1').getByLabel('External number').fill('+7 916 123-45-67');
    }
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await expect(page.getByTestId('form-notice')).toContainText(`Created ${number}`);
    const id = idFromUrl(page);
    created.push(['extensions', id]);

    const panel = page.getByTestId('sip-credentials');
    await expect(panel).toBeVisible();
    const username = (await panel.getByTestId('credential-username').first().textContent())!.trim();
    await panel.getByRole('button', { name: 'Show password' }).first().click();
    const shown = (await panel.getByTestId('credential-password').first().textContent())!.trim();
    expect(username).toMatch(new RegExp(`-${number}-`));
    expect(shown.length).toBeGreaterThanOrEqual(12);
    // What the page shows is what the API provisioned.
    const ext = await apiGet<{ devices: { type: string; username?: string; password?: string; number?: string }[] }>(request, session, `extensions/${id}`);
    expect(ext.devices[0]).toMatchObject({ type: 'sip', username, password: shown });
    if (number === extB) expect(ext.devices[1]).toMatchObject({ type: 'external', number: '+79161234567' });
    credentials.push({ username, password: shown });
    if (number === extA) await page.screenshot({ path: artifact('e2e-manage-extension.png'), fullPage: true });
    await page.getByRole('link', { name: '← Extensions' }).click();
  }
  expect(credentials[0].username).not.toBe(credentials[1].username);

  // A number that breaks the numbering plan: the server's message is shown at the field.
  await page.getByRole('link', { name: 'New extension' }).click();
  await page.getByLabel('Number', { exact: true }).fill('099');
  await page.getByLabel('Name', { exact: true }).fill('Bad number');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  const numberInput = page.getByLabel('Number', { exact: true });
  await expect(numberInput).toHaveAttribute('aria-invalid', 'true');
  const describedBy = (await numberInput.getAttribute('aria-describedby'))!.split(' ');
  await expect(page.locator(`[id="${describedBy[0]}"]`)).toContainText('must not start with 0 or 1');
  await expect(page.getByTestId('form-problem')).toContainText('Please correct the marked fields');
  // A number in use is refused at the field too (409 naming "number").
  await numberInput.fill(extA);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.locator(`[id="${describedBy[0]}"]`)).toContainText('already in use');
  await page.screenshot({ path: artifact('e2e-manage-validation.png'), fullPage: true });
  await page.getByRole('link', { name: 'Cancel' }).click();

  // Search the list, open the first extension and rename it.
  await page.getByPlaceholder('Search…').fill(extA);
  const list = page.getByTestId('list-extensions');
  await expect(list.getByRole('row')).toHaveCount(2); // header + one
  await list.getByRole('link', { name: extA, exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill(`Front desk ${suffix}`);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('form-notice')).toHaveText('Saved (version 2).');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${extA} Front desk ${suffix}`);

  // Someone else saves first: our stale save is refused with a banner, and Reload shows theirs.
  const extAId = idFromUrl(page);
  const theirs = await request.patch(`/api/tenants/${session.tenantId}/extensions/${extAId}`, {
    headers: { ...auth(session), 'If-Match': '"2"' },
    data: { name: `Changed elsewhere ${suffix}` },
  });
  expect(theirs.status()).toBe(200);
  await page.getByLabel('Name', { exact: true }).fill(`Mine ${suffix}`);
  await page.getByRole('button', { name: 'Save' }).click();
  const banner = page.getByTestId('conflict');
  await expect(banner).toContainText('Someone else changed this');
  await expect(banner).toContainText('version 3');
  await banner.getByRole('button', { name: 'Reload' }).click();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(`Changed elsewhere ${suffix}`);
  await expect(page.getByTestId('item-version')).toHaveText('version 3');

  // Delete the second extension from its form, after a confirmation.
  await page.getByRole('link', { name: '← Extensions' }).click();
  await page.getByPlaceholder('Search…').fill(extB);
  await expect(list.getByRole('row')).toHaveCount(2);
  await list.getByRole('link', { name: extB, exact: true }).click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText(`Delete ${extB} Sales ${suffix}?`);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete for good' }).click();
  await expect(page.getByRole('status')).toContainText(`Deleted ${extB}`);
  await page.getByPlaceholder('Search…').fill(extB);
  await expect(page.getByText(`Nothing matches “${extB}”.`)).toBeVisible();
});

test('a schedule drawn on the week grid, with an exception', async ({ page, request }) => {
  const session = await signIn(page);
  await section(page, 'Schedules');
  await page.getByRole('link', { name: 'New schedule' }).click();
  await page.getByLabel('Name', { exact: true }).fill(`Office ${suffix}`);

  // Drag a rectangle from Monday 09:00 to Friday 17:30: Mon–Fri 09:00–18:00.
  const from = await centre(page.getByTestId('slot-mon-09:00'));
  const to = await centre(page.getByTestId('slot-fri-17:30'));
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
  const periods = page.getByTestId('periods');
  await expect(periods.getByTestId('period-0')).toContainText('Mon–Fri');
  await expect(page.getByLabel('Start of period 1')).toHaveValue('09:00');
  await expect(page.getByLabel('End of period 1')).toHaveValue('18:00');
  await expect(page.getByTestId('slot-wed-12:00')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('slot-sat-12:00')).toHaveAttribute('aria-pressed', 'false');
  // Close Wednesday lunch with one slot (keyboard), and open Saturday morning by a click.
  await page.getByTestId('slot-wed-13:00').focus();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('slot-wed-13:00')).toHaveAttribute('aria-pressed', 'false');
  await page.getByTestId('slot-sat-10:00').click();
  await expect(page.getByTestId('slot-sat-10:00')).toHaveAttribute('aria-pressed', 'true');

  // A holiday with short hours.
  await page.getByRole('button', { name: '+ exception' }).click();
  await page.getByLabel('Date of exception 1').fill('2030-12-31');
  await page.getByLabel('Exception 1', { exact: true }).selectOption('hours');
  await page.getByLabel('Hours of exception 1').fill('10:00-14:00');
  await page.getByLabel('Note of exception 1').fill('New Year’s Eve');
  await page.screenshot({ path: artifact('e2e-manage-schedule.png'), fullPage: true });
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByTestId('form-notice')).toContainText(`Created Office ${suffix}`);
  const id = idFromUrl(page);
  created.push(['schedules', id]);

  const schedule = await apiGet<{ periods: unknown[]; exceptions: unknown[] }>(request, session, `schedules/${id}`);
  expect(schedule.periods).toEqual([
    { days: ['mon', 'tue', 'thu', 'fri'], start: '09:00', end: '18:00' },
    { days: ['wed'], start: '09:00', end: '13:00' },
    { days: ['wed'], start: '13:30', end: '18:00' },
    { days: ['sat'], start: '10:00', end: '10:30' },
  ]);
  expect(schedule.exceptions).toMatchObject([{ date: '2030-12-31', open: true, periods: [{ start: '10:00', end: '14:00' }], note: 'New Year’s Eve' }]);

  // A period that crosses midnight is refused by the server, at that period.
  await page.getByRole('button', { name: '+ period' }).click();
  await page.getByLabel('Start of period 5').fill('22:00');
  await page.getByLabel('End of period 5').fill('06:00');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('period-4')).toContainText('periods do not cross midnight');
  await page.getByRole('button', { name: 'Discard changes' }).click();
  await expect(page.getByTestId('period-4')).toHaveCount(0);
});

test('a voice message and an IVR menu with keys; delete from the list', async ({ page, request }) => {
  const session = await signIn(page);
  const messageName = `Welcome ${suffix}`;
  await section(page, 'Voice messages');
  await page.getByRole('link', { name: 'New voice message' }).click();
  await page.getByLabel('Name', { exact: true }).fill(messageName);
  await page.getByLabel('Text', { exact: true }).fill('Thank you for calling. Press 1 for sales, 2 for the front desk.');
  await page.getByLabel('Play times').fill('2');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByTestId('form-notice')).toContainText(`Created ${messageName}`);
  const messageId = idFromUrl(page);
  created.push(['voice-messages', messageId]);

  await section(page, 'IVR menus');
  await page.getByRole('link', { name: 'New IVR menu' }).click();
  const menuName = `Main menu ${suffix}`;
  await page.getByLabel('Name', { exact: true }).fill(menuName);
  await page.getByLabel('Prompt', { exact: true }).selectOption({ label: messageName });
  const keys = page.getByTestId('ivr-keys');
  await keys.getByRole('button', { name: '+ key' }).click(); // 1 → exit
  await keys.getByRole('button', { name: '+ key' }).click(); // 2
  await page.getByLabel('Action of row 2').selectOption('extension');
  await page.getByLabel('Target of row 2').fill(extA);
  await keys.getByRole('button', { name: '+ key' }).click(); // 3
  await page.getByLabel('Key of row 3').selectOption('0');
  await page.getByLabel('Action of row 3').selectOption('voice_message');
  await page.getByLabel('Target of row 3').selectOption({ label: messageName });
  await page.getByLabel('After silence: action').selectOption('hangup');
  await page.screenshot({ path: artifact('e2e-manage-ivr.png'), fullPage: true });
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByTestId('form-notice')).toContainText(`Created ${menuName}`);
  const menuId = idFromUrl(page);
  created.push(['ivr-menus', menuId]);

  type Action = { key?: string; action: string; target?: string | null };
  const menu = await apiGet<{ keys: Action[]; prompt_voice_message_id: string; timeout_exit: Action }>(request, session, `ivr-menus/${menuId}`);
  const withTarget = (a: Action) => ({ ...a, target: a.target ?? null }); // the API leaves out a null target
  expect(menu.prompt_voice_message_id).toBe(messageId);
  expect(menu.keys.map(withTarget)).toEqual([
    { key: '1', action: 'exit', target: null },
    { key: '2', action: 'extension', target: extA },
    { key: '0', action: 'voice_message', target: messageId },
  ]);
  expect(withTarget(menu.timeout_exit)).toEqual({ action: 'hangup', target: null });

  // A key's server-side error lands at its row: a menu's key leading to a number outside the plan.
  await page.getByLabel('Target of row 2').fill('12');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(keys.getByTestId('ivr-key-1')).toContainText('digits');
  await page.getByRole('button', { name: 'Discard changes' }).click();

  // The list shows the keys; delete the menu there, after a confirmation.
  await page.getByRole('link', { name: '← IVR menus' }).click();
  const row = page.getByTestId('list-ivr-menus').getByRole('row', { name: new RegExp(menuName) });
  await expect(row).toContainText(`2 → ${extA}`);
  await row.getByRole('button', { name: `Delete: ${menuName}` }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete for good' }).click();
  await expect(page.getByRole('status')).toContainText(`Deleted ${menuName}`);
  await expect(page.getByTestId('list-ivr-menus').getByRole('row', { name: new RegExp(menuName) })).toHaveCount(0);
  const gone = await request.get(`/api/tenants/${session.tenantId}/ivr-menus/${menuId}`, { headers: auth(session) });
  expect(gone.status()).toBe(404);
});

test('media: upload with progress, preview, play what callers hear', async ({ page }) => {
  await signIn(page);
  await section(page, 'Media');
  await page.getByRole('link', { name: 'Upload media' }).click();
  const upload = page.getByTestId('media-upload');
  await upload.getByLabel('Audio file').setInputFiles({ name: `tone-${suffix}.wav`, mimeType: 'audio/wav', buffer: toneWav() });
  // The chosen file plays in the browser before it is sent.
  await expect(page.getByTestId('media-local-preview')).toBeVisible();
  await expect
    .poll(() => page.getByTestId('media-local-preview').evaluate((a) => (a as HTMLAudioElement).readyState))
    .toBeGreaterThanOrEqual(1);
  await upload.getByLabel('Name', { exact: true }).fill(`Tone ${suffix}`);
  await upload.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByTestId('form-notice')).toContainText(`Created Tone ${suffix}`);
  created.push(['media', idFromUrl(page)]);
  // The converted audio (8 kHz WAV) loads in the player: about half a second.
  const audio = page.getByTestId('media-audio');
  await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).duration)).toBeGreaterThan(0.4);
  await expect(page.getByTestId('media-panel')).toContainText(`tone-${suffix}.wav`);
});
