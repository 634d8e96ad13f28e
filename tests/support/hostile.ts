/** Hostile input shared by the hostile-input test (per form field) and the route fuzz (per route parameter). */

export const MB = "x".repeat(1024 * 1024);

/** Field values no form should choke on. */
export const hostileValues: Record<string, string> = {
  empty: "",
  spaces: "   \t  ",
  nul: "abc\u0000def",
  "nul email": "ada\u0000@example.com",
  "1 MB": MB,
  unicode: "ünïcødé 名前 Ελληνικά",
  rtl: "\u202Eadmin\u202C@example.com",
  emoji: "👩‍👩‍👧‍👦😀🔥@example.com",
  "lone surrogate": "\uD800x\uDFFF",
  sql: "' OR '1'='1'; DROP TABLE users; --",
  "sql email": "x'--@example.com",
  html: "<script>alert(1)</script><img src=x onerror=alert(1)>",
  "control chars": "\u0001\u0002\u001b[31m\r\n\t",
  "header injection": "/ok\r\nSet-Cookie: pwned=1",
  "percent literal": "%E0%A4%A",
  "like wildcards": "%_\\%",
  "long email": `${"a".repeat(5000)}@example.com`,
  "exactly 1025 bytes": "a".repeat(1025),
};

