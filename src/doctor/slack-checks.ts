import { WebClient, type Logger as SlackLogger, LogLevel, type WebAPICallResult } from '@slack/web-api';
import { failed, passed, reasonOf, skipped, type DoctorCheck, type DoctorContext } from './doctor-check.ts';
import { readManifestBotScopes } from './manifest-scopes.ts';

const quiet = (): void => undefined;
const silentSlackLogger: SlackLogger = {
  debug: quiet,
  info: quiet,
  warn: quiet,
  error: quiet,
  setLevel: quiet,
  setName: quiet,
  getLevel: () => LogLevel.ERROR,
};

const appPage = 'api.slack.com/apps → tandem';
const reinstall = `reinstall the app from manifest.yml: ${appPage} → App Manifest, paste manifest.yml and save, then Install App → Reinstall to Workspace`;

/** A WebClient that tries once, within the doctor's timeout, and logs nothing. */
function slackClient(token: string, context: DoctorContext): WebClient {
  return new WebClient(token, {
    slackApiUrl: context.config.slack.apiUrl,
    retryConfig: { retries: 0 },
    timeout: context.timeoutMs,
    rejectRateLimitedCalls: true,
    logger: silentSlackLogger,
    fetch: context.fetch,
  });
}

interface SlackFailure {
  /** Slack's own error (`invalid_auth`), when Slack answered. */
  error?: string;
  detail: string;
}

/** What went wrong with a Web API call, in Slack's words when it answered. */
function describeSlackFailure(error: unknown, context: DoctorContext): SlackFailure {
  const coded = error as { code?: string; data?: { error?: string }; statusCode?: number; retryAfter?: number };
  if (coded.code === 'slack_webapi_platform_error' && coded.data?.error) return { error: coded.data.error, detail: coded.data.error };
  if (coded.code === 'slack_webapi_rate_limited_error') return { error: 'ratelimited', detail: `rate limited (try again in ${coded.retryAfter ?? '?'} s)` };
  if (coded.code === 'slack_webapi_http_error') return { detail: `HTTP ${coded.statusCode}` };
  return { detail: `could not reach Slack at ${context.config.slack.apiUrl} (${reasonOf(error, context.timeoutMs)})` };
}

const unreachableFix = 'check the network, and SLACK_API_URL (default https://slack.com/api/)';

function botTokenFix(failure: SlackFailure): string {
  switch (failure.error) {
    case 'invalid_auth':
    case 'not_authed':
      return `copy the Bot User OAuth Token (xoxb-…) from ${appPage} → OAuth & Permissions into SLACK_BOT_TOKEN`;
    case 'token_revoked':
    case 'token_expired':
    case 'account_inactive':
      return `the app was uninstalled or its token revoked: ${reinstall}, and put the new Bot User OAuth Token in SLACK_BOT_TOKEN`;
    case 'not_allowed_token_type':
      return `SLACK_BOT_TOKEN must be the Bot User OAuth Token (xoxb-…) from ${appPage} → OAuth & Permissions, not an app-level or user token`;
    case 'ratelimited':
      return 'wait a minute and run `tandem doctor` again';
    default:
      return failure.error ? `check SLACK_BOT_TOKEN (Slack answered ${failure.error})` : unreachableFix;
  }
}

function appTokenFix(failure: SlackFailure): string {
  const create = `create an App-Level Token with the connections:write scope (${appPage} → Basic Information → App-Level Tokens) and put it (xapp-…) in SLACK_APP_TOKEN`;
  switch (failure.error) {
    case 'not_allowed_token_type':
      return `SLACK_APP_TOKEN must be an app-level token (xapp-…), not the bot token: ${create}`;
    case 'missing_scope':
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
      return create;
    case 'ratelimited':
      return 'wait a minute and run `tandem doctor` again';
    default:
      return failure.error
        ? `turn Socket Mode on (${appPage} → Socket Mode, or socket_mode_enabled: true in manifest.yml) and check SLACK_APP_TOKEN; or unset it and set SLACK_SIGNING_SECRET for HTTP mode`
        : unreachableFix;
  }
}

