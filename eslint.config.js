import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * Layers point down only (README: Architecture); these rules make the arrows enforceable. In a flat
 * config the last block that matches a file sets a rule for it, so each layer lists every
 * restriction it keeps (the composition root and the SQL ones included), not only its own.
 */
const restrict = (groups, message) => groups.map((group) => ({ group: [group], message }));
// `\\#`: in these gitignore-style patterns a leading # would start a comment.
const NO_SERVER = restrict(
  ["\\#server/**", "**/server/**", "\\#db/**", "**/db/**"],
  "app/ never imports the composition root or migrations.",
);
const NO_SQL = restrict(
  ["kysely", "pg", "**/models/database*", "**/models/*-repository*"],
  "routes and components never run SQL: call a service.",
);
const layer = (files, ...patterns) => ({
  files,
  rules: { "no-restricted-imports": ["error", { patterns: patterns.flat() }] },
});

export default tseslint.config(
  {
    ignores: [
      "build/",
      ".react-router/",
      "node_modules/",
      "test-results/",
      "playwright-report/",
      ".data/",
      "bench/minimal-app/build/",
      "bench/minimal-app/.react-router/",
    ],
  },
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
  layer(["app/**"], NO_SERVER),
  layer(
    ["app/models/**"],
    NO_SERVER,
    restrict(
      ["**/services/*", "**/routes/*", "**/components/*", "react-router", "express"],
      "models hold domain types and repositories: they import nothing above them.",
    ),
  ),
  layer(
    ["app/services/**"],
    NO_SERVER,
    restrict(
      ["**/routes/*", "**/components/*", "react-router", "express"],
      "services hold use cases: no routes, components or HTTP types.",
    ),
  ),
  layer(
    ["app/sessions/**"],
    NO_SERVER,
    restrict(
      ["**/routes/*", "**/components/*", "express"],
      "sessions adapt cookies to services: no routes or components.",
    ),
  ),
  layer(
    ["app/http/**"],
    NO_SERVER,
    restrict(
      ["**/routes/*", "**/components/*", "**/services/*", "**/sessions/*", "express"],
      "http helpers parse requests and shape responses: no routes, components, services or sessions.",
    ),
  ),
  {
    files: ["app/services/**", "app/models/**"],
    rules: {
      "no-restricted-globals": [
        "error",
        ...["Request", "Response", "FormData", "Headers"].map((name) => ({
          name,
          message: "parse HTTP input in the route; pass domain types in.",
        })),
      ],
    },
  },
  layer(["app/routes/**"], NO_SERVER, NO_SQL),
  layer(
    ["app/components/**"],
    NO_SERVER,
    NO_SQL,
    restrict(
      ["**/services/*", "**/routes/*", "**/sessions/*", "express"],
      "components render props: their types come from app/models (or app/http's form and docs helpers), never from services, routes or sessions.",
    ),
  ),
);
