/**
 * The labelled guardrail corpus (`test/fixtures/guardrail-corpus*.jsonl`): loading,
 * validation, fake-secret expansion and scoring, shared by `bench/guardrail-bench.ts`
 * and `test/guardrail/corpus.test.ts`.
 *
 * Fake secrets. The fixture never holds a token shape: secret items carry placeholders
 * such as `{{GITHUB_TOKEN}}`, and the loader expands each one to a generated fake that is
 * shape-valid (right prefix, length and alphabet) but random and never a real credential.
 * That keeps GitHub push protection and other secret scanners quiet about the fixture
 * while the rules still see realistic shapes. The values are deterministic (seeded by the
 * item id and the placeholder's position), so runs are reproducible.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Language of a corpus item. */
export type CorpusLanguage = 'en' | 'ko';
/** Whether a request should be allowed. */
export type CorpusLabel = 'malicious' | 'benign';
/** What kind of request an item is; `benign` for every benign item. */
export type CorpusCategory = 'prompt_injection' | 'exfiltration' | 'destructive' | 'secret' | 'abuse' | 'benign';

/** One labelled request, with its fake secrets already expanded. */
export interface CorpusItem {
  id: string;
  /** The request as a person would type it, placeholders expanded. */
  text: string;
  /** The text as stored in the fixture (placeholders kept). */
  storedText: string;
  language: CorpusLanguage;
  label: CorpusLabel;
  category: CorpusCategory;
  /** A malicious item the deterministic rules are meant to catch (clear phrasing, secret shapes). */
  rulesShouldCatch: boolean;
}

/** The main corpus, which the rule targets are asserted on. */
export const corpusPath = fileURLToPath(new URL('../test/fixtures/guardrail-corpus.jsonl', import.meta.url));
/** A held-out corpus, written after the rules were tuned and never tuned on: it is reported, not asserted. */
export const holdoutCorpusPath = fileURLToPath(new URL('../test/fixtures/guardrail-corpus-holdout.jsonl', import.meta.url));

const languages: readonly string[] = ['en', 'ko'];
const labels: readonly string[] = ['malicious', 'benign'];
const categories: readonly string[] = ['prompt_injection', 'exfiltration', 'destructive', 'secret', 'abuse', 'benign'];

/** A small deterministic generator (mulberry32) seeded from a string. */
function randomFrom(seedText: string): () => number {
  let seed = 2166136261;
  for (const character of seedText) seed = Math.imul(seed ^ character.charCodeAt(0), 16777619);
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let value = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const lower = 'abcdefghijklmnopqrstuvwxyz';
const digits = '0123456789';
const alphanumeric = upper + lower + digits;
const base64Url = `${alphanumeric}-_`;

/** `length` characters from `alphabet`, with at least one upper, lower and digit when the alphabet has them. */
function randomString(random: () => number, alphabet: string, length: number): string {
  for (;;) {
    let result = '';
    for (let index = 0; index < length; index += 1) result += alphabet[Math.floor(random() * alphabet.length)];
    const needsMix = /[A-Z]/.test(alphabet) && /[a-z]/.test(alphabet) && /\d/.test(alphabet) && length >= 12;
    if (!needsMix || (/[A-Z]/.test(result) && /[a-z]/.test(result) && /\d/.test(result))) return result;
  }
}

const base64 = (text: string) => Buffer.from(text).toString('base64url');

/** Generators for each placeholder; prefixes are assembled so no scanner reads this file as a leak. */
const fakeSecrets: Readonly<Record<string, (random: () => number) => string>> = {
  GITHUB_TOKEN: (random) => ['gh', 'p_'].join('') + randomString(random, alphanumeric, 36),
  GITHUB_PAT: (random) => ['github', 'pat', ''].join('_') + `11${randomString(random, upper + digits, 20)}_${randomString(random, alphanumeric, 59)}`,
  SLACK_BOT_TOKEN: (random) => ['xo', 'xb'].join('') + `-${randomString(random, digits, 11)}-${randomString(random, digits, 13)}-${randomString(random, alphanumeric, 24)}`,
  SLACK_APP_TOKEN: (random) => ['xa', 'pp'].join('') + `-1-A${randomString(random, upper + digits, 10)}-${randomString(random, digits, 13)}-${randomString(random, '0123456789abcdef', 64)}`,
  SLACK_WEBHOOK: (random) =>
    `https://hooks.${['sla', 'ck'].join('')}.com/services/T${randomString(random, upper + digits, 8)}/B${randomString(random, upper + digits, 10)}/${randomString(random, alphanumeric, 24)}`,
  AWS_ACCESS_KEY_ID: (random) => ['AK', 'IA'].join('') + randomString(random, upper + digits, 16),
  AWS_SECRET_ACCESS_KEY: (random) => randomString(random, `${alphanumeric}/+`, 40),
  OPENAI_KEY: (random) => ['sk', 'proj', ''].join('-') + randomString(random, alphanumeric, 48),
  STRIPE_KEY: (random) => ['sk', 'live', ''].join('_') + randomString(random, alphanumeric, 24),
  NPM_TOKEN: (random) => ['np', 'm_'].join('') + randomString(random, alphanumeric, 36),
  GOOGLE_API_KEY: (random) => ['AI', 'za'].join('') + randomString(random, base64Url, 35),
  JWT: (random) =>
    [base64(JSON.stringify({ alg: 'HS256', typ: 'JWT' })), base64(JSON.stringify({ sub: randomString(random, digits, 8), exp: 1_700_000_000 })), randomString(random, base64Url, 43)].join('.'),
  PRIVATE_KEY: (random) => {
    const kind = 'OPENSSH PRIVATE KEY';
    const body = Array.from({ length: 5 }, () => randomString(random, `${alphanumeric}+/`, 64)).join('\n');
    return [`-----${'BEGIN'} ${kind}-----`, body, `-----${'END'} ${kind}-----`].join('\n');
  },
  /** A password-like value: letters, digits and URL-safe symbols, 14 characters. */
  DB_PASSWORD: (random) => `${randomString(random, alphanumeric, 6)}!${randomString(random, alphanumeric, 4)}%${randomString(random, alphanumeric, 2)}`,
  BEARER: (random) => randomString(random, alphanumeric, 40),
  HIGH_ENTROPY: (random) => randomString(random, alphanumeric, 40),
};

/** The placeholder names the loader knows (`{{GITHUB_TOKEN}}`, …). */
export const fakeSecretNames: readonly string[] = Object.keys(fakeSecrets);

/**
 * Replaces each `{{NAME}}` placeholder with a generated fake secret of that shape,
 * deterministic for a given `seed` (the item id). Unknown names throw, so a typo in the
 * fixture is caught rather than left as harmless text.
 */
export function expandFakeSecrets(text: string, seed: string): string {
  let position = 0;
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_placeholder, name: string) => {
    const generate = fakeSecrets[name];
    if (!generate) throw new Error(`unknown fake-secret placeholder {{${name}}} in ${seed}`);
    position += 1;
    return generate(randomFrom(`${seed}#${position}#${name}`));
  });
}

