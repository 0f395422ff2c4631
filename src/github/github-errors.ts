import { TandemError } from '../errors.ts';

/**
 * The shape of Octokit's `RequestError` (from `@octokit/request-error`, which tandem does not
 * depend on directly): `status`, the request that failed (authorization already redacted by
 * Octokit) and, when GitHub answered, the response.
 */
export interface GitHubRequestError extends Error {
  status: number;
  request: { method?: string; url?: string };
  response?: { status: number; headers: Record<string, string | number | undefined>; data: unknown };
}

export function isGitHubRequestError(error: unknown): error is GitHubRequestError {
  return (
    error instanceof Error &&
    typeof (error as Partial<GitHubRequestError>).status === 'number' &&
    typeof (error as Partial<GitHubRequestError>).request === 'object'
  );
}

/** The HTTP status GitHub answered with; undefined when no answer came (network, abort). */
export function githubStatus(error: unknown): number | undefined {
  return isGitHubRequestError(error) && error.response ? error.response.status : undefined;
}

/** Token-shaped strings (classic, fine-grained, app and OAuth tokens), cut from any text we pass on. */
const tokenPattern = /\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})\b/g;

export function redactGitHubTokens(text: string): string {
  return text.replace(tokenPattern, '[redacted]');
}

/**
 * GitHub's own words for a failure, one line: the body's `message` and its `errors[].message`
 * (`Validation Failed: A pull request already exists for acme:branch.`), without the docs link.
 */
export function githubMessage(error: unknown): string {
  if (!isGitHubRequestError(error)) return redactGitHubTokens(error instanceof Error ? error.message : String(error));
  const data = error.response?.data;
  let text = error.message;
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') {
    const body = data as { message: string; errors?: unknown };
    const details = Array.isArray(body.errors)
      ? body.errors
          .map((detail) =>
            typeof detail === 'string' ? detail : typeof detail?.message === 'string' ? detail.message : detail?.code,
          )
          .filter((detail): detail is string => typeof detail === 'string' && detail !== '')
      : [];
    text = details.length > 0 ? `${body.message}: ${details.join('; ')}` : body.message;
  }
  return redactGitHubTokens(text.replace(/\s+/g, ' ').trim()).slice(0, 300);
}

function header(error: GitHubRequestError, name: string): string | undefined {
  const value = error.response?.headers[name];
  return value === undefined ? undefined : String(value);
}

function isRateLimited(error: GitHubRequestError): boolean {
  const status = error.response?.status;
  if (status !== 403 && status !== 429) return false;
  return status === 429 || header(error, 'x-ratelimit-remaining') === '0' || /rate limit/i.test(githubMessage(error));
}

/** When to try again: `Retry-After` (secondary limits), else the primary limit's reset time. */
function rateLimitRetryTime(error: GitHubRequestError): string {
  const retryAfter = Number(header(error, 'retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter > 0) return `in ${retryAfter} s`;
  const reset = Number(header(error, 'x-ratelimit-reset'));
  if (header(error, 'x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) {
    return `after ${new Date(reset * 1000).toISOString()}`;
  }
  return 'in a few minutes';
}

function hostOf(error: GitHubRequestError): string {
  try {
    return new URL(error.request.url ?? '').host || 'GITHUB_API_URL';
  } catch {
    return 'GITHUB_API_URL';
  }
}

/**
 * A `TandemError` for a failed GitHub call. `action` says what tandem was doing, with the
 * repository (`open a pull request for acme/api:tandem/7f3a`); the message then says what
 * went wrong and what to fix. Codes: `github_unauthorized` (401, or 403 that is not a rate
 * limit), `github_not_found` (404), `github_rate_limited` (403/429 rate limit still hit after
 * the throttling plugin's retries; retryable), `github_unreachable` (no answer; retryable),
 * `github_error` (anything else; retryable for 5xx). Never contains the token.
 */
export function toGitHubError(error: unknown, action: string): TandemError {
  if (error instanceof TandemError) return error;
  const prefix = `could not ${action}`;
  if (!isGitHubRequestError(error)) {
    return new TandemError('github_error', `${prefix}: ${githubMessage(error)}`, { cause: error });
  }
  const message = githubMessage(error);
  const status = error.response?.status;
  const options = { cause: error };

  if (status === undefined) {
    return new TandemError(
      'github_unreachable',
      `${prefix}: GitHub at ${hostOf(error)} could not be reached (${message}): check GITHUB_API_URL and the network`,
      { ...options, retryable: true },
    );
  }
  if (status === 401) {
    return new TandemError(
      'github_unauthorized',
      `${prefix}: GITHUB_TOKEN was rejected (401 ${message}): check the token, that it has not expired, and its repo scope`,
      options,
    );
  }
  if (isRateLimited(error)) {
    const when = rateLimitRetryTime(error);
    return new TandemError(
      'github_rate_limited',
      `${prefix}: GitHub's rate limit is exhausted (${status} ${message}); try again ${when}`,
      { ...options, retryable: true },
    );
  }
  if (status === 403) {
    return new TandemError(
      'github_unauthorized',
      `${prefix}: GITHUB_TOKEN is not allowed to do this (403 ${message}): give the token write access to the ` +
        'repository (classic token: repo scope; fine-grained: Pull requests, Issues and Contents read and write)',
      options,
    );
  }
  if (status === 404) {
    return new TandemError(
      'github_not_found',
      `${prefix}: GitHub answered 404 (${message}): check the repository and number, and that GITHUB_TOKEN can ` +
        'see the repository (GitHub answers 404 for private repositories the token cannot read)',
      options,
    );
  }
  const retryable = status >= 500;
  return new TandemError(
    'github_error',
    `${prefix}: GitHub answered ${status} (${message})${retryable ? '; GitHub may be having trouble, try again' : ''}`,
    { ...options, retryable },
  );
}
