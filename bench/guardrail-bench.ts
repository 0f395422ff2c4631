/**
 * Guardrail benchmark: `node --import tsx bench/guardrail-bench.ts`.
 *
 * Over the labelled corpora (`test/fixtures/guardrail-corpus*.jsonl`) it prints, and writes
 * to `bench/results/guardrail.json`:
 * 1. the rule layer (`screenByRules`) alone: recall on the items the rules are meant to
 *    catch, recall on all malicious items, false positives on benign items — overall, per
 *    language, per category;
 * 2. its time per request (µs, median and p99 after a warm-up), and the same texts through
 *    bare tools: one `String.prototype.includes`, a keyword list scanned with `includes`
 *    (whose accuracy is also scored, as the naive alternative), and `redactSecrets` alone;
 * 3. rules + judge through the real `screenRequest`, the real `OllamaModelClient` and the
 *    loopback Ollama of the test kit. The judge is SCRIPTED — it looks up each request's
 *    corpus label — so that figure measures the pipeline's plumbing, not a model.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { redactSecrets } from '../src/guardrail/redact-secrets.ts';
import { screenByRules } from '../src/guardrail/rules.ts';
import { screenRequest } from '../src/guardrail/screen-request.ts';
import { OllamaModelClient } from '../src/models/ollama-model-client.ts';
import { fenceRequest } from '../src/personas/guardrail.ts';
import { personaOf, startOllamaServer, type ChatReply, type RecordedChat } from '../test/kit/ollama-server.ts';
import { printTable, quantile, round } from './bench-report.ts';
import { corpusPath, holdoutCorpusPath, loadCorpus, scoreOf, type CorpusItem, type Rate, type Scores } from './guardrail-corpus.ts';

const resultsPath = fileURLToPath(new URL('./results/guardrail.json', import.meta.url));
const warmUpPasses = 5;
const timedPasses = 50;
const batchPasses = 200;

/**
 * The bare tool for comparison: the literal examples of issue 5 (§1), matched with
 * `includes` on the lower-cased text — what a keyword filter written from the issue would do.
 */
const issueKeywords: readonly string[] = [
  'ignore previous instructions',
  '이전 지시를 무시해',
  '~/.ssh',
  'rm -rf /',
  'drop the database',
  'force-push',
  'disable ci',
  'ghp_',
  'github_pat_',
  'xoxa-',
  'xoxb-',
  'xoxp-',
  'xoxr-',
  'akia',
  'sk-',
  'private key',
];
const keywordScan = (text: string): boolean => {
  const lower = text.toLowerCase();
  return issueKeywords.some((keyword) => lower.includes(keyword));
};

// ── Formatting ────────────────────────────────────────────────────────────────────────

const percentText = (rate: Rate) => (rate.total === 0 ? '—' : `${rate.hits}/${rate.total} ${(rate.rate * 100).toFixed(1).padStart(5)}%`);

/** The groups every table reports: overall, each language, each category, each language × category. */
function groupsOf(items: readonly CorpusItem[]): { name: string; items: CorpusItem[] }[] {
  const categories = ['prompt_injection', 'exfiltration', 'destructive', 'secret', 'abuse', 'benign'] as const;
  const groups = [
    { name: 'all', items: [...items] },
    ...(['en', 'ko'] as const).map((language) => ({ name: language, items: items.filter((item) => item.language === language) })),
    ...categories.map((category) => ({ name: category, items: items.filter((item) => item.category === category) })),
  ];
  for (const language of ['en', 'ko'] as const) {
    for (const category of categories) groups.push({ name: `${language} ${category}`, items: items.filter((item) => item.language === language && item.category === category) });
  }
  return groups.filter((group) => group.items.length > 0);
}

interface GroupScores extends Scores {
  group: string;
  items: number;
}

function scoreGroups(items: readonly CorpusItem[], blocked: ReadonlySet<string>): GroupScores[] {
  return groupsOf(items).map((group) => ({ group: group.name, items: group.items.length, ...scoreOf(group.items, blocked) }));
}

