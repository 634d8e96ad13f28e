import { defineConfig } from "@playwright/test";
import { chromiumArgs, chromiumExecutable } from "./tests/e2e/chromium.ts";
import { E2E_DATA_DIR, E2E_SESSION_SECRET } from "./tests/e2e/server-env.ts";

const PORT = Number(process.env.E2E_PORT ?? 3123);
/** The fake GitHub (tests/support/fake-github.ts) the app signs in with, on a port derived from the app's. */
const FAKE_GITHUB_PORT = PORT + 1000;
const GITHUB = { id: "glassbox-e2e", secret: "e2e-client-secret" };
/** The fake Google (tests/support/fake-google.ts), on a port of its own derived from the app's. */
const FAKE_GOOGLE_PORT = PORT + 2000;
const GOOGLE = { id: "glassbox-e2e.apps.googleusercontent.test", secret: "e2e-google-secret" };
const FAKE_GOOGLE = `http://127.0.0.1:${FAKE_GOOGLE_PORT}`;
const launchOptions = { executablePath: chromiumExecutable(), args: chromiumArgs };

/** End-to-end against the production build (npm run build first), on its own embedded database. */
export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  timeout: 30_000,
  use: { baseURL: `http://127.0.0.1:${PORT}`, trace: "retain-on-failure" },
  projects: [
    // @scripts tests need JavaScript; @no-scripts tests check what the server alone renders.
    { name: "js", grepInvert: /@no-scripts/, use: { browserName: "chromium", launchOptions, javaScriptEnabled: true } },
    {
      name: "no-js",
      grepInvert: /@scripts/,
      use: { browserName: "chromium", launchOptions, javaScriptEnabled: false },
    },
  ],
  webServer: [
    {
      command: "exec ./node_modules/.bin/tsx tests/support/fake-github.ts",
      env: {
        FAKE_GITHUB_PORT: String(FAKE_GITHUB_PORT),
        FAKE_GITHUB_CLIENT_ID: GITHUB.id,
        FAKE_GITHUB_CLIENT_SECRET: GITHUB.secret,
      },
      url: `http://127.0.0.1:${FAKE_GITHUB_PORT}/`,
      reuseExistingServer: false,
      timeout: 30_000,
      gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    },
    {
      command: "exec ./node_modules/.bin/tsx tests/support/fake-google.ts",
      env: {
        FAKE_GOOGLE_PORT: String(FAKE_GOOGLE_PORT),
        FAKE_GOOGLE_CLIENT_ID: GOOGLE.id,
        FAKE_GOOGLE_CLIENT_SECRET: GOOGLE.secret,
      },
      url: `${FAKE_GOOGLE}/`,
      reuseExistingServer: false,
      timeout: 30_000,
      gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    },
    {
      // A fresh data directory per run: the zero-setup path, exactly as `npm start` takes it.
      command: `rm -rf ${E2E_DATA_DIR} && exec node build/main.js`,
      env: {
        PORT: String(PORT),
        HOST: "127.0.0.1",
        DATA_DIR: E2E_DATA_DIR,
        // tests/e2e/members.ts signs session cookies with it, for tests that start signed in.
        SESSION_SECRET: E2E_SESSION_SECRET,
        LOG_FORMAT: "json",
        LOG_LEVEL: "warn",
        ADMIN_EMAILS: "admin@e2e.test",
        // Every browser test signs up from 127.0.0.1; the sign-up limit itself is tested in tests/integration/abuse-limits.test.ts.
        SIGNUPS_PER_ADDRESS_PER_HOUR: "100000",
        GITHUB_CLIENT_ID: GITHUB.id,
        GITHUB_CLIENT_SECRET: GITHUB.secret,
        GITHUB_BASE_URL: `http://127.0.0.1:${FAKE_GITHUB_PORT}`,
        GITHUB_API_URL: `http://127.0.0.1:${FAKE_GITHUB_PORT}`,
        GOOGLE_CLIENT_ID: GOOGLE.id,
        GOOGLE_CLIENT_SECRET: GOOGLE.secret,
        GOOGLE_AUTHORIZE_URL: `${FAKE_GOOGLE}/o/oauth2/v2/auth`,
        GOOGLE_TOKEN_URL: `${FAKE_GOOGLE}/token`,
        GOOGLE_USERINFO_URL: `${FAKE_GOOGLE}/v1/userinfo`,
      },
      url: `http://127.0.0.1:${PORT}/ready`,
      reuseExistingServer: false,
      timeout: 60_000,
      gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    },
  ],
});
