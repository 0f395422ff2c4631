import { estimateTokens } from '../../models/context-window.ts';

const manifests = new Set([
  'package.json',
  'pyproject.toml',
  'setup.py',
  'go.mod',
  'Cargo.toml',
  'Makefile',
  'pom.xml',
  'build.gradle',
]);

const stopWords = new Set(['the', 'and', 'for', 'with', 'that', 'this', 'from', 'into', 'add', 'fix', 'make', 'when', 'should', 'test', 'tests']);

function identifiers(text: string): Set<string> {
  const words = text.match(/[A-Za-z_][A-Za-z0-9_-]{2,}/g) ?? [];
  const result = new Set<string>();
  for (const word of words) {
    const lower = word.toLowerCase();
    if (!stopWords.has(lower)) result.add(lower);
    // camelCase and snake_case parts, so `getUsers` finds `users.ts`.
    for (const part of word.split(/(?=[A-Z])|[_-]/)) {
      if (part.length >= 3 && !stopWords.has(part.toLowerCase())) result.add(part.toLowerCase());
    }
  }
  return result;
}

/** How strongly a path relates to the words of the request (0 = not at all). */
function score(path: string, words: Set<string>, mentioned: string): number {
  const lower = path.toLowerCase();
  if (mentioned.includes(lower)) return 100;
  const base = lower.split('/').pop() ?? lower;
  if (manifests.has(path)) return 40;
  if (/^readme(\.|$)/.test(base) && !path.includes('/')) return 30;
  let total = 0;
  const stem = base.replace(/\.[^.]+$/, '').replace(/\.(test|spec)$/, '');
  for (const segment of lower.split('/')) {
    const name = segment.replace(/\.[^.]+$/, '');
    if (words.has(name)) total += 20;
  }
  if (words.has(stem)) total += 20;
  return total;
}

/** Files read at once while choosing (the reads are local file reads: a few overlap well). */
const readAhead = 4;

/**
 * The files a persona should see, chosen by the worker: files the text names by path,
 * manifests and the README, then files whose names match identifiers in the text —
 * read in that order until the token budget is spent.
 */
export async function selectRelevantFiles(input: {
  files: string[];
  text: string;
  read: (path: string) => Promise<string | undefined>;
  budgetTokens: number;
  always?: string[];
  maxFiles?: number;
}): Promise<{ path: string; content: string }[]> {
  const words = identifiers(input.text);
  const mentioned = input.text.toLowerCase();
  const always = new Set(input.always ?? []);
  const ranked = input.files
    .map((path) => ({ path, score: always.has(path) ? 1000 : score(path, words, mentioned) }))
    .filter((entry) => entry.score > 0)
    .sort((left, right) => right.score - left.score || left.path.localeCompare(right.path));

  const chosen: { path: string; content: string }[] = [];
  const limit = input.maxFiles ?? 16;
  let remaining = input.budgetTokens;
  // Read a few files at a time ahead of the choice, which still goes in rank order.
  for (let start = 0; start < ranked.length && chosen.length < limit; start += readAhead) {
    const window = ranked.slice(start, start + readAhead);
    const contents = await Promise.all(window.map(({ path }) => input.read(path)));
    for (const [index, { path }] of window.entries()) {
      const content = contents[index];
      if (chosen.length >= limit) break;
      if (content === undefined || content.includes('\u0000')) continue;
      const cost = estimateTokens(content) + estimateTokens(path) + 8;
      if (cost > remaining) continue;
      chosen.push({ path, content });
      remaining -= cost;
    }
  }
  return chosen;
}

/** Paths named in a unified diff's headers. */
export function changedPaths(diff: string): string[] {
  const paths = new Set<string>();
  for (const match of diff.matchAll(/^diff --git a\/(.+?) b\/(.+)$/gm)) paths.add(match[2]!);
  return [...paths];
}
