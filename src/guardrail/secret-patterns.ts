/**
 * The secret shapes `redactSecrets` knows. Every pattern is global, linear (bounded
 * quantifiers, no nested repetition over the same characters) and names its secret with a
 * `secret` group; an optional `prefix` group is kept in the output (`password=` stays,
 * the value goes).
 */

/** `certain`: a known credential format or an explicit assignment, which blocks a request. `possible`: only redacted. */
export type SecretConfidence = 'certain' | 'possible';

/** One secret shape: what it is called, how sure a match is, and the pattern that finds it. */
export interface SecretPattern {
  kind: string;
  confidence: SecretConfidence;
  pattern: RegExp;
  /** A second look at a match; returns the kind to report, or undefined to leave it alone. */
  accept?: (secret: string, groups: Record<string, string | undefined>) => string | undefined;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Bits per character of `value`. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= (count / value.length) * Math.log2(count / value.length);
  return bits;
}

/** A long random-looking string: 32+ hex digits, or base64-ish with upper, lower and digits. */
export function isHighEntropy(value: string): boolean {
  if (uuid.test(value)) return false;
  if (/^[0-9a-f]+$/i.test(value)) return value.length >= 32 && entropy(value) >= 3;
  const mixed = /[A-Z]/.test(value) && /[a-z]/.test(value) && /\d/.test(value);
  return mixed && value.length >= 20 && entropy(value) >= 3.5;
}

