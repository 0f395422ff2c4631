import assert from 'node:assert/strict';
import { test } from 'node:test';
import { protectedPathReason } from '../../../src/worker/output-guardrail/protected-paths.ts';
import { createGuardrailRepo, fakeGitHubToken, findingsOf, summaries } from './guardrail-repo.ts';

test('protected paths are recognised; ordinary paths and environment templates are not', () => {
  const protectedPaths = [
    '.github/workflows/ci.yml', '.github/workflows/nested/deploy.yaml', '.github/actions/setup/action.yml', '.GitHub/Workflows/x.yml',
    '.env', '.env.local', '.env.production', 'services/api/.env', 'services/api/.env.test', '.envrc', '.ENV',
    'CODEOWNERS', '.github/CODEOWNERS', 'docs/CODEOWNERS', '.gitmodules',
  ];
  for (const path of protectedPaths) assert.ok(protectedPathReason(path), `${path} should be protected`);
  const ordinaryPaths = [
    '.env.example', '.env.sample', '.env.template', '.env.local.example', 'services/api/.env.example',
    'src/env.ts', 'docs/env.md', 'environment.yml', '.github/ISSUE_TEMPLATE/bug.md', '.github/dependabot.yml',
    'src/CODEOWNERS', 'docs/workflows/ci.md', 'vendor/lib/.gitmodules', 'workflows/ci.yml',
  ];
  for (const path of ordinaryPaths) assert.equal(protectedPathReason(path), undefined, `${path} should not be protected`);
});

test('adding a workflow, an .env file or CODEOWNERS blocks', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.commit({
    '.github/workflows/release.yml': 'on: push\n',
    '.env': 'DEBUG=1\n',
    'api/.env.production': 'DEBUG=0\n',
    '.github/CODEOWNERS': '* @someone\n',
    '.gitmodules': '[submodule "x"]\n',
    'src/app.js': 'export const answer = 43;\n',
  });
  const verdict = await repo.check();
  assert.deepEqual(summaries(verdict).sort(), [
    'protected_path .env',
    'protected_path .github/CODEOWNERS',
    'protected_path .github/workflows/release.yml',
    'protected_path .gitmodules',
    'protected_path api/.env.production',
  ]);
  const workflow = findingsOf(verdict).find((finding) => finding.path === '.github/workflows/release.yml');
  assert.match(workflow!.detail, /is protected \(a GitHub Actions workflow\)/);
});

test('changing, deleting or renaming an existing workflow blocks', async (t) => {
  for (const change of ['modify', 'delete', 'rename'] as const) {
    const repo = await createGuardrailRepo(t);
    if (change === 'modify') await repo.commit({ '.github/workflows/ci.yml': 'on: [push, pull_request]\n' });
    if (change === 'delete') await repo.remove('.github/workflows/ci.yml');
    if (change === 'rename') await repo.rename('.github/workflows/ci.yml', 'ci/ci.yml');
    assert.deepEqual(summaries(await repo.check()), ['protected_path .github/workflows/ci.yml'], change);
  }
});

test('.env.example may change, but a real secret in it still blocks', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.commit({ '.env.example': 'API_URL=\nGITHUB_TOKEN=\nSLACK_BOT_TOKEN=your-token-here\n' });
  assert.deepEqual(await repo.check(), { ok: true });
  await repo.commit({ '.env.example': `API_URL=\nGITHUB_TOKEN=${fakeGitHubToken}\n` });
  assert.deepEqual(summaries(await repo.check()), ['secret .env.example:2']);
});
