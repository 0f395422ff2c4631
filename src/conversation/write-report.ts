import { describeError, isTandemError } from '../errors.ts';
import { redactSecrets } from '../guardrail/redact-secrets.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { contextWindowFor, estimateMessagesTokens, estimateTokens } from '../models/context-window.ts';
import type { ChatMessage, ModelSettings } from '../models/model-client.ts';
import type { CallUsage } from '../models/structured-call.ts';
import { documenterSystemPrompt, documenterUserPrompt } from '../personas/documenter.ts';
import type { ReportJob } from '../queue/report-job.ts';
import { labelsFor, renderReportFacts, testLine } from './report-facts.ts';
import { detectLanguage, languageName, type LanguageCode } from './report-language.ts';

export { detectLanguage, languageName, type LanguageCode } from './report-language.ts';
export { renderReportFacts } from './report-facts.ts';

/** The longest PR body tandem writes (GitHub refuses bodies over 65,536 characters). */
export const maxReportCharacters = 60_000;
/** Longer prose than this is a model gone astray: the deterministic summary is used instead. */
export const maxProseCharacters = 20_000;
const maxFactsCharacters = 38_000;
const maxTitleCharacters = 72;
const maxSummaryCharacters = 600;
const answerTokens = 3072;

/** What `writeReport` needs: the report and the Documenter's model. */
export interface WriteReportInput extends ModelSettings {
  report: ReportJob;
}

/** The PR body, title and thread summary for one report. */
export interface WriteReportResult {
  /** The PR body: the Documenter's prose, then the facts section. */
  markdown: string;
  /** The PR title: one line, at most 72 characters. */
  title: string;
  /** The first paragraph of the prose, at most 600 characters, for the chat thread. */
  summary: string;
  usage: CallUsage;
  /** False when the Documenter model failed and the deterministic summary stands in. */
  fromModel: boolean;
  language: LanguageCode;
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1).trimEnd()}…`;
}

/** One line, at most `limit` characters, cut at a word boundary when there is one. */
function titleLine(text: string, limit: number): string {
  const line = (text.split('\n').find((candidate) => candidate.trim() !== '') ?? '').replace(/\s+/g, ' ').trim().replace(/[.。]$/, '');
  const capitalised = line.charAt(0).toUpperCase() + line.slice(1);
  if (capitalised.length <= limit) return capitalised;
  const head = capitalised.slice(0, limit - 1);
  const space = head.lastIndexOf(' ');
  return `${(space > limit / 2 ? head.slice(0, space) : head).trimEnd()}…`;
}

/** The PR title: the plan's summary when it is in the requester's language, else the request. */
export function reportTitle(report: ReportJob, language: LanguageCode = detectLanguage(report.request ?? '')): string {
  const plan = report.plan?.summary;
  const source = plan && (!report.request || detectLanguage(plan) === language) ? plan : (report.request ?? plan);
  return titleLine(redactSecrets(source ?? '').text, maxTitleCharacters) || `tandem task ${report.taskId}`;
}

/** The first paragraph of Markdown prose that is not a heading, as plain one-line text. */
export function firstParagraph(markdown: string): string {
  const paragraph = markdown
    .split(/\n\s*\n/)
    .map((block) => block.split('\n').filter((line) => !/^\s*(?:#{1,6}\s|---|___|\*\*\*)/.test(line)).join(' ').trim())
    .find((block) => block !== '');
  return cut((paragraph ?? '').replace(/\s+/g, ' '), maxSummaryCharacters);
}

/** A model's Markdown without thinking blocks, a fence around it all, or a title line. */
function cleanProse(content: string): string {
  let text = content.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  const fence = /^(`{3,}|~{3,})(?:markdown|md)?\n([\s\S]*)\n\1$/i.exec(text);
  if (fence) text = fence[2]!.trim();
  return text.replace(/^#\s[^\n]*\n+/, '').trim();
}

function fallbackProse(report: ReportJob, language: LanguageCode): string {
  const labels = labelsFor(language);
  const diff = report.diffStat;
  const paragraph = labels.fallback({
    request: cut((report.request ?? report.plan?.summary ?? report.taskId).replace(/\s+/g, ' ').trim(), 300),
    repo: report.repo ? `${report.repo.owner}/${report.repo.name}` : 'the repository',
    status: report.status,
    changes: labels.filesChanged(diff.files, diff.insertions, diff.deletions),
    tests: testLine(report.test, labels),
    problem: report.error ? cut(report.error.message.replace(/\s+/g, ' '), 300) : undefined,
  });
  return `${paragraph}\n\n${labels.modelUnavailable}`;
}

async function documenterProse(input: WriteReportInput, language: LanguageCode, logger: Logger): Promise<{ prose?: string; usage: CallUsage }> {
  const usage: CallUsage = { calls: 0, promptTokens: 0, outputTokens: 0, durationMs: 0, loadMs: 0 };
  const budget = Math.max(1000, input.maxContext - answerTokens - estimateTokens(documenterSystemPrompt) - 200);
  const messages: ChatMessage[] = [
    { role: 'system', content: documenterSystemPrompt },
    { role: 'user', content: documenterUserPrompt(input.report, { code: language, name: languageName(language) }, budget) },
  ];
  try {
    const answer = await input.client.chat({
      model: input.model,
      messages,
      numCtx: contextWindowFor(estimateMessagesTokens(messages), answerTokens, input.maxContext),
      keepAlive: input.keepAlive,
      temperature: 0.2,
      signal: input.signal,
    });
    Object.assign(usage, { calls: 1, promptTokens: answer.promptTokens, outputTokens: answer.outputTokens, durationMs: answer.durationMs, loadMs: answer.loadMs });
    const prose = cleanProse(answer.content);
    if (prose === '' || prose.length > maxProseCharacters) {
      logger.warn({ characters: prose.length }, 'documenter answer unusable: writing the summary from the facts');
      return { usage };
    }
    return { prose, usage };
  } catch (error) {
    if (input.signal?.aborted || (isTandemError(error) && error.code === 'task_cancelled')) throw error;
    logger.warn({ error: describeError(error) }, 'documenter failed: writing the summary from the facts');
    return { usage };
  }
}

/** The language a report is written in: the request's (the plan's when there is no request). */
export function reportLanguage(report: ReportJob): LanguageCode {
  return detectLanguage(report.request ?? report.plan?.summary ?? '');
}

/**
 * Writes a report's PR body (DESIGN §2, §3): the Documenter's prose in the requester's
 * language (a plain chat call with `num_ctx` set), then — always — the deterministic facts
 * section. When the model fails, answers nothing, or rambles past 20,000 characters, a
 * deterministic summary stands in (`fromModel: false`) so the PR still opens. The result
 * is redacted once more and kept under 60,000 characters. Only cancellation throws.
 */
export async function writeReport(input: WriteReportInput): Promise<WriteReportResult> {
  const logger = input.logger ?? silentLogger;
  const language = reportLanguage(input.report);
  // The facts are bounded by construction; the cut only guards against a pathological report.
  const facts = cut(redactSecrets(renderReportFacts(input.report, language)).text, maxFactsCharacters);
  const written = await documenterProse(input, language, logger);
  const prose = redactSecrets(written.prose ?? fallbackProse(input.report, language)).text;

  const body = cut(prose, maxReportCharacters - facts.length - 2);
  const markdown = `${body}\n\n${facts}`;
  return {
    markdown,
    title: reportTitle(input.report, language),
    summary: firstParagraph(body),
    usage: written.usage,
    fromModel: written.prose !== undefined,
    language,
  };
}
