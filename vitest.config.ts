import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Native reads and Python oracles are slow to start; keep per-test limits generous but finite.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: run test files in parallel forks, each may spawn Python.
    pool: "forks",
    reporters: ["default"],
  },
});
