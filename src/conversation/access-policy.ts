import type { Config } from '../config.ts';
import type { Repo } from '../queue/work-job.ts';

export type AccessSettings = Config['access'];

/** Who may ask, where, for which repository, and who decides (DESIGN §5). */
export class AccessPolicy {
  readonly #settings: AccessSettings;

  constructor(settings: AccessSettings) {
    this.#settings = settings;
  }

  /** Any user when `ALLOWED_USERS` is empty; human leads are always allowed. */
  isUserAllowed(user: string): boolean {
    const { allowedUsers } = this.#settings;
    return allowedUsers.length === 0 || allowedUsers.includes(user) || this.isLead(user);
  }

  /** Any channel when `ALLOWED_CHANNELS` is empty. */
  isChannelAllowed(channel: string): boolean {
    const { allowedChannels } = this.#settings;
    return allowedChannels.length === 0 || allowedChannels.includes(channel);
  }

  isLead(user: string): boolean {
    return this.#settings.humanLeads.includes(user);
  }

  /** A lead may approve; with `REQUIRE_SEPARATE_APPROVER`, not a task they asked for themselves. */
  mayApprove(input: { user: string; requester: string }): boolean {
    if (!this.isLead(input.user)) return false;
    return !(this.#settings.requireSeparateApprover && input.user === input.requester);
  }

  /** `ALLOWED_REPOS` plus `DEFAULT_REPO`; nothing else, compared without regard to case. */
  isRepoAllowed(repo: Repo): boolean {
    const wanted = `${repo.owner}/${repo.name}`.toLowerCase();
    return this.allowedRepos().some((allowed) => allowed.toLowerCase() === wanted);
  }

  /**
   * Whether a first word like `owner/repo` names a repository rather than a file
   * (`src/app.ts`): an allowed repo, an allowed owner, or any when there is no default.
   */
  namesRepo(candidate: Repo): boolean {
    if (this.isRepoAllowed(candidate) || !this.#settings.defaultRepo) return true;
    const owner = candidate.owner.toLowerCase();
    return this.allowedRepos().some((allowed) => allowed.split('/')[0]!.toLowerCase() === owner);
  }

  allowedRepos(): string[] {
    const { allowedRepos, defaultRepo } = this.#settings;
    return defaultRepo && !allowedRepos.includes(defaultRepo) ? [...allowedRepos, defaultRepo] : [...allowedRepos];
  }

  defaultRepo(): Repo | undefined {
    return parseRepo(this.#settings.defaultRepo);
  }

  leads(): readonly string[] {
    return this.#settings.humanLeads;
  }
}

export function parseRepo(text: string | undefined): Repo | undefined {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(text ?? '');
  return match ? { owner: match[1]!, name: match[2]! } : undefined;
}

export function repoText(repo: Repo): string {
  return `${repo.owner}/${repo.name}`;
}