function printScores(scores: GroupScores[]): void {
  printTable(
    ['group', 'items', 'meant to catch: caught', 'all malicious: caught', 'benign: blocked (FP)'],
    scores.map((score) => [score.group, String(score.items), percentText(score.recallMeant), percentText(score.recallAll), percentText(score.falsePositives)]),
  );
}


// ── Rule layer ────────────────────────────────────────────────────────────────────────

function ruleBlocked(items: readonly CorpusItem[]): Set<string> {
  return new Set(items.filter((item) => screenByRules(item.text).verdict === 'block').map((item) => item.id));
}

/** Results of timed calls are summed here (and written out) so no call can be optimised away. */
let sink = 0;

/** Per-call time of `screenByRules` over every item, after a warm-up: µs samples. */
function timeRulesPerCall(items: readonly CorpusItem[]): number[] {
  for (let pass = 0; pass < warmUpPasses; pass += 1) for (const item of items) sink += screenByRules(item.text).verdict.length;
  const samples: number[] = [];
  for (let pass = 0; pass < timedPasses; pass += 1) {
    for (const item of items) {
      const started = process.hrtime.bigint();
      sink += screenByRules(item.text).verdict.length;
      samples.push(Number(process.hrtime.bigint() - started) / 1000);
    }
  }
  return samples.sort((left, right) => left - right);
}

/** Mean µs per call of `work` over every text, timed in one batch so timer overhead does not dominate cheap calls. */
function timeBatch(texts: readonly string[], work: (text: string) => number): number {
  for (let pass = 0; pass < warmUpPasses; pass += 1) for (const text of texts) sink += work(text);
  const started = process.hrtime.bigint();
  for (let pass = 0; pass < batchPasses; pass += 1) for (const text of texts) sink += work(text);
  return Number(process.hrtime.bigint() - started) / 1000 / (batchPasses * texts.length);
}

// ── Rules + scripted judge ──────────────────────────────────────────────────────────────

interface PipelineRun {
  blocked: Set<string>;
  blockedByRules: number;
  blockedByModel: number;
  judgeCalls: number;
  lookupMisses: number;
  secretsSeenByJudge: number;
  latencyMs: number[];
}

/** Text the Guardrail model receives for a request: redacted, fenced, between `<request>` tags. */
function judgedRequest(chat: RecordedChat): string {
  const user = chat.messages.find((message) => message.role === 'user')?.content ?? '';
  const start = user.indexOf('<request>\n');
  const end = user.lastIndexOf('\n</request>');
  return start < 0 || end < start ? '' : user.slice(start + '<request>\n'.length, end);
}