/** Checks one parsed line against the corpus schema; returns what is wrong, or nothing. */
function problemsOf(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['not an object'];
  const item = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof item.id !== 'string' || !/^(?:en|ko)-[a-z]{3}-\d{3}$/.test(item.id)) problems.push(`bad id ${JSON.stringify(item.id)}`);
  if (typeof item.text !== 'string' || item.text.trim() === '') problems.push('empty text');
  if (!languages.includes(item.language as string)) problems.push(`bad language ${JSON.stringify(item.language)}`);
  if (!labels.includes(item.label as string)) problems.push(`bad label ${JSON.stringify(item.label)}`);
  if (!categories.includes(item.category as string)) problems.push(`bad category ${JSON.stringify(item.category)}`);
  if (typeof item.rulesShouldCatch !== 'boolean') problems.push('rulesShouldCatch is not a boolean');
  if ((item.label === 'benign') !== (item.category === 'benign')) problems.push('label and category disagree');
  if (item.label === 'benign' && item.rulesShouldCatch === true) problems.push('a benign item cannot be rulesShouldCatch');
  return problems;
}

/**
 * Reads a corpus file (JSON Lines, one item per line), validates every item and expands
 * its fake secrets. Throws with the line number on a malformed item.
 */
export function loadCorpus(path: string = corpusPath): CorpusItem[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const items: CorpusItem[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new Error(`${path}:${index + 1}: not JSON (${(error as Error).message})`);
    }
    const problems = problemsOf(parsed);
    if (problems.length > 0) throw new Error(`${path}:${index + 1}: ${problems.join('; ')}`);
    const item = parsed as Omit<CorpusItem, 'storedText'>;
    items.push({ ...item, storedText: item.text, text: expandFakeSecrets(item.text, item.id) });
  });
  return items;
}

/** A fraction with what it was computed from. */
export interface Rate {
  hits: number;
  total: number;
  /** `hits / total`, or `NaN` when there is nothing to count. */
  rate: number;
}

const rateOf = (hits: number, total: number): Rate => ({ hits, total, rate: total === 0 ? Number.NaN : hits / total });

/** Recall and false positives of one screening layer over a set of items. */
export interface Scores {
  /** Blocked among `rulesShouldCatch` items. */
  recallMeant: Rate;
  /** Blocked among all malicious items. */
  recallAll: Rate;
  /** Blocked among benign items. */
  falsePositives: Rate;
}

/** Scores `blocked` (the ids a layer blocked) over `items`. */
export function scoreOf(items: readonly CorpusItem[], blocked: ReadonlySet<string>): Scores {
  const meant = items.filter((item) => item.label === 'malicious' && item.rulesShouldCatch);
  const malicious = items.filter((item) => item.label === 'malicious');
  const benign = items.filter((item) => item.label === 'benign');
  const count = (subset: CorpusItem[]) => subset.filter((item) => blocked.has(item.id)).length;
  return {
    recallMeant: rateOf(count(meant), meant.length),
    recallAll: rateOf(count(malicious), malicious.length),
    falsePositives: rateOf(count(benign), benign.length),
  };
}
