/** Where the e2e server (playwright.config.ts) keeps its embedded PostgreSQL, and the secret it signs cookies with. */
export const E2E_DATA_DIR = ".data/e2e";
/** Fixed, so that tests/e2e/members.ts signs session cookies the server accepts (base64url, 84 bytes). */
export const E2E_SESSION_SECRET = "glassbox-e2e-session-secret-".repeat(4);
