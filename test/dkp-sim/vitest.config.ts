import { defineProject } from 'vitest/config';

// dkp-sim's own tests: `npm test` here, or `--project sim` from the repository root, whose
// vitest.config.ts lists this folder as one of its projects. Each test starts its own sim on
// 127.0.0.1 port 0; the kubectl conformance tests run the installed kubectl against it.
export default defineProject({
  test: {
    name: 'sim',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
