/** A language tandem can tell from its script; anything in Latin script counts as English. */
export type LanguageCode = 'ko' | 'ja' | 'zh' | 'ru' | 'el' | 'ar' | 'he' | 'th' | 'hi' | 'en';

const names: Readonly<Record<LanguageCode, string>> = {
  ko: 'Korean',
  ja: 'Japanese',
  zh: 'Chinese',
  ru: 'Russian',
  el: 'Greek',
  ar: 'Arabic',
  he: 'Hebrew',
  th: 'Thai',
  hi: 'Hindi',
  en: 'English',
};

/** Scripts in the order they decide; `weight` counts a CJK character as about two Latin letters. */
const scripts: readonly { code: LanguageCode; pattern: RegExp; weight: number }[] = [
  { code: 'ko', pattern: /\p{Script=Hangul}/gu, weight: 2 },
  { code: 'ja', pattern: /[\p{Script=Hiragana}\p{Script=Katakana}]/gu, weight: 2 },
  { code: 'zh', pattern: /\p{Script=Han}/gu, weight: 2 },
  { code: 'ru', pattern: /\p{Script=Cyrillic}/gu, weight: 1 },
  { code: 'el', pattern: /\p{Script=Greek}/gu, weight: 1 },
  { code: 'ar', pattern: /\p{Script=Arabic}/gu, weight: 1 },
  { code: 'he', pattern: /\p{Script=Hebrew}/gu, weight: 1 },
  { code: 'th', pattern: /\p{Script=Thai}/gu, weight: 1 },
  { code: 'hi', pattern: /\p{Script=Devanagari}/gu, weight: 1 },
];

/**
 * The language of `text`, told from its script: Hangul → `ko`, kana → `ja`, Han alone →
 * `zh`, Cyrillic, Greek, Arabic, Hebrew, Thai, Devanagari; otherwise `en`. A script counts
 * when it is a fair share of the letters, so a Korean request full of code identifiers is
 * still Korean, and an English one quoting a single Korean word is still English.
 */
export function detectLanguage(text: string): LanguageCode {
  const latin = (text.match(/\p{Script=Latin}/gu) ?? []).length;
  for (const { code, pattern, weight } of scripts) {
    const count = (text.match(pattern) ?? []).length;
    if (count < 2) continue;
    const share = (count * weight) / (count * weight + latin);
    // Japanese mixes kana with Han: any real amount of kana makes it Japanese, not Chinese.
    if (share >= 0.2 || count >= 20 || (code === 'ja' && count >= 3)) return code;
  }
  return 'en';
}

/** `ko` → `Korean`. */
export function languageName(code: LanguageCode): string {
  return names[code];
}
