import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Pulumi mocks need a process per file (the forks pool); the threads pool cannot serialize closures.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ["test/**/*.test.ts"],
    server: {
      deps: {
        // Tests run the compiled library (`npm run build` first), loaded by Node itself: the registry
        // loads provider modules with require(), and one copy of each module must serve both.
        external: [/\/dist\//],
      },
    },
  },
});
