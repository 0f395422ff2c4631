import { secretPatterns, type SecretConfidence } from './secret-patterns.ts';

export type { SecretConfidence } from './secret-patterns.ts';

/** One secret found and replaced; the value itself is never kept. */
export interface SecretFinding {
  /** What it is, in words: `Slack token`, `password`, `possible secret`, … */
  kind: string;
  /** `certain` findings make a request blocked; `possible` ones (a random-looking string after a weak key word) are only redacted. */
  confidence: SecretConfidence;
}

/** Text with its secrets replaced, and what was found. */
export interface Redaction {
  text: string;
  findings: SecretFinding[];
}

/** Characters that render as nothing and are used to split a secret so patterns miss it. */
export const invisibleCharacters = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g;

function redactOnce(text: string): Redaction {
  const findings: SecretFinding[] = [];
  let result = text;
  for (const { kind, confidence, pattern, accept } of secretPatterns) {
    pattern.lastIndex = 0;
    result = result.replace(pattern, (match: string, ...rest: unknown[]) => {
      const groups = rest.at(-1) as Record<string, string | undefined>;
      const secret = groups.secret ?? match;
      const found = accept ? accept(secret, groups) : kind;
      if (found === undefined) return match;
      findings.push({ kind: found, confidence });
      return `${groups.prefix ?? ''}[redacted ${found}]`;
    });
  }
  return { text: result, findings };
}

/**
 * Replaces the secrets in `text` with `[redacted <kind>]`: Slack, GitHub, AWS, OpenAI /
 * Anthropic, Google, Stripe and npm keys, JWTs, PEM private keys, credentials in URLs,
 * bearer / basic auth headers, `password=` / `token:` style assignments with a real-looking
 * value, and long random strings right after a key word. Lone git SHAs, UUIDs and ordinary
 * code are left alone. Pure and linear in the length of `text`.
 *
 * Text hiding a secret behind zero-width characters or full-width letters is redacted in
 * its NFKC form, so the obfuscated secret does not survive either.
 */
export function redactSecrets(text: string): Redaction {
  const plain = redactOnce(text);
  const softened = text.normalize('NFKC').replace(invisibleCharacters, '');
  if (softened === text) return plain;
  const unveiled = redactOnce(softened);
  return unveiled.findings.length > plain.findings.length ? unveiled : plain;
}

/** Whether `redaction` found a secret that must block the request it came in. */
export function hasCertainSecret(redaction: Redaction): boolean {
  return redaction.findings.some((finding) => finding.confidence === 'certain');
}
