import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          // A guard against a hang, not a speed limit: on a loaded machine (CI runs the real-server
          // projects beside this one) a test of a few hundred requests can take longer than 5 s.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Files share the real servers: a few at a time keeps two cores responsive.
          maxWorkers: 2,
          fileParallelism: true,
        },
      },
      {
        test: {
          // Tests that need real nodes (kubelet + containerd, root): its harness adds one node per cluster.
          name: 'nodes',
          include: ['test/nodes/**/*.test.ts'],
          globalSetup: ['test/harness/nodes-global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          maxWorkers: 1,
          fileParallelism: false,
        },
      },
    ],
  },
});
