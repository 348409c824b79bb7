import { defineConfig } from 'vitest/config';

/** One ring of tests: a folder under test/, run as its own vitest project. */
function ring(name: string, folder: string) {
  return { extends: true, test: { name, include: [`test/${folder}/**/*.test.ts`] } };
}

// Tests run on the project's own Node 24 (node_modules/.bin/node), against real local
// servers (dkp-sim, git http-backend) started by the tests themselves on 127.0.0.1.
// `vitest run` runs every project; `--project unit --project adapters` (npm run test:unit) is
// the everyday loop. `sim` is the dkp-sim workspace package, with its own vitest.config.ts.
// vitest runs cores - 1 files at once, one on a 2-core machine; test:unit asks for two, as its
// slowest files mostly wait on git and HTTP (about 60-70 s down to 40-45 s on 2 busy cores).
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      ring('unit', 'unit'),
      ring('adapters', 'adapters'),
      ring('e2e', 'e2e'),
      'test/dkp-sim',
      ring('oracle', 'oracle'),
    ],
  },
});
