import { estimateTokens, fitText, tailText } from '../models/context-window.ts';

export interface PromptSection {
  title: string;
  body: string;
  /** Lower numbers are kept first when the budget is short. */
  priority: number;
  /** Which end to keep when the section must be cut. */
  keep?: 'ends' | 'tail';
  /** The largest share of the whole budget this section may take (0–1), so a huge log leaves room for what follows. */
  maxShare?: number;
}

/**
 * Builds a prompt from titled sections within a token budget. Sections are admitted in
 * priority order; one that does not fit whole is cut to what is left, and sections with
 * no room left are replaced by a one-line note, so the model knows something was omitted
 * (instead of Ollama silently dropping the oldest messages).
 */
export function composePrompt(sections: PromptSection[], budgetTokens: number): string {
  const present = sections.filter((section) => section.body.trim() !== '');
  const fitted = new Map<PromptSection, string>();
  let remaining = budgetTokens;
  for (const section of [...present].sort((left, right) => left.priority - right.priority)) {
    const framing = estimateTokens(section.title) + 4;
    const whole = estimateTokens(section.body) + framing;
    const allowed = section.maxShare === undefined ? remaining : Math.min(remaining, Math.floor(budgetTokens * section.maxShare));
    if (whole <= allowed) {
      fitted.set(section, section.body);
      remaining -= whole;
    } else if (allowed - framing > 200) {
      const room = allowed - framing - 20;
      fitted.set(section, section.keep === 'tail' ? tailText(section.body, room) : fitText(section.body, room));
      remaining -= room + framing;
    } else {
      fitted.set(section, '(omitted: no room left in the context window)');
    }
  }
  return present.map((section) => `## ${section.title}\n${fitted.get(section)}`).join('\n\n');
}

/** Files as prompt text: each under a header with its path, in a fenced block. */
export function formatFiles(files: { path: string; content: string }[]): string {
  return files.map((file) => `### ${file.path}\n\`\`\`\n${file.content}\n\`\`\``).join('\n\n');
}
