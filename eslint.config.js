import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Layers point down only (README: Architecture); these rules make the arrows enforceable. */
const layer = (files, forbidden, why) => ({
  files,
  rules: {
    "no-restricted-imports": ["error", { patterns: forbidden.map((group) => ({ group: [group], message: why })) }],
  },
});

export default tseslint.config(
  { ignores: ["build/", ".react-router/", "node_modules/", "test-results/", "playwright-report/", ".data/", "bench/minimal-app/build/", "bench/minimal-app/.react-router/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  layer(["app/**"], ["**/server/*", "**/db/*"], "app/ never imports the composition root or migrations."),
  layer(
    ["app/models/**"],
    ["**/services/*", "**/routes/*", "**/components/*", "react-router", "express"],
    "models hold domain types and repositories: they import nothing above them.",
  ),
  layer(
    ["app/services/**"],
    ["**/routes/*", "**/components/*", "react-router", "express"],
    "services hold use cases: no routes, components or HTTP types.",
  ),
  layer(
    ["app/sessions/**"],
    ["**/routes/*", "**/components/*", "express"],
    "sessions adapt cookies to services: no routes or components.",
  ),
  layer(
    ["app/http/**"],
    ["**/routes/*", "**/components/*", "**/services/*", "**/sessions/*", "express"],
    "http helpers parse requests and shape responses: no routes, components, services or sessions.",
  ),
  {
    files: ["app/services/**", "app/models/**"],
    rules: {
      "no-restricted-globals": ["error", ...["Request", "Response", "FormData", "Headers"].map((name) => ({ name, message: "parse HTTP input in the route; pass domain types in." }))],
    },
  },
  layer(
    ["app/routes/**", "app/components/**"],
    ["kysely", "pg", "**/models/database*", "**/models/*-repository*"],
    "routes and components never run SQL: call a service.",
  ),
);
