import { invisibleCharacters } from './redact-secrets.ts';

/** Cyrillic and Greek letters that look like Latin ones (`іgnоre` → `ignore`). */
const lookalikes: Readonly<Record<string, string>> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  ѕ: 's', і: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', ο: 'o', α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
};
const lookalikePattern = new RegExp(`[${Object.keys(lookalikes).join('')}]`, 'g');

/**
 * The form the guardrail rules read: NFKC (full-width letters become ASCII), invisible
 * characters removed, Cyrillic / Greek look-alikes mapped to Latin, lower case, curly quotes
 * straightened, runs of spaces collapsed (line breaks kept, one per run), and words spelled
 * out letter by letter (`i g n o r e`) joined again.
 */
export function normalizeForRules(text: string): string {
  return text
    .normalize('NFKC')
    .replace(invisibleCharacters, '')
    .toLowerCase()
    .replace(lookalikePattern, (letter) => lookalikes[letter] ?? letter)
    .replace(/[‘’`´]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .replace(/(?<![\p{L}\p{N}])(?:[\p{L}\p{N}] ){3,}[\p{L}\p{N}](?![\p{L}\p{N}])/gu, (spelled) => spelled.replace(/ /g, ''))
    .trim();
}

/** The normalised text on one line, for phrase rules that must match across line breaks. */
export function flatten(normalized: string): string {
  return normalized.replace(/\n/g, ' ');
}

/** The clauses of normalised text: split at sentence ends, semicolons and line breaks. */
export function clausesOf(normalized: string): string[] {
  return normalized
    .split(/[.!?。](?= |$)|[;\n]/)
    .map((clause) => clause.trim())
    .filter((clause) => clause !== '');
}

const negation =
  /(?:^|[^\p{L}'])(?:(?:never|not|don't|dont|do not|doesn't|does not|shouldn't|should not|must not|mustn't|cannot|can't|won't|without|avoid|prevent|stop|no longer|refuse to) (?:[\p{L}']+ )?|(?:prevent|stop|block|forbid|keep|disallow) (?:[\p{L}']+ ){0,3}from (?:[\p{L}']+ )?)$/u;

/** Whether the words right before `index` negate what follows (`never delete all branches`). */
export function isNegated(text: string, index: number): boolean {
  return negation.test(text.slice(Math.max(0, index - 40), index));
}

const featureBefore =
  /\b(?:button|endpoint|api|route|handler|option|feature|function|method|command|action|menu item|menu|cli|flag|test|tests|job|hook|script|migration|page|modal|dialog|admin|ui)s? (?:that|which|to|for|who|that will|so users can|so admins can|letting users) (?:[\p{L}']+ ){0,2}$/u;
const featureAfter = /^\S{0,3} ?(?:버튼|기능|api|엔드포인트|함수|메서드|메소드|명령어?|옵션|테스트|로직|코드|핸들러|스크립트|마이그레이션|페이지|화면)/;

/**
 * Whether a destructive phrase describes a feature of the software (`add a button to
 * delete the repository`, `저장소를 삭제하는 버튼`) rather than asking tandem to do it.
 */
export function describesFeature(text: string, index: number, length: number): boolean {
  return featureBefore.test(text.slice(Math.max(0, index - 80), index)) || featureAfter.test(text.slice(index + length, index + length + 20));
}
