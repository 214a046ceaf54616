// Sign in through the login page and see the tenant list.
// PBXFLOW_E2E_LOGIN / PBXFLOW_E2E_PASSWORD default to the demo tenant's admin of `make run`.
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const login = process.env.PBXFLOW_E2E_LOGIN ?? 'demo-admin';
const password = process.env.PBXFLOW_E2E_PASSWORD ?? 'demo-admin-pass';
const artifact = (name: string) => fileURLToPath(new URL(`../../test-artifacts/${name}`, import.meta.url));

test('the login page renders', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Login')).toBeVisible();
  await expect(page.getByLabel('Password')).toBeVisible();
  await page.screenshot({ path: artifact('e2e-login-page.png'), fullPage: true });
});

test('a wrong password is refused with the server’s message', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(`${password}-wrong`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('wrong login or password');
  await expect(page.getByTestId('current-user')).toHaveCount(0);
});

test('signs in and sees the tenant list', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page.getByTestId('current-user')).toHaveText(login);
  const tenants = page.getByTestId('tenant-list').getByRole('link');
  await expect(tenants.first()).toBeVisible();
  expect(await tenants.count()).toBeGreaterThan(0);
  // The token lives in sessionStorage, not in localStorage.
  expect(await page.evaluate(() => sessionStorage.getItem('pbxflow.token'))).toBeTruthy();
  await page.screenshot({ path: artifact('e2e-tenants.png'), fullPage: true });

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});
