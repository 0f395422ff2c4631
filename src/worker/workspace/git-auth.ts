import { isHttpRemote } from './remote-url.ts';

export type Environment = Record<string, string | undefined>;

/** `Authorization` value GitHub accepts for a token over git's smart HTTP. */
export function basicAuthorizationHeader(token: string): string {
  return `Basic ${Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64')}`;
}

/**
 * Environment entries that authenticate one git child process: the token travels as an
 * `http.extraHeader` set through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_0`/`GIT_CONFIG_VALUE_0`,
 * so it is never in a URL, in argv, in `.git/config` or in any other file. Empty for
 * non-http remotes or without a token.
 */
export function gitAuthEnvironment(remoteUrl: string, token: string | undefined): Record<string, string> {
  if (!token || !isHttpRemote(remoteUrl)) return {};
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: ${basicAuthorizationHeader(token)}`,
  };
}

/** Replaces the token (and its Basic-auth encoding) in text that may reach a log or an error. */
export function redactToken(text: string, token: string | undefined): string {
  if (!token) return text;
  const encoded = basicAuthorizationHeader(token).slice('Basic '.length);
  return text.replaceAll(token, '[redacted]').replaceAll(encoded, '[redacted]');
}
