import type { Queue } from 'bullmq';
import type { Config } from '../config.ts';
import type { StatusSources } from '../conversation/conversation-context.ts';
import { describeError } from '../errors.ts';
import { OllamaResidency } from '../models/ollama-residency.ts';

/** Workers online (BullMQ's client list for `work`) and the models each Ollama holds. */
export function machineStatus(options: { workQueue: Queue; config: Config; fetch?: typeof fetch }): StatusSources {
  const hosts = [...new Set([options.config.ollama.routerUrl, options.config.ollama.workerUrl])];
  const baseFetch = options.fetch ?? fetch;
  // `/tandem status` answers even when an Ollama is down or unreachable.
  const quickFetch: typeof fetch = (input, init) => baseFetch(input, { ...init, signal: AbortSignal.timeout(3000) });
  const residencies = hosts.map((host) => new OllamaResidency({ host, fetch: quickFetch }));
  return {
    async workers() {
      const clients = await options.workQueue.getWorkers();
      return clients.map((client) => ({ name: client.name ?? client.id ?? '?', address: client.addr }));
    },
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
