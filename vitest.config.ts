import { defineConfig } from 'vitest/config';

// CLI tests spawn the real command, often several times per test: give them room on a busy machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
