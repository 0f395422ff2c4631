import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCertainSecret, redactSecrets } from '../../src/guardrail/redact-secrets.ts';

// Test fixtures are assembled from parts so no scanner mistakes this file for a leak.
const slackToken = ['xoxb', '1234567890', '1234567890123', 'AbCdEfGhIjKlMnOpQrStUvWx'].join('-');
const githubToken = `ghp_${'A1b2C3d4E5'.repeat(3)}abcdef`;
const awsKeyId = `AKIA${'IOSFODNN7EXAMPL'}Q`;
const awsSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const jwt = ['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'].join('.');

const positives: { name: string; text: string; secret: string; kind: string }[] = [
  { name: 'Slack bot token', text: `use ${slackToken} to post`, secret: slackToken, kind: 'Slack token' },
  { name: 'Slack app token', text: 'SLACK_APP_TOKEN is xapp-1-A0123456789-1234567890123-abcdef', secret: 'xapp-1-A0123456789', kind: 'Slack token' },
  { name: 'Slack user token', text: 'xoxp-1111111111-2222222222-abcdefghijkl', secret: 'xoxp-1111111111', kind: 'Slack token' },
  { name: 'GitHub classic token', text: `clone with ${githubToken} please`, secret: githubToken, kind: 'GitHub token' },
  { name: 'GitHub app token', text: `ghs_${'Z9y8X7w6V5'.repeat(4)}`, secret: 'ghs_Z9y8', kind: 'GitHub token' },
  { name: 'GitHub fine-grained token', text: `github_pat_11ABCDEFG0123456789_${'abcDEF123'.repeat(6)}`, secret: 'github_pat_11ABCDEFG', kind: 'GitHub token' },
  { name: 'AWS access key id', text: `key id ${awsKeyId} in us-east-1`, secret: awsKeyId, kind: 'AWS access key id' },
  { name: 'AWS secret access key', text: `aws_secret_access_key = ${awsSecret}`, secret: awsSecret, kind: 'AWS secret access key' },
  { name: 'OpenAI project key', text: 'OPENAI_KEY sk-proj-abc123DEF456ghi789JKL012mno345', secret: 'sk-proj-abc123DEF456', kind: 'API key' },
  { name: 'Anthropic key', text: 'sk-ant-api03-AbCdEf0123456789GhIjKl-mnOPqr', secret: 'sk-ant-api03-AbCdEf', kind: 'API key' },
  { name: 'Google API key', text: 'maps key AIzaSyA1234567890abcdefghijklmnopqrstuv', secret: 'AIzaSyA1234567890', kind: 'Google API key' },
  { name: 'Stripe live key', text: `stripe ${['sk', 'live', '51H8abcdEFGH1234ijklMNOP'].join('_')}`, secret: '51H8abcdEFGH1234', kind: 'Stripe key' },
  { name: 'Stripe restricted key', text: ['rk', 'live', '51H8abcdEFGH1234ijklMNOP'].join('_'), secret: '51H8abcdEFGH1234', kind: 'Stripe key' },
  { name: 'JWT', text: `Cookie: session=${jwt}`, secret: jwt, kind: 'JSON web token' },
  { name: 'PEM private key', text: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\nthanks', secret: 'b3BlbnNzaC1rZXktdjEAAAAA', kind: 'private key' },
  { name: 'PEM block cut short', text: 'here: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA', secret: 'MIIEowIBAAKCAQEA', kind: 'private key' },
  { name: 'URL with credentials', text: 'git clone https://mina:hunter2@github.com/acme/api.git', secret: 'mina:hunter2', kind: 'URL credentials' },
  { name: 'password=', text: 'the db password=hunter22 is wrong', secret: 'hunter22', kind: 'password' },
  { name: 'passwd:', text: 'passwd: s3cr3t!x', secret: 's3cr3t!x', kind: 'password' },
  { name: 'env-style token', text: `GITHUB_TOKEN=abc123def456ghi789`, secret: 'abc123def456ghi789', kind: 'token' },
  { name: 'quoted api_key', text: 'api_key = "9f8e7d6c5b4a"', secret: '9f8e7d6c5b4a', kind: 'API key' },
  { name: 'secret= in a query string', text: 'GET /hook?secret=Zx81kq0PLm&x=1', secret: 'Zx81kq0PLm', kind: 'secret' },
  { name: 'JSON password', text: '{"password": "correct-horse-42"}', secret: 'correct-horse-42', kind: 'password' },
  { name: 'bearer header', text: 'Authorization: Bearer abcdef1234567890abcdef1234', secret: 'abcdef1234567890abcdef1234', kind: 'bearer token' },
  { name: 'basic auth header', text: 'Authorization: Basic dXNlcjpwYXNzd29yZA==', secret: 'dXNlcjpwYXNzd29yZA==', kind: 'basic auth credentials' },
  { name: 'long random string after token', text: 'my token is Q2hhbmdlTWUxMjM0NTY3ODkwQUJDREVG', secret: 'Q2hhbmdlTWUxMjM0NTY3ODkw', kind: 'secret' },
  { name: 'Korean password assignment', text: '비밀번호: hunter22 로 로그인', secret: 'hunter22', kind: 'password' },
  { name: 'Korean token after a particle', text: '토큰은 AbCdEf1234567890GhIjKlMn 입니다', secret: 'AbCdEf1234567890GhIjKlMn', kind: 'secret' },
  { name: 'Slack webhook URL', text: 'post to https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX', secret: 'T0000/B0000', kind: 'Slack webhook URL' },
  { name: 'zero-width split token', text: `x\u200Bo\u200Bx${slackToken.slice(3)}`, secret: slackToken.slice(3), kind: 'Slack token' },
  { name: 'full-width token', text: `ｇｈｐ＿${githubToken.slice(4)}`, secret: githubToken.slice(4), kind: 'GitHub token' },
];

for (const { name, text, secret, kind } of positives) {
  test(`redacts: ${name}`, () => {
    const result = redactSecrets(text);
    assert.ok(!result.text.includes(secret), `${JSON.stringify(result.text)} still holds the secret`);
    assert.match(result.text, new RegExp(`\\[redacted ${kind}\\]`));
    assert.ok(result.findings.some((finding) => finding.kind === kind));
    assert.equal(hasCertainSecret(result), true);
  });
}

const negatives: { name: string; text: string }[] = [
  { name: 'a git SHA on its own', text: 'revert commit 3f2a9c1d4e5b6a7980f1e2d3c4b5a69788776655 please' },
  { name: 'a UUID', text: 'the order 123e4567-e89b-12d3-a456-426614174000 is missing' },
  { name: 'a UUID after key', text: 'cache key 123e4567-e89b-12d3-a456-426614174000' },
  { name: 'code assigning a call', text: 'const token = await getToken(); const password = hash(input);' },
  { name: 'type annotations', text: 'interface Login { password: string; token: TokenType }' },
  { name: 'member access', text: 'const secret = process.env.APP_SECRET;' },
  { name: 'numbers', text: 'maxTokens = 4096, tokens: 500, token_limit=1000' },
  { name: 'placeholders', text: 'password=<your password>, API_KEY=your-api-key, token=${TOKEN}, secret=****' },
  { name: 'ordinary words', text: 'fix the token refresh bug and the password reset form' },
  { name: 'UI labels', text: '{"password": "Password", "token": "Enter your token"}' },
  { name: 'a library name like sk-learn', text: 'port it to sk-learn-style-pipelines-please' },
  { name: 'a long identifier after token', text: 'the token my-feature-branch-name-2024 is a branch' },
  { name: 'keyboard is not key', text: 'keyboard A1b2C3d4E5f6G7h8I9j0K1l2 shortcut' },
  { name: 'a URL without a password', text: 'see https://github.com/acme/api and git@github.com:acme/api.git' },
  { name: 'a base64 image prefix', text: 'data:image/png;base64,iVBORw0KGgo' },
  { name: 'Korean prose', text: '토큰 갱신 버그를 고쳐줘' },
];

for (const { name, text } of negatives) {
  test(`leaves alone: ${name}`, () => {
    const result = redactSecrets(text);
    assert.equal(result.text, text);
    assert.deepEqual(result.findings, []);
  });
}

test('a random string after a weak key word is redacted but does not count as certain', () => {
  const hex = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const result = redactSecrets(`the webhook signature ${hex} fails to verify`);
  assert.equal(result.text, 'the webhook signature [redacted possible secret] fails to verify');
  assert.deepEqual(result.findings, [{ kind: 'possible secret', confidence: 'possible' }]);
  assert.equal(hasCertainSecret(result), false);
});

test('several secrets in one text are all found, and redaction is idempotent', () => {
  const text = `token ${githubToken}\npassword=hunter22\n${slackToken}`;
  const once = redactSecrets(text);
  assert.equal(once.findings.length, 3);
  assert.deepEqual(redactSecrets(once.text), { text: once.text, findings: [] });
});

test('stays fast on long adversarial input', () => {
  const inputs = ['a-'.repeat(50_000), 'token=token='.repeat(10_000), `key ${'A1b2C3'.repeat(10)} `.repeat(3_000), '-----BEGIN RSA PRIVATE KEY-----'.repeat(3_000), 'https://a:'.repeat(10_000)];
  const started = performance.now();
  for (const input of inputs) redactSecrets(input);
  assert.ok(performance.now() - started < 2_000, 'redaction is linear');
});
