// Lint rules that run in `npm test` (scripts/test.sh). The floors of the source tree (what may import
// what) are held by test/unit/floors.test.ts.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".test-results/**", ".bench/**", "**/*.js", "**/*.cjs", "**/*.mjs"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // `typeof import("...")` stays allowed: tests import dist/ after installing Pulumi mocks.
      "@typescript-eslint/consistent-type-imports": ["error", { disallowTypeAnnotations: false }],
      "@typescript-eslint/no-explicit-any": "error",
      // Loading on demand is the design: a provider requires its SDK inside create(), serialized dynamic
      // providers require pulumi-machina/internal/dynamic/v1 by name, optional packages load when used.
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
    },
  },
);