const placeholder =
  /^(?:[$<{%[*]|x{3}|\.{3}|…)|^(?:your|my|the|example|sample|dummy|fake|test|placeholder|changeme|redacted|secret|password|token|none|null|nil|undefined|true|false|string|number|boolean|str|int|bool|required|optional|env|process|os|await|new|this|self|function|object|any|unknown|void|todo|tbd|value)(?:[_-].*)?$/i;

/** Whether an assigned value looks like a real secret rather than code, a type or a placeholder. */
export function looksLikeSecretValue(raw: string, tight: boolean): boolean {
  const quoted = /^["'`]/.test(raw);
  const value = (quoted ? raw.slice(1, -1) : raw).trim();
  if (value.length < 4 || placeholder.test(value) || /^(.)\1+$/.test(value)) return false;
  if (/^[\d.,_-]+$/.test(value) || /[()]/.test(value)) return false;
  if (!quoted && /^[\p{L}_$][\p{L}\p{N}_$]*(?:\.[\p{L}_$][\p{L}\p{N}_$]*)+$/u.test(value)) return false;
  if (!quoted && /^[./~]/.test(value)) return false;
  if (tight && !quoted) return true;
  const digitOrSymbol = /[^\p{L}\s.,!?'’]/u.test(value);
  return digitOrSymbol && value.length >= 6;
}

/** One character of a password stated in prose: printable ASCII except quotes, `,` and `;`. */
const statedValue = String.raw`[\x21\x23-\x26\x28-\x2b\x2d-\x3a\x3c-\x5f\x61-\x7e]`;
const algorithmOrUnit =
  /^(?:sha-?\d*|md5|argon2\w*|bcrypt|scrypt|pbkdf2\w*|hmac\w*|aes-?\d*\w*|rsa-?\d*|utf-?8|base64\w*|hex|v\d[\w.]*|\d+(?:chars?|characters?|digits?|bytes?|bits?)|[a-z]+\d*(?:-[a-z]+)+)$/i;

/**
 * Whether a value stated in prose (`the password is hunter2`, `비밀번호는 Qwer!2345`) looks
 * like a real password: printable ASCII, 6 to 64 characters, letters with digits or
 * symbols, and not an algorithm, a size or a hyphenated phrase (`argon2`, `sha256-hashed`).
 */
export function looksLikeStatedPassword(value: string): boolean {
  const trimmed = value.replace(/[.,!?:;)\]]+$/, '');
  if (trimmed.length < 6 || trimmed.length > 64 || !/^[\x21-\x7e]+$/.test(trimmed)) return false;
  if (placeholder.test(trimmed) || algorithmOrUnit.test(trimmed) || /^(.)\1+$/.test(trimmed)) return false;
  return /[A-Za-z]/.test(trimmed) && /[\d!#$%&*+=?@^~-]/.test(trimmed);
}

function assignmentKind(key: string): string {
  const lower = key.toLowerCase();
  if (/pass|pwd|비밀번호|패스워드|암호/.test(lower)) return 'password';
  if (/api[_-]?key|apikey/.test(lower)) return 'API key';
  if (/token|토큰/.test(lower)) return 'token';
  if (/secret|시크릿/.test(lower)) return 'secret';
  return 'credential';
}

const pattern = (source: string, flags = 'g') => new RegExp(source, flags);

/** In order: specific formats first, then assignments, then long strings after a key word. */
export const secretPatterns: readonly SecretPattern[] = [
  {
    kind: 'private key',
    confidence: 'certain',
    pattern: pattern(
      String.raw`(?<secret>-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|$))`,
    ),
  },
  {
    kind: 'URL credentials',
    confidence: 'certain',
    pattern: pattern(String.raw`(?<prefix>\b[a-z][a-z0-9+.-]{1,15}://)(?<secret>[^\s/?#@:]+:[^\s/?#@]+)(?=@)`, 'gi'),
    accept: (secret) => (/^[^:]*:(?:[$<{*]|\*+$)/.test(secret) ? undefined : 'URL credentials'),
  },
  { kind: 'Slack webhook URL', confidence: 'certain', pattern: pattern(String.raw`(?<secret>https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,})`) },
  { kind: 'Slack token', confidence: 'certain', pattern: pattern(String.raw`(?<![A-Za-z0-9])(?<secret>xox[abposr]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})`) },
  { kind: 'GitHub token', confidence: 'certain', pattern: pattern(String.raw`(?<![A-Za-z0-9_])(?<secret>gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})`) },
  { kind: 'AWS access key id', confidence: 'certain', pattern: pattern(String.raw`(?<![A-Z0-9])(?<secret>(?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])`) },
  {
    kind: 'AWS secret access key',
    confidence: 'certain',
    pattern: pattern(String.raw`(?<prefix>aws_secret_access_key["']?[^\S\n]{0,3}[:=][^\S\n]{0,3}["']?)(?<secret>[A-Za-z0-9/+=]{30,})`, 'gi'),
  },
  { kind: 'Stripe key', confidence: 'certain', pattern: pattern(String.raw`(?<![A-Za-z0-9_])(?<secret>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,})`) },
  {
    kind: 'API key',
    confidence: 'certain',
    pattern: pattern(String.raw`(?<![A-Za-z0-9_-])(?<secret>sk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{20,})`),
    accept: (secret) => (/\d/.test(secret) ? 'API key' : undefined),
  },
  { kind: 'Google API key', confidence: 'certain', pattern: pattern(String.raw`(?<secret>AIza[0-9A-Za-z_-]{35})`) },
  { kind: 'npm token', confidence: 'certain', pattern: pattern(String.raw`(?<![A-Za-z0-9_])(?<secret>npm_[A-Za-z0-9]{36})`) },
  {
    kind: 'JSON web token',
    confidence: 'certain',
    pattern: pattern(String.raw`(?<![A-Za-z0-9_-])(?<secret>eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)`),
  },
  {
    kind: 'basic auth credentials',
    confidence: 'certain',
    pattern: pattern(String.raw`(?<prefix>authorization["']?:?[^\S\n]{0,3}basic[^\S\n]{1,3})(?<secret>[A-Za-z0-9+/]{8,}={0,2})`, 'gi'),
  },
  {
    kind: 'bearer token',
    confidence: 'certain',
    pattern: pattern(String.raw`(?<prefix>(?<![\p{L}\p{N}_])bearer[^\S\n]{1,3})(?<secret>[A-Za-z0-9._~+/-]{20,}=*)`, 'giu'),
    accept: (secret) => (/\d/.test(secret) && /[A-Za-z]/.test(secret) ? 'bearer token' : undefined),
  },
  {
    kind: 'credential',
    confidence: 'certain',
    pattern: pattern(
      String.raw`(?<prefix>(?<![\p{L}\p{N}_])(?<key>[\p{L}\p{N}_.-]{0,30}?(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|token|private[_-]?key|credentials?|비밀번호|패스워드|암호|토큰|시크릿)(?:[_-]?(?:key|value|string|base))?)["']?(?<separator>[^\S\n]{0,3}(?::=|=>|[:=])[^\S\n]{0,3}))(?<secret>"[^"\n]{1,200}"|'[^'\n]{1,200}'|\x60[^\x60\n]{1,200}\x60|[^\s"'\x60,;&)}\]>]{1,200})`,
      'giu',
    ),
    accept: (secret, groups) =>
      looksLikeSecretValue(secret, groups.separator === '=') ? assignmentKind(groups.key ?? '') : undefined,
  },
  {
    kind: 'secret',
    confidence: 'certain',
    pattern: pattern(
      String.raw`(?<prefix>(?<![\p{L}\p{N}_])(?<key>api[ _-]?key|access[ _-]?key|secret(?:[ _-]?key)?|private[ _-]?key|token|password|passwd|credentials?|토큰|비밀번호|시크릿)(?:은|는|이|가|을|를)?(?![\p{L}\p{N}_])[^\S\n]{0,2}(?:[:=]|is|was|값은|값)?[^\S\n]{0,3}["'\x60]?)(?<secret>[A-Za-z0-9+/_=-]{20,})`,
      'giu',
    ),
    accept: (secret) => (isHighEntropy(secret) ? 'secret' : undefined),
  },
  {
    kind: 'password',
    confidence: 'certain',
    pattern: pattern(
      String.raw`(?<prefix>(?:(?<![\p{L}\p{N}_])(?:password|passwd|passphrase)(?: (?:for|of)(?: [\p{L}\p{N}_.@-]{1,30}){1,3}?)?[^\S\n]{1,3}(?:is|was)|(?:비밀번호|패스워드)(?:은|는))[^\S\n]{1,3}["'\x60]?)(?<secret>${statedValue}{6,64})(?!${statedValue})`,
      'giu',
    ),
    accept: (secret) => (looksLikeStatedPassword(secret) ? 'password' : undefined),
  },
  {
    kind: 'possible secret',
    confidence: 'possible',
    pattern: pattern(
      String.raw`(?<prefix>(?<![\p{L}\p{N}_])(?<key>key|signature|hmac|salt|키|서명)(?:은|는|이|가|을|를)?(?![\p{L}\p{N}_])[^\S\n]{0,2}(?:[:=]|is|was|값은|값)?[^\S\n]{0,3}["'\x60]?)(?<secret>[A-Za-z0-9+/_=-]{20,})`,
      'giu',
    ),
    accept: (secret) => (isHighEntropy(secret) ? 'possible secret' : undefined),
  },
];
