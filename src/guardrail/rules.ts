import { exfiltrationRules, sendsSensitive } from './exfiltration-rules.ts';
import { clausesOf, describesFeature, flatten, isNegated, normalizeForRules } from './normalize-text.ts';
import { destructiveRules, injectionRules, type PhraseRule, type RuleCategory } from './phrase-rules.ts';
import { redactSecrets, type Redaction } from './redact-secrets.ts';

/** Why the rules blocked a request. */
export type RuleBlockCategory = 'secret' | RuleCategory;

/** The rules' verdict on one request. */
export type RuleVerdict =
  | { verdict: 'allow' }
  | {
      verdict: 'block';
      category: RuleBlockCategory;
      /** For the person who asked: what was found and what they can do. Never contains a secret. */
      reason: string;
      /** Which rule fired (`ignore-instructions`, `secret`, …), for logs and tests. */
      rule: string;
    };

function withArticle(kind: string): string {
  if (/credentials$/.test(kind)) return kind;
  return `${/^(?:[aeiou]|AWS\b|API\b|npm\b)/i.test(kind) ? 'an' : 'a'} ${kind}`;
}

/** `a Slack token`, `a GitHub token and a password`. */
export function describeKinds(kinds: string[]): string {
  const named = [...new Set(kinds)].map(withArticle);
  return named.length <= 1 ? (named[0] ?? 'a secret') : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
}

function secretBlock(redaction: Redaction): RuleVerdict {
  const kinds = redaction.findings.filter((finding) => finding.confidence === 'certain').map((finding) => finding.kind);
  if (kinds.length === 0) return { verdict: 'allow' };
  const several = kinds.length > 1;
  return {
    verdict: 'block',
    category: 'secret',
    rule: 'secret',
    reason: `This request contains ${describeKinds(kinds)} (redacted). Remove the secret and ask again; rotate ${several ? 'them' : 'it'}, since ${several ? 'they were' : 'it was'} posted in Slack.`,
  };
}

/** A short quote of what matched, for the reason. */
function quote(text: string): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  return flat.length <= 60 ? flat : `${flat.slice(0, 59)}…`;
}

const advice: Record<RuleCategory, (matched: string) => string> = {
  prompt_injection: (matched) =>
    `This request tries to change tandem's instructions ("${quote(matched)}"). Describe the code change you want instead; the agents take tasks, not new rules.`,
  destructive: (matched) =>
    `This request asks for something destructive ("${quote(matched)}"). tandem only proposes reviewed changes on a new branch; do this by hand if you really mean it, or ask a human lead.`,
  exfiltration: (matched) =>
    `This request asks to reveal or send credentials ("${quote(matched)}"). tandem never shares tokens, keys or environment variables; describe the code change you want instead.`,
};

function firstMatch(rules: readonly PhraseRule[], text: string): { rule: PhraseRule; matched: string } | undefined {
  for (const rule of rules) {
    rule.pattern.lastIndex = 0;
    for (const match of text.matchAll(rule.pattern)) {
      const matched = match[0];
      if (rule.check && !rule.check(matched)) continue;
      if (rule.negatable && isNegated(text, match.index)) continue;
      if (rule.feature && describesFeature(text, match.index, matched.length)) continue;
      return { rule, matched };
    }
  }
  return undefined;
}

/**
 * The deterministic first layer of the input guardrail (DESIGN §5). Blocks a request that
 * carries a secret (the reason names its kind, never its value), tries prompt injection,
 * asks for something destructive, or asks to reveal or send credentials — in English and
 * Korean, after normalising the text (NFKC, invisible characters, look-alike letters,
 * case, spacing), so simple obfuscations do not pass. Ordinary coding requests that merely
 * mention deleting, tokens or instructions are allowed.
 */
export function screenByRules(text: string, redaction: Redaction = redactSecrets(text)): RuleVerdict {
  const secret = secretBlock(redaction);
  if (secret.verdict === 'block') return secret;

  const normalized = normalizeForRules(redaction.text);
  const flat = flatten(normalized);
  for (const rules of [injectionRules, destructiveRules, exfiltrationRules]) {
    const found = firstMatch(rules, flat);
    if (found) {
      return { verdict: 'block', category: found.rule.category, rule: found.rule.id, reason: advice[found.rule.category](found.matched) };
    }
  }
  for (const clause of clausesOf(normalized)) {
    const sending = sendsSensitive(clause);
    if (sending && !isNegated(clause, sending.index)) {
      return { verdict: 'block', category: 'exfiltration', rule: 'send-sensitive', reason: advice.exfiltration(clause.slice(sending.index)) };
    }
  }
  return { verdict: 'allow' };
}

/**
 * Runs the rule layer once on an English and a Korean request. V8 compiles a pattern on its
 * first use, once for one-byte and once for two-byte text: about 0.1 s of CPU on a small
 * machine that would otherwise land on the first requests after a start, delaying the acks
 * of those that arrive just behind them.
 */
export function warmUpRules(): void {
  for (const text of warmUpTexts) screenByRules(text);
}

/** Ordinary requests: the rules allow them, so each one runs every layer to its end. */
export const warmUpTexts = ['add pagination to GET /users and update the README', '사용자 목록에 페이지네이션을 추가해줘'];
