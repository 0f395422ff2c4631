import type { Environment } from '../../src/config.ts';

/**
 * What a console under test runs with: the loopback Ollama for the router and the worker,
 * its own home (its Redis data and reports) and queue prefix, room for the worker model,
 * and a git identity for the commits in the person's repository.
 */
export function consoleEnvironment(options: { ollamaUrl: string; home: string; queuePrefix: string }): Environment {
  return {
    ROUTER_OLLAMA_URL: options.ollamaUrl,
    WORKER_OLLAMA_URL: options.ollamaUrl,
    TANDEM_HOME: options.home,
    QUEUE_PREFIX: options.queuePrefix,
    TEST_TIMEOUT_SECONDS: '120',
    WORKER_MEMORY_GB: '64',
    GIT_AUTHOR_NAME: 'tester',
    GIT_AUTHOR_EMAIL: 'tester@example.invalid',
    GIT_COMMITTER_NAME: 'tester',
    GIT_COMMITTER_EMAIL: 'tester@example.invalid',
  };
}
