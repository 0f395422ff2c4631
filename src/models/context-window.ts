import type { ChatMessage } from './model-client.ts';

/**
 * Token estimate used for context budgets: one token per 3 characters. Real tokenizers
 * give about 4 characters per token for English prose and 3–3.5 for code, so this
 * overestimates slightly, which is the safe side for `num_ctx`.
 */
export const charactersPerToken = 3;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / charactersPerToken);
}

export function estimateMessagesTokens(messages: ChatMessage[]): number {
  // A few tokens of chat-template framing per message.
  return messages.reduce((total, message) => total + estimateTokens(message.content) + 8, 0);
}

/**
 * The `num_ctx` for a call: room for the prompt and the answer, rounded up to a multiple
 * of 2048 (friendlier to Ollama's KV cache reuse), at least 4096 and at most `maximum`.
 */
export function contextWindowFor(promptTokens: number, answerTokens: number, maximum: number): number {
  const needed = promptTokens + answerTokens;
  const rounded = Math.ceil(needed / 2048) * 2048;
  return Math.min(maximum, Math.max(4096, rounded));
}

/** Keeps `text` within `budgetTokens`, cutting the middle and saying so. */
export function fitText(text: string, budgetTokens: number): string {
  const budgetCharacters = Math.max(0, budgetTokens * charactersPerToken);
  if (text.length <= budgetCharacters) return text;
  const marker = `\n[… ${text.length - budgetCharacters} characters cut …]\n`;
  const keep = Math.max(0, budgetCharacters - marker.length);
  const head = Math.floor(keep / 2);
  return text.slice(0, head) + marker + text.slice(text.length - (keep - head));
}

/** Keeps the end of `text` (where failing test output says what failed) within the budget. */
export function tailText(text: string, budgetTokens: number): string {
  const budgetCharacters = Math.max(0, budgetTokens * charactersPerToken);
  if (text.length <= budgetCharacters) return text;
  const marker = `[… ${text.length - budgetCharacters} characters cut …]\n`;
  return marker + text.slice(text.length - Math.max(0, budgetCharacters - marker.length));
}
