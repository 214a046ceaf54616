// End-to-end tests in a real browser against a running pbxflow (`make run`).
// Uses the system Chromium (no browser downloads): set PBXFLOW_E2E_CHROMIUM to
// point elsewhere. Run with `npm run e2e`; see frontend/README.md.
import { defineConfig } from '@playwright/test';

const baseURL = process.env.PBXFLOW_E2E_URL ?? 'http://127.0.0.1:8000';
const executablePath = process.env.PBXFLOW_E2E_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  // Paths are relative to this file: artifacts go to <repo>/test-artifacts (git-ignored).
  outputDir: '../../test-artifacts/playwright',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
