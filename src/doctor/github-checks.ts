import { createOctokit } from '../github/create-octokit.ts';
import { githubMessage, githubStatus } from '../github/github-errors.ts';
import { failed, passed, reasonOf, skipped, type DoctorCheck, type DoctorContext } from './doctor-check.ts';

const writeAccess =
  'a classic token needs the `repo` scope (and its user write access to the repository); ' +
  'a fine-grained token needs Contents and Pull requests: Read and write on it';
const unreachableFix = 'check the network, and GITHUB_API_URL (https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise)';

type Probe =
  | { repo: string; kind: 'answered'; push: boolean | undefined; visibility: string; defaultBranch: string | undefined }
  | { repo: string; kind: 'failed'; status: number | undefined; message: string };

/** `GET /repos/{owner}/{repo}`: whether the token sees the repository, and its `permissions.push`. */
async function probeRepo(octokit: ReturnType<typeof createOctokit>, repo: string, context: DoctorContext): Promise<Probe> {
  const [owner, name] = repo.split('/') as [string, string];
  try {
    const { data } = await octokit.rest.repos.get({ owner, repo: name, request: { signal: AbortSignal.timeout(context.timeoutMs) } });
    return {
      repo,
      kind: 'answered',
      push: data.permissions?.push,
      visibility: data.visibility ?? (data.private ? 'private' : 'public'),
      defaultBranch: data.default_branch,
    };
  } catch (error) {
    const status = githubStatus(error);
    return { repo, kind: 'failed', status, message: status === undefined ? reasonOf(error, context.timeoutMs) : githubMessage(error) };
  }
}

function repoCheck(probe: Probe, apiUrl: string): DoctorCheck {
  const name = `GitHub ${probe.repo}`;
  if (probe.kind === 'answered') {
    const about = `${probe.visibility}${probe.defaultBranch ? `, default branch ${probe.defaultBranch}` : ''}`;
    if (probe.push === true) return passed(name, `the token can push (${about})`);
    if (probe.push === false) {
      return failed(name, `the token can read ${probe.repo} but not push to it (${about})`, `give the token write access to ${probe.repo}: ${writeAccess}`);
    }
    return failed(
      name,
      `GitHub did not report the token's permissions on ${probe.repo}`,
      'check that GITHUB_API_URL points at GitHub\'s REST API (https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise)',
    );
  }
  if (probe.status === 404) {
    return failed(
      name,
      `the token cannot see ${probe.repo} (404)`,
      `check the name in ALLOWED_REPOS / DEFAULT_REPO, and give the token access to ${probe.repo} ` +
        '(fine-grained token: add it under Repository access; classic token: the `repo` scope for private repositories; ' +
        'an organisation with SAML SSO: authorise the token for it)',
    );
  }
  if (probe.status === 403 || probe.status === 429) {
    const rateLimited = probe.status === 429 || /rate limit/i.test(probe.message);
    return failed(
      name,
      `GitHub refused (${probe.status} ${probe.message})`,
      rateLimited ? 'the token\'s rate limit is used up: wait for it to reset (up to an hour) and run `tandem doctor` again' : `give the token access to ${probe.repo}: ${writeAccess} (and authorise it for SAML SSO if the organisation uses it)`,
    );
  }
  if (probe.status === undefined) {
    return failed(name, `could not reach GitHub at ${apiUrl} (${probe.message})`, unreachableFix);
  }
  return failed(name, `GitHub answered ${probe.status} (${probe.message})`, 'GitHub may be having trouble: run `tandem doctor` again in a few minutes (https://www.githubstatus.com)');
}

/**
 * GitHub's checks: skipped without `GITHUB_TOKEN`; else, for each of `ALLOWED_REPOS` and
 * `DEFAULT_REPO`, the token sees the repository and may push to it. A rejected token (401) or an
 * unreachable GitHub is one line, not one per repository.
 */
export async function checkGitHub(context: DoctorContext): Promise<DoctorCheck[]> {
  const { token, apiUrl } = context.config.github;
  if (!token) {
    return [
      skipped(
        'GitHub',
        'not configured (GITHUB_TOKEN is unset): needed to push over https and open pull requests; `tandem console` works on a local repository without it',
      ),
    ];
  }
  const { allowedRepos, defaultRepo } = context.config.access;
  const repos = [...new Set([...allowedRepos, ...(defaultRepo ? [defaultRepo] : [])])];
  if (repos.length === 0) {
    return [skipped('GitHub', 'GITHUB_TOKEN is set; no repository to check (ALLOWED_REPOS and DEFAULT_REPO are empty; the gateway needs them)')];
  }
  const octokit = createOctokit({ token, baseUrl: apiUrl, fetch: context.fetch, retries: 0, retryUnitMs: 10, spaceWrites: false });
  const probes = await Promise.all(repos.map((repo) => probeRepo(octokit, repo, context)));

  const rejected = probes.find((probe) => probe.kind === 'failed' && probe.status === 401);
  if (rejected && rejected.kind === 'failed') {
    return [
      failed(
        'GitHub token',
        `GITHUB_TOKEN was rejected by ${apiUrl} (401 ${rejected.message})`,
        'create a new token (github.com → Settings → Developer settings → Personal access tokens) that can push to ' +
          `${repos.join(', ')} (${writeAccess}), and put it in GITHUB_TOKEN`,
      ),
    ];
  }
  const unreachable = probes.filter((probe) => probe.kind === 'failed' && probe.status === undefined);
  if (unreachable.length === probes.length) {
    const first = unreachable[0] as Extract<Probe, { kind: 'failed' }>;
    return [failed('GitHub API', `could not reach GitHub at ${apiUrl} (${first.message})`, unreachableFix)];
  }
  return probes.map((probe) => repoCheck(probe, apiUrl));
}
