// Lint rules that run in `npm test` (scripts/test.sh). The floors of the source tree (what may import
// what) are held by test/unit/floors.test.ts.
import tseslint from "typescript-eslint";

// Loading @pulumi/pulumi costs about 0.9 s and 120 MB. Core, the provider descriptions (what
// `machina info` and validation read) and the CLI with its engine-free commands import it as types
// only; what needs its values loads it lazily (`require` inside the function) or lives a floor up.
const PULUMI_TYPES_ONLY = {
  name: "@pulumi/pulumi",
  allowTypeImports: true,
  message: "import @pulumi/pulumi as types only here (import type); load values lazily or move the code up a floor",
};
const PROVIDER_SDKS = [
  "@pulumi/aws",
  "@pulumi/gcp",
  "@pulumi/azure-native",
  "@pulumi/digitalocean",
  "@pulumi/hcloud",
  "@pulumi/kubernetes",
  "@muhlba91/pulumi-proxmoxve",
];

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
  {
    files: [
      "core/**/*.ts",
      "automation/**/*.ts",
      "stacks/environment.ts",
      "providers/registry.ts",
      "providers/kit/options.ts",
      "providers/*/index.ts",
      "providers/*/options.ts",
    ],
    ignores: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [PULUMI_TYPES_ONLY],
          patterns: [
            {
              group: ["@pulumi/pulumi/*", ...PROVIDER_SDKS, ...PROVIDER_SDKS.map((sdk) => `${sdk}/*`)],
              allowTypeImports: true,
              message:
                "import the Pulumi SDKs as types only here (import type); load values lazily inside the function that needs them",
            },
          ],
        },
      ],
    },
  },
);
