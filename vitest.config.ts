import { defineConfig } from 'vitest/config';

// Tests run on the project's own Node 24 (node_modules/.bin/node), against real local
// servers (dkp-sim, git http-backend) started by the tests themselves on 127.0.0.1.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
