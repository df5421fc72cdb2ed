import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The child-process tests run the production build: built here, fresh, once.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Browser and child-process tests share 2 cores; keep files from starving each other.
    maxWorkers: 2,
  },
});
