import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateTokens } from '../../src/models/context-window.ts';
import { composePrompt } from '../../src/personas/prompt-sections.ts';
import { changedPaths, selectRelevantFiles } from '../../src/worker/pipeline/relevant-files.ts';

test('sections are kept by priority and shown in their own order', () => {
  const prompt = composePrompt(
    [
      { title: 'Request', body: 'add pagination', priority: 0 },
      { title: 'Tree', body: 'a\n'.repeat(5000), priority: 5 },
      { title: 'Failing output', body: `${'noise\n'.repeat(3000)}the real failure`, priority: 1, keep: 'tail' },
      { title: 'Empty', body: '   ', priority: 2 },
    ],
    1500,
  );
  assert.ok(estimateTokens(prompt) <= 1600);
  assert.ok(prompt.indexOf('## Request') < prompt.indexOf('## Tree'));
  assert.ok(prompt.indexOf('## Tree') < prompt.indexOf('## Failing output'));
  assert.match(prompt, /the real failure/, 'a tail-kept section keeps its end');
  assert.match(prompt, /## Tree\n\(omitted: no room left/);
  assert.doesNotMatch(prompt, /## Empty/);
});

test('relevant files: named paths, manifests and identifier matches, within the budget', async () => {
  const files = ['package.json', 'README.md', 'src/users/list-users.ts', 'src/users/pagination.ts', 'src/billing/invoice.ts', 'test/pagination.test.ts', 'docs/big.md'];
  const contents: Record<string, string> = Object.fromEntries(files.map((path) => [path, `// ${path}\n`]));
  contents['docs/big.md'] = 'x'.repeat(100_000);
  const chosen = await selectRelevantFiles({
    files,
    text: 'add pagination to listUsers; see docs/big.md',
    read: async (path) => contents[path],
    budgetTokens: 2000,
  });
  const paths = chosen.map((file) => file.path);
  assert.ok(paths.includes('package.json'));
  assert.ok(paths.includes('README.md'));
  assert.ok(paths.includes('src/users/pagination.ts'));
  assert.ok(paths.includes('test/pagination.test.ts'));
  assert.ok(paths.includes('src/users/list-users.ts'), 'camelCase parts match file names');
  assert.ok(!paths.includes('src/billing/invoice.ts'));
  assert.ok(!paths.includes('docs/big.md'), 'a file over the budget is skipped even when named');
});

test('changed paths are read from a unified diff', () => {
  const diff = 'diff --git a/src/a.js b/src/a.js\n--- a/src/a.js\n+++ b/src/a.js\ndiff --git a/new.txt b/new.txt\n';
  assert.deepEqual(changedPaths(diff), ['src/a.js', 'new.txt']);
});
