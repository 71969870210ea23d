import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources; only worker-thread entry points load from dist.
    alias: {
      '@agentlane/core': pkg('core'),
      '@agentlane/store/csv': fileURLToPath(new URL('./packages/store/src/copy.ts', import.meta.url)),
      '@agentlane/store': pkg('store'),
      '@agentlane/kg/query': fileURLToPath(new URL('./packages/kg/src/query-entry.ts', import.meta.url)),
      '@agentlane/kg': pkg('kg'),
      '@agentlane/engine': pkg('engine'),
      '@agentlane/llm': pkg('llm'),
      '@agentlane/gitops': pkg('gitops'),
      '@agentlane/lane': pkg('lane'),
      '@agentlane/server': fileURLToPath(new URL('./apps/server/src/index.ts', import.meta.url)),
      '@agentlane/worker': fileURLToPath(new URL('./apps/worker/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
