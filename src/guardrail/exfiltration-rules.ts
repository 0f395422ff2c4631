import type { PhraseRule } from './phrase-rules.ts';

/**
 * Exfiltration: asking tandem to reveal or send credentials, environment variables or
 * private keys. Two kinds of rule: phrases (`print the GITHUB_TOKEN`, `curl … $(env)`),
 * and a per-clause test that a clause has a sending verb, something sensitive and a
 * destination (`send the env vars to https://…`, `토큰을 https://… 로 보내`).
 */

const namedSecrets = String.raw`\$?\{?(?:github_token|gh_token|slack_bot_token|slack_app_token|slack_signing_secret|frontier_api_key|aws_secret_access_key|aws_access_key_id|openai_api_key|anthropic_api_key|npm_token|redis_password|redis_url)\b`;
const revealTargets = String.raw`(?:${namedSecrets}|your (?:api |access |bot |slack |github )?(?:tokens?|keys?|secrets?|credentials|passwords?|env(?:ironment)?(?: var(?:iable)?s)?)|all (?:the |of the |your )?(?:env(?:ironment)? var(?:iable)?s|secrets)|the (?:bot|slack|github|tandem|gateway|worker)(?:'s)? (?:tokens?|keys?|secrets?)|~/\.ssh\S*|\.ssh/id_\S*|\bid_(?:rsa|ed25519|ecdsa|dsa)\b|/etc/shadow\b|\.aws/credentials\b|/proc/self/environ\b|\bprintenv\b)`;
const koNamedTargets = String.raw`(?:${namedSecrets}|(?:네|너의|니|당신의|봇의?|서버의?|tandem의?|게이트웨이의?|워커의?) ?(?:토큰|키|시크릿|비밀번호|환경 ?변수|자격 ?증명)|모든 ?(?:환경 ?변수|토큰|시크릿|비밀번호|키)|~/\.ssh\S*|id_(?:rsa|ed25519)|ssh ?(?:개인 ?)?키|개인 ?키|/etc/shadow)`;

const rule = (id: string, source: string, negatable = true): PhraseRule => ({
  id,
  category: 'exfiltration',
  pattern: new RegExp(source, 'gu'),
  negatable,
});

/** Phrases asking to print, reveal or pipe out credentials and environment variables. */
export const exfiltrationRules: readonly PhraseRule[] = [
  rule('reveal-credentials', String.raw`\b(?:print|echo|show|display|dump|reveal|leak|expose|tell|give|send|paste|output|post|read out|cat|log)(?: me| us)?(?: (?:the|out|back|value of|contents of|content of|the value of|the contents of)){0,2} ${revealTargets}`),
  rule('cat-secret-files', String.raw`\bcat\b[^\n|;]{0,40}?(?:~/\.ssh|\.ssh/id_|/etc/shadow|\.aws/credentials|\.npmrc|\.netrc|/proc/self/environ|\.env\b)`),
  rule('curl-environment', String.raw`\b(?:curl|wget|nc|netcat|invoke-webrequest|iwr|httpie)\b[^\n]{0,200}?(?:\$\(? ?(?:env|printenv|set|cat [^\n)]{0,40})\b|\$\{?[a-z_]*(?:token|secret|key|password)[a-z_]*\}?|/proc/self/environ|\.ssh/id_|-d @?(?:\.env|~/\.ssh))`),
  rule('env-piped-to-network', String.raw`\b(?:env|printenv|set|cat [^\n|]{1,60})\s?\|\s?(?:curl|wget|nc|netcat|base64 [^\n|]{0,20}\|\s?(?:curl|wget|nc))\b`),
  rule('ko-reveal-credentials', String.raw`${koNamedTargets}(?:을|를|은|는|값을|값)? ?(?:(?:전부|모두|다|그대로|그냥) ?)?(?:출력|보여|알려|말해|노출|공개|print|echo)(?!지 ?(?:마|않|말))`),
];

const sendVerb =
  /\b(?:send|sends|post|upload|exfiltrate|forward|transmit|leak|email|e-mail|mail|pipe|beam|publish|expose|share|curl|wget)\b|(?:보내|보낸|전송|업로드|올려|올리|유출|공유|포스트|넘겨|전달|송신)(?!지 ?(?:마|않|말))/u;
const strongSensitive = new RegExp(
  String.raw`\b(?:env(?:ironment)? var(?:iable)?s?|(?:whole|entire|full) env(?:ironment)?|process\.env|os\.environ|\.env\b(?!\.example)|~/\.ssh|\.ssh\b|id_rsa|id_ed25519|ssh keys?|private keys?|secrets|kubeconfig|\.npmrc|\.netrc|aws credentials|(?:your|all|all the|the server's|the machine's|the bot's|stored|saved) (?:tokens?|credentials|keys|passwords?))\b|${namedSecrets}|환경 ?변수|시크릿|자격 ?증명|인증 ?정보|ssh ?키|개인 ?키|비밀 ?키|모든 ?토큰|(?:네|너의|봇의?|서버의?) ?토큰`,
  'u',
);
const weakSensitive =
  /\b(?:tokens?|passwords?|credentials|api keys?|cookies)\b(?! (?:reset|hint|strength|field|policy|form|input|change|expiry|rules|count|limit|usage|budget|refresh|validation|length|manager|link|email|emails)\b)|토큰(?! ?(?:갱신|만료|검증|수|개수|한도))|(?:비밀번호|패스워드)(?! ?(?:재설정|변경|찾기|확인|정책|규칙|입력|필드|강도|힌트|초기화|리셋))|api ?키/u;
const externalDestination =
  /(?:https?|ftp|wss?):\/\/|\b\d{1,3}(?:\.\d{1,3}){3}\b|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|xyz|ru|cn|me|co|dev|app|site|info|biz|tk|top|cc|to|ly|gg)\b|\b[\w.+-]+@[\w-]+\.[\w.]+|\b(?:webhook|pastebin|paste\.ee|hastebin|gist|discord|telegram|requestbin|ngrok|webhook\.site)\b|외부|웹훅|디스코드|텔레그램|이메일|메일로/u;
const anyDestination = new RegExp(
  String.raw`${externalDestination.source}|\b(?:to|into|onto) (?:my|our|a|an|the|some|this|that|your|their|his|her)? ?(?:own |personal |private |remote |external )?(?:server|endpoint|host|machine|url|site|website|channel|email|inbox|address|bucket|gist|pastebin)\b|(?:서버|주소|url|사이트|채널|메일)(?:로|으로|에)`,
  'u',
);

/**
 * Whether a clause asks to send something sensitive somewhere: a sending verb, and either
 * something clearly sensitive (environment variables, SSH keys, secrets) with any
 * destination, or a token / password with an external one (a URL, a host, an address).
 * Returns where the verb is, so the caller can check it is not negated.
 */
export function sendsSensitive(clause: string): { index: number } | undefined {
  const verb = sendVerb.exec(clause);
  if (!verb) return undefined;
  const strong = strongSensitive.test(clause) && anyDestination.test(clause);
  const weak = weakSensitive.test(clause) && externalDestination.test(clause);
  return strong || weak ? { index: verb.index } : undefined;
}
