import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpusPath, holdoutCorpusPath, loadCorpus, scoreOf, type CorpusItem, type Rate } from '../../bench/guardrail-corpus.ts';
import { redactSecrets } from '../../src/guardrail/redact-secrets.ts';
import { screenByRules } from '../../src/guardrail/rules.ts';

// The targets of issue 5: the rule layer catches ≥ 90% of what it is meant to catch
// (`rulesShouldCatch`), with ≤ 2% false positives on benign requests — overall and in
// each language. The held-out corpus is only checked for shape here: it was written after
// the rules were tuned, and `bench/guardrail-bench.ts` reports its figures.

const minimumRecall = 0.9;
const maximumFalsePositives = 0.02;

const corpus = loadCorpus(corpusPath);
const holdout = loadCorpus(holdoutCorpusPath);
const verdicts = new Map(corpus.map((item) => [item.id, screenByRules(item.text)]));
const blocked = new Set(corpus.filter((item) => verdicts.get(item.id)?.verdict === 'block').map((item) => item.id));

const percent = (rate: Rate) => `${rate.hits}/${rate.total} (${(rate.rate * 100).toFixed(1)}%)`;
const describeItem = (item: CorpusItem) => {
  const verdict = verdicts.get(item.id);
  const rule = verdict?.verdict === 'block' ? ` [${verdict.rule}]` : '';
  return `  ${item.id}${rule}: ${JSON.stringify(item.storedText)}`;
};
const normalized = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();

test('the corpus has ≥ 300 items, ≥ 100 Korean, both labels, and no duplicate ids or texts', () => {
  assert.ok(corpus.length >= 300, `${corpus.length} items`);
  assert.ok(corpus.filter((item) => item.language === 'ko').length >= 100, 'at least 100 Korean items');
  assert.ok(corpus.filter((item) => item.language === 'en').length >= 100, 'at least 100 English items');
  const malicious = corpus.filter((item) => item.label === 'malicious').length;
  assert.ok(malicious >= corpus.length * 0.4 && malicious <= corpus.length * 0.6, `roughly half malicious (${malicious}/${corpus.length})`);
  for (const category of ['prompt_injection', 'exfiltration', 'destructive', 'secret', 'abuse', 'benign']) {
    for (const language of ['en', 'ko']) {
      assert.ok(corpus.some((item) => item.category === category && item.language === language), `${language} ${category} items`);
    }
  }
  const everything = [...corpus, ...holdout];
  const ids = everything.map((item) => item.id);
  assert.deepEqual(ids.filter((id, index) => ids.indexOf(id) !== index), [], 'no duplicate ids across both corpora');
  const texts = everything.map((item) => normalized(item.storedText));
  assert.deepEqual(texts.filter((text, index) => texts.indexOf(text) !== index), [], 'no duplicate texts across both corpora');
});

test('the fixtures hold no token shapes: fake secrets are generated at load time', () => {
  const tokenKinds = new Set(['GitHub token', 'Slack token', 'Slack webhook URL', 'AWS access key id', 'API key', 'Stripe key', 'npm token', 'Google API key', 'JSON web token', 'private key']);
  const stored = [...corpus, ...holdout].filter((item) => redactSecrets(item.storedText).findings.some((finding) => tokenKinds.has(finding.kind)));
  assert.deepEqual(stored.map((item) => item.id), [], 'a stored fixture text carries a token shape; use a {{PLACEHOLDER}}');
  const placeholders = corpus.filter((item) => item.storedText.includes('{{'));
  assert.ok(placeholders.length >= 20, 'secret items use placeholders');
  for (const item of placeholders) assert.ok(!item.text.includes('{{'), `${item.id} is expanded`);
  assert.deepEqual(loadCorpus(corpusPath).map((item) => item.text), corpus.map((item) => item.text), 'the fakes are deterministic');
});

test('the held-out corpus is well formed and has both languages and labels', () => {
  assert.ok(holdout.length >= 100);
  for (const language of ['en', 'ko']) {
    for (const label of ['malicious', 'benign']) {
      assert.ok(holdout.some((item) => item.language === language && item.label === label), `${language} ${label} holdout items`);
    }
  }
});

for (const language of ['all', 'en', 'ko'] as const) {
  const items = language === 'all' ? corpus : corpus.filter((item) => item.language === language);

  test(`rules catch ≥ 90% of what they are meant to catch (${language})`, () => {
    const { recallMeant } = scoreOf(items, blocked);
    const misses = items.filter((item) => item.label === 'malicious' && item.rulesShouldCatch && !blocked.has(item.id));
    assert.ok(recallMeant.rate >= minimumRecall, `recall ${percent(recallMeant)} is below ${minimumRecall * 100}%; missed:\n${misses.map(describeItem).join('\n')}`);
  });

  test(`rules block ≤ 2% of benign requests (${language})`, () => {
    const { falsePositives } = scoreOf(items, blocked);
    const wrong = items.filter((item) => item.label === 'benign' && blocked.has(item.id));
    assert.ok(
      falsePositives.rate <= maximumFalsePositives,
      `false positives ${percent(falsePositives)} above ${maximumFalsePositives * 100}%; blocked:\n${wrong.map(describeItem).join('\n')}`,
    );
  });
}

test('a block of a secret item names the secret, never echoes it', () => {
  for (const item of corpus.filter((entry) => entry.category === 'secret' && entry.storedText.includes('{{'))) {
    const verdict = verdicts.get(item.id);
    assert.equal(verdict?.verdict, 'block', describeItem(item));
    if (verdict?.verdict !== 'block') continue;
    assert.equal(verdict.category, 'secret', describeItem(item));
    const fakes = item.text.split(/\s+/).filter((word) => word.length >= 16 && !item.storedText.includes(word));
    for (const fake of fakes) assert.ok(!verdict.reason.includes(fake), `${item.id}: the reason echoes the secret`);
  }
});

test('rules stay linear on every corpus item repeated to ~40 KB', () => {
  const started = performance.now();
  for (const item of [...corpus, ...holdout]) {
    const repeated = `${item.text} `.repeat(Math.ceil(40_000 / (item.text.length + 1)));
    screenByRules(repeated);
  }
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 20_000, `${elapsed.toFixed(0)} ms for ${corpus.length + holdout.length} inputs of ~40 KB`);
});
