import type { Config } from '../config.ts';
import type { ReportWriter, RequestScreener } from '../conversation/conversation-context.ts';
import { writeReport } from '../conversation/write-report.ts';
import { screenRequest } from '../guardrail/screen-request.ts';
import type { Logger } from '../logger.ts';
import type { ModelClient } from '../models/model-client.ts';

interface PersonaOptions {
  client: ModelClient;
  config: Config;
  logger: Logger;
}

/** The gateway's model is resident for as long as the gateway runs (DESIGN §4). */
const resident = -1;

/** Guardrail (rules, then the judge) and Router on the gateway's model. */
export function createScreener(options: PersonaOptions): RequestScreener {
  const { client, config, logger } = options;
  return {
    async screen(input) {
      const result = await screenRequest({
        client,
        model: config.models.router,
        maxContext: config.gateway.maxContext,
        keepAlive: resident,
        text: input.text,
        repo: input.repo,
        route: input.route,
        signal: input.signal,
        logger,
      });
      if (result.verdict === 'block') {
        return { verdict: 'block', category: result.category, reason: result.reason, redactedText: result.redactedText };
      }
      return { verdict: 'allow', redactedText: result.redactedText, route: result.route };
    },
  };
}

/** The Documenter on `DOCUMENTER_MODEL`: resident when it is the gateway's model, released after use otherwise. */
export function createReportWriter(options: PersonaOptions): ReportWriter {
  const { client, config, logger } = options;
  const model = config.models.documenter;
  return {
    async write(report) {
      const written = await writeReport({
        report,
        client,
        model,
        maxContext: config.gateway.maxContext,
        keepAlive: model === config.models.router ? resident : 0,
        logger: logger.child({ taskId: report.taskId, persona: 'documenter' }),
      });
      return { markdown: written.markdown, title: written.title, summary: written.summary };
    },
  };
}
