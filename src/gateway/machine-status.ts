import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { StatusSources } from '../conversation/conversation-context.ts';
import { describeError } from '../errors.ts';
import { OllamaResidency } from '../models/ollama-residency.ts';
import { listWorkers } from '../queue/worker-registry.ts';

/** The workers' registry (with their heartbeats) and the models each Ollama holds. */
export function machineStatus(options: { redis: Redis; config: Config; now: () => number; fetch?: typeof fetch }): StatusSources {
  const hosts = [...new Set([options.config.ollama.routerUrl, options.config.ollama.workerUrl])];
  const baseFetch = options.fetch ?? fetch;
  // `/tandem status` answers even when an Ollama is down or unreachable.
  const quickFetch: typeof fetch = (input, init) => baseFetch(input, { ...init, signal: AbortSignal.timeout(3000) });
  const residencies = hosts.map((host) => new OllamaResidency({ host, fetch: quickFetch }));
  return {
    workers: () => listWorkers(options.redis, options.config.redis.prefix, { now: options.now }),
    loadedModels() {
      return Promise.all(
        residencies.map(async (residency) => {
          try {
            const models = await residency.loaded();
            return { url: residency.host, models: models.map((model) => ({ name: model.name, sizeVram: model.sizeVram })) };
          } catch (error) {
            return { url: residency.host, models: [], error: describeError(error) };
          }
        }),
      );
    },
  };
}