/** The bot's granted scopes (Slack's `x-oauth-scopes`) against manifest.yml's bot scopes. */
async function scopesCheck(answer: WebAPICallResult, context: DoctorContext): Promise<DoctorCheck> {
  const name = 'Slack scopes';
  let wanted: string[];
  try {
    wanted = await readManifestBotScopes(context.manifestPath);
  } catch (error) {
    return failed(name, `cannot read ${context.manifestPath} (${reasonOf(error, context.timeoutMs)})`, 'restore it from the repository: `git checkout -- manifest.yml` in tandem\'s directory');
  }
  if (wanted.length === 0) {
    return failed(name, `${context.manifestPath} names no bot scopes (oauth_config.scopes.bot)`, 'restore it from the repository: `git checkout -- manifest.yml`');
  }
  const granted = answer.response_metadata?.scopes;
  if (!granted) {
    return failed(
      name,
      'Slack did not say which scopes the bot token has (no x-oauth-scopes header)',
      'check that SLACK_API_URL points at Slack\'s Web API (https://slack.com/api/), not a proxy that drops headers',
    );
  }
  const missing = wanted.filter((scope) => !granted.includes(scope));
  const extra = granted.filter((scope) => scope !== '' && !wanted.includes(scope));
  const extraNote = extra.length > 0 ? `; also granted ${extra.join(', ')} (tandem does not need them)` : '';
  if (missing.length > 0) {
    return failed(name, `missing ${missing.join(', ')} (manifest.yml asks for ${wanted.join(', ')})${extraNote}`, reinstall);
  }
  return passed(name, `all ${wanted.length} bot scopes of manifest.yml granted${extraNote}`);
}

/** Socket Mode (`SLACK_APP_TOKEN` opens a connection) or HTTP mode (`SLACK_SIGNING_SECRET` set). */
async function modeCheck(context: DoctorContext): Promise<DoctorCheck> {
  const { appToken, signingSecret, port } = context.config.slack;
  if (!appToken) {
    if (signingSecret) return passed('Slack HTTP mode', `SLACK_APP_TOKEN is unset: Slack must reach this machine at /slack/events on PORT ${port}; SLACK_SIGNING_SECRET is set`);
    return failed(
      'Slack mode',
      'neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is set',
      `set SLACK_APP_TOKEN (xapp-…, ${appPage} → Basic Information → App-Level Tokens, with connections:write) for Socket Mode, ` +
        `or SLACK_SIGNING_SECRET (${appPage} → Basic Information → Signing Secret) for HTTP mode`,
    );
  }
  try {
    await slackClient(appToken, context).apps.connections.open();
    return passed('Slack Socket Mode', 'SLACK_APP_TOKEN opens a Socket Mode connection (connections:write)');
  } catch (error) {
    const failure = describeSlackFailure(error, context);
    return failed('Slack Socket Mode', `SLACK_APP_TOKEN cannot open a connection: ${failure.detail}`, appTokenFix(failure));
  }
}

/** Slack's checks: skipped without `SLACK_BOT_TOKEN`; else the bot token, its scopes, and Socket Mode or HTTP mode. */
export async function checkSlack(context: DoctorContext): Promise<DoctorCheck[]> {
  const { botToken } = context.config.slack;
  if (!botToken) {
    return [skipped('Slack', 'not configured (SLACK_BOT_TOKEN is unset): needed only by `tandem gateway` and `tandem all`')];
  }
  const tokenCheck = (async (): Promise<DoctorCheck[]> => {
    let answer: WebAPICallResult & { user?: string; user_id?: string; team?: string; team_id?: string };
    try {
      answer = await slackClient(botToken, context).auth.test();
    } catch (error) {
      const failure = describeSlackFailure(error, context);
      const detail = failure.error ? `rejected (${failure.detail})` : failure.detail;
      return [failed('Slack bot token', detail, botTokenFix(failure))];
    }
    const who = `@${answer.user ?? '?'} (${answer.user_id ?? '?'}) in ${answer.team ?? '?'} (${answer.team_id ?? '?'})`;
    return [passed('Slack bot token', `valid: ${who}`), await scopesCheck(answer, context)];
  })();
  const [token, mode] = await Promise.all([tokenCheck, modeCheck(context)]);
  return [...token, mode];
}