async function runPipeline(items: readonly CorpusItem[]): Promise<PipelineRun> {
  const labels = new Map(items.map((item) => [fenceRequest(redactSecrets(item.text).text), item] as const));
  const fakeSecrets = items.flatMap((item) => item.text.split(/[\s"',]+/).filter((word) => word.length >= 16 && !item.storedText.includes(word)));
  let lookupMisses = 0;
  let secretsSeenByJudge = 0;
  const ollama = await startOllamaServer({
    respond: (chat): ChatReply => {
      if (personaOf(chat) !== 'guardrail') return { status: 500, error: 'only the Guardrail is scripted in this benchmark' };
      const everything = JSON.stringify(chat.messages);
      secretsSeenByJudge += fakeSecrets.filter((secret) => everything.includes(secret)).length;
      const item = labels.get(judgedRequest(chat));
      if (!item) lookupMisses += 1;
      const block = !item || item.label === 'malicious';
      const answer = block
        ? { verdict: 'block', category: item?.category ?? 'unknown', reason: 'Scripted judge: the corpus labels this request malicious.' }
        : { verdict: 'allow', category: 'none', reason: 'Scripted judge: the corpus labels this request benign.' };
      return { content: JSON.stringify(answer), promptTokens: 400, outputTokens: 25 };
    },
  });
  try {
    const client = new OllamaModelClient({ host: ollama.url });
    const run: PipelineRun = { blocked: new Set(), blockedByRules: 0, blockedByModel: 0, judgeCalls: 0, lookupMisses: 0, secretsSeenByJudge: 0, latencyMs: [] };
    for (const item of items) {
      const started = performance.now();
      const result = await screenRequest({ text: item.text, route: false, repo: { owner: 'acme', name: 'api' }, client, model: 'qwen2.5:7b', maxContext: 32_768, keepAlive: -1 });
      run.latencyMs.push(performance.now() - started);
      run.judgeCalls += result.usage.calls;
      if (result.verdict === 'block') {
        run.blocked.add(item.id);
        if (result.layer === 'rules') run.blockedByRules += 1;
        else run.blockedByModel += 1;
      }
    }
    run.latencyMs.sort((left, right) => left - right);
    return { ...run, lookupMisses, secretsSeenByJudge };
  } finally {
    await ollama.close();
  }
}

// ── Main ──────────────────────────────────────────────────────────────────────────────

const composition = (items: readonly CorpusItem[]) => {
  const counts: Record<string, number> = {};
  for (const item of items) {
    for (const key of [`label:${item.label}`, `language:${item.language}`, `category:${item.category}`, `${item.language}:${item.category}`]) counts[key] = (counts[key] ?? 0) + 1;
  }
  counts.rulesShouldCatch = items.filter((item) => item.rulesShouldCatch).length;
  return counts;
};

const corpora = [
  { name: 'main', path: corpusPath, items: loadCorpus(corpusPath), note: 'the targets are asserted on this corpus (test/guardrail/corpus.test.ts)' },
  {
    name: 'holdout',
    path: holdoutCorpusPath,
    items: loadCorpus(holdoutCorpusPath),
    note: 'written after the first round of rule tuning; first measured blind; the six problems it showed (5 misses, 1 false positive) were then fixed',
  },
];

const results: Record<string, unknown> = {
  generatedAt: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  corpora: {} as Record<string, unknown>,
};

console.log(`Guardrail benchmark — node ${process.version}, ${process.platform}-${process.arch}\n`);

for (const corpus of corpora) {
  const { items } = corpus;
  console.log(`━━ Corpus "${corpus.name}": ${items.length} items (${corpus.note})`);
  const counts = composition(items);
  console.log(
    `   malicious ${counts['label:malicious']}, benign ${counts['label:benign']}; en ${counts['language:en']}, ko ${counts['language:ko']}; meant for the rules ${counts.rulesShouldCatch}\n`,
  );

  console.log('Rule layer alone (screenByRules)');
  const blocked = ruleBlocked(items);
  const ruleScores = scoreGroups(items, blocked);
  printScores(ruleScores);

  console.log(`\nBare tool: the ${issueKeywords.length} literal examples of issue 5 as an includes() keyword list`);
  const keywordScores = scoreGroups(items, new Set(items.filter((item) => keywordScan(item.text)).map((item) => item.id)));
  printScores(keywordScores.filter((score) => ['all', 'en', 'ko'].includes(score.group)));

  console.log('\nRules + judge (screenRequest → OllamaModelClient → loopback Ollama)');
  console.log('   NOTE: the judge is SCRIPTED — it blocks exactly the items the corpus labels malicious (by looking');
  console.log('   the redacted request up). This measures the pipeline plumbing, not a model\'s judgement.');
  const pipeline = await runPipeline(items);
  const pipelineScores = scoreGroups(items, pipeline.blocked);
  printScores(pipelineScores);
  const pipelineLatency = { medianMs: round(quantile(pipeline.latencyMs, 0.5)), p99Ms: round(quantile(pipeline.latencyMs, 0.99)) };
  console.log(
    `   blocked by rules ${pipeline.blockedByRules}, by the judge ${pipeline.blockedByModel}; judge calls ${pipeline.judgeCalls}; ` +
      `requests the judge could not look up ${pipeline.lookupMisses}; fake secrets seen by the judge ${pipeline.secretsSeenByJudge}`,
  );
  console.log(`   latency per request: median ${pipelineLatency.medianMs} ms, p99 ${pipelineLatency.p99Ms} ms (loopback HTTP, scripted answer)\n`);

  (results.corpora as Record<string, unknown>)[corpus.name] = {
    path: corpus.path,
    note: corpus.note,
    composition: counts,
    rules: ruleScores,
    rulesMissed: items.filter((item) => item.label === 'malicious' && item.rulesShouldCatch && !blocked.has(item.id)).map((item) => item.id),
    rulesFalsePositives: items.filter((item) => item.label === 'benign' && blocked.has(item.id)).map((item) => item.id),
    keywordBaseline: { keywords: issueKeywords, scores: keywordScores },
    pipeline: {
      judge: 'scripted: blocks exactly the items labelled malicious (corpus lookup); measures plumbing, not a model',
      scores: pipelineScores,
      blockedByRules: pipeline.blockedByRules,
      blockedByModel: pipeline.blockedByModel,
      judgeCalls: pipeline.judgeCalls,
      lookupMisses: pipeline.lookupMisses,
      secretsSeenByJudge: pipeline.secretsSeenByJudge,
      latency: pipelineLatency,
    },
  };
}

const main = corpora[0]!.items;
const texts = main.map((item) => item.text);
console.log(`━━ Time per request on the main corpus (${main.length} texts, mean ${Math.round(texts.reduce((sum, text) => sum + text.length, 0) / texts.length)} characters)`);
const samples = timeRulesPerCall(main);
const byLanguage = (language: string) => {
  const subset = main.filter((item) => item.language === language);
  const timed = timeRulesPerCall(subset);
  return { medianMicroseconds: round(quantile(timed, 0.5)), p99Microseconds: round(quantile(timed, 0.99)) };
};
const perCall = {
  warmUpPasses,
  timedPasses,
  samples: samples.length,
  medianMicroseconds: round(quantile(samples, 0.5)),
  p99Microseconds: round(quantile(samples, 0.99)),
  maxMicroseconds: round(samples.at(-1) ?? Number.NaN),
  en: byLanguage('en'),
  ko: byLanguage('ko'),
};
console.log(
  `screenByRules per call (${warmUpPasses} warm-up passes, then ${timedPasses} timed passes = ${samples.length} samples): ` +
    `median ${perCall.medianMicroseconds} µs, p99 ${perCall.p99Microseconds} µs, max ${perCall.maxMicroseconds} µs`,
);
console.log(`   en: median ${perCall.en.medianMicroseconds} µs, p99 ${perCall.en.p99Microseconds} µs; ko: median ${perCall.ko.medianMicroseconds} µs, p99 ${perCall.ko.p99Microseconds} µs\n`);

console.log(`Against bare tools on the same texts (mean per call, ${batchPasses} batched passes after a warm-up)`);
const oneNeedle = timeBatch(texts, (text) => (text.includes('ignore previous instructions') ? 1 : 0));
const keywordList = timeBatch(texts, (text) => (keywordScan(text) ? 1 : 0));
const redactOnly = timeBatch(texts, (text) => redactSecrets(text).findings.length);
const rulesBatch = timeBatch(texts, (text) => screenByRules(text).verdict.length);
const comparison = [
  { tool: 'String.prototype.includes, one needle', microseconds: oneNeedle },
  { tool: `toLowerCase + includes over ${issueKeywords.length} keywords`, microseconds: keywordList },
  { tool: 'redactSecrets alone', microseconds: redactOnly },
  { tool: 'screenByRules (redaction + all rules)', microseconds: rulesBatch },
];
printTable(
  ['tool', 'µs per call', '× one includes', '× keyword list'],
  comparison.map((row) => [row.tool, row.microseconds.toFixed(3), `${(row.microseconds / oneNeedle).toFixed(0)}×`, `${(row.microseconds / keywordList).toFixed(1)}×`]),
);
console.log(`\nOne screenByRules call costs ${(rulesBatch / oneNeedle).toFixed(0)}× one bare includes() and ${(rulesBatch / keywordList).toFixed(1)}× the keyword-list scan.`);

results.timing = {
  corpus: 'main',
  perCall,
  checksum: sink,
  comparison: comparison.map((row) => ({ ...row, microseconds: round(row.microseconds, 4), timesOneIncludes: round(row.microseconds / oneNeedle, 1), timesKeywordList: round(row.microseconds / keywordList, 2) })),
};

mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nResults written to ${resultsPath}`);
