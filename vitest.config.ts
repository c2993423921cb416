import { defineConfig } from 'vitest/config';
import { postgresBinDir } from './test/support/postgres-cluster.js';

/**
 * Two projects: every test on SQLite (the default store), and the tests that exercise the store —
 * HTTP, end-to-end, acceptance, contract, multi-instance, control-plane scenarios — again on PostgreSQL, on a throwaway cluster
 * the project's global set-up starts (Debian's `postgresql`; `.ci/system-deps` installs it).
 */
const postgresAvailable = Boolean(process.env['SWITCHBOARD_TEST_PG_URL'] ?? postgresBinDir());
if (!postgresAvailable) console.warn('PostgreSQL is not installed: the postgres test project is skipped (apt-get install -y postgresql)');

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/multi-instance/**'],
        },
      },
      ...(postgresAvailable
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: ['src/store/**/*.test.ts', 'test/{http,e2e,acceptance,contract,multi-instance,controlplane}/**/*.test.ts'],
                // Tests about SQLite files or a child process's own database stay on SQLite.
                exclude: [
                  'src/store/group-commit.test.ts',
                  'test/e2e/secrets-not-logged.test.ts',
                  'test/controlplane/{cli,crash-resume,http-api,plan,otp-source,remote-error,preflight-rules}.test.ts',
                ],
                env: { SWITCHBOARD_TEST_DIALECT: 'postgres' },
                globalSetup: ['test/support/postgres-global-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
