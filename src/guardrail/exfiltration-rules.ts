import type { PhraseRule } from './phrase-rules.ts';

/**
 * Exfiltration: asking tandem to reveal or send credentials, environment variables or
 * private keys. Two kinds of rule: phrases (`print the GITHUB_TOKEN`, `curl … $(env)`),
 * and a per-clause test that a clause has a sending verb, something sensitive and a
 * destination (`send the env vars to https://…`, `토큰을 https://… 로 보내`).
 */

const namedSecrets = String.raw`\$?\{?(?:github_token|gh_token|slack_bot_token|slack_app_token|slack_signing_secret|frontier_api_key|aws_secret_access_key|aws_access_key_id|openai_api_key|anthropic_api_key|npm_token|redis_password|redis_url)\b`;
/** Files that hold credentials. Not after a word character, `.` or `-`, so `\b` is not needed before `.` or `~`. */
const secretFiles = String.raw`(?<![\w.-])(?:~/\.ssh\S*|\.ssh/id_\S*|~/\.gnupg\S*|\.aws/credentials\b|/proc/self/environ\b|/etc/shadow\b|\.npmrc\b|\.netrc\b|\.pgpass\b|\.docker/config\.json\b|\.kube/config\b)|\bid_(?:rsa|ed25519|ecdsa|dsa)\b`;
/** A service's credential (`the npm token`, `the deploy key`), unless a property of it is meant (`the GitHub token scopes`). */
const serviceCredential = String.raw`(?:the |our |your )?(?:bot|slack|github|npm|aws|openai|anthropic|redis|stripe|frontier|deploy|database|db|tandem|gateway|worker|ci)(?:'s)? (?:api |access |bot |auth |deploy |publish |signing )?(?:tokens?|keys?|secrets?|passwords?|credentials)\b(?! (?:scopes?|format|prefix|expiry|expiration|fingerprint|names?|length|type|field|input|settings?|permissions?|rotation|docs|documentation|page|ids?|usage|count|status|validation|refresh|header|check|checks|path|variable|env var)\b)`;
/** A bare environment object (`process.env`, `os.environ`), not one member of it. */
const environmentObject = String.raw`\b(?:process\.env|os\.environ)(?![.\[\w])`;
const revealTargets = String.raw`(?:${namedSecrets}|your (?:api |access |bot |slack |github )?(?:tokens?|keys?|secrets?|credentials|passwords?|env(?:ironment)?(?: var(?:iable)?s)?)|all (?:the |of the |your )?(?:env(?:ironment)? var(?:iable)?s|secrets)|${serviceCredential}|${environmentObject}|${secretFiles}|\bprintenv\b)`;
const koNamedTargets = String.raw`(?:${namedSecrets}|(?:네|너의|니|당신의|봇의?|서버의?|tandem의?|게이트웨이의?|워커의?) ?(?:토큰|키|시크릿|비밀번호|환경 ?변수|자격 ?증명)|(?:슬랙|slack|깃허브|github|npm|aws|레디스|redis|openai|stripe|스트라이프|배포|봇) ?(?:봇 ?|api ?|배포 ?)?(?:토큰|키|시크릿|비밀번호)|모든 ?(?:환경 ?변수|토큰|시크릿|비밀번호|키)|${secretFiles}|ssh ?(?:개인 ?)?키|개인 ?키|\bprintenv\b)`;
/**
 * Korean verbs for showing or publishing something, as a request: not negated (`출력하지 마`)
 * and not a condition or a description (`붙여넣으면`, `보여주는 화면`, `출력한 결과`).
 */
const koRevealVerb = String.raw`(?:출력|보여|알려|말해|노출|공개|붙여 ?넣|찍어|찍게|적어|커밋|print|echo|cat)(?!(?:하|해|되|주|해 ?주|어 ?주|으)?(?:면|는|던|기 ?전|지 ?(?:마|않|말|못))|된|될|한|할|준)`;

const rule = (id: string, source: string, negatable = true): PhraseRule => ({
  id,
  category: 'exfiltration',
  pattern: new RegExp(source, 'gu'),
  negatable,
});

/** Phrases asking to print, reveal or pipe out credentials and environment variables. */
export const exfiltrationRules: readonly PhraseRule[] = [
  rule('reveal-credentials', String.raw`\b(?:print|echo|show|display|dump|reveal|leak|expose|tell|give|send|paste|output|post|read out|cat|log|share|hand over|copy)(?: me| us)?(?: (?:the|out|back|over|value of|contents of|content of|the value of|the contents of)){0,2} ${revealTargets}`),
  rule('dump-environment', String.raw`\bdump(?:s|ing)? (?:out )?(?:the |your |all (?:the )?)?(?:whole |entire |full )?env(?:ironment)?\b(?! (?:names?|type|label|diagram|setup|specific)\b)`),
  rule('ask-secret-value', String.raw`\bwhat(?:'s| is| are| was| were)(?: the)? (?:actual |current |real |exact )?values? (?:of|in|for) ${namedSecrets}`),
  rule('cat-secret-files', String.raw`\bcat\b[^\n|;]{0,40}?(?:~/\.ssh|\.ssh/id_|/etc/shadow|\.aws/credentials|\.npmrc|\.netrc|/proc/self/environ|\.env\b)|\b(?:scp|rsync|sftp)\b[^\n|;]{0,80}?(?:${secretFiles}|(?<![\w.-])\.env\b)`),
  rule('curl-environment', String.raw`\b(?:curl|wget|nc|netcat|invoke-webrequest|iwr|httpie)\b[^\n]{0,200}?(?:\$\(? ?(?:env|printenv|set|cat [^\n)]{0,40})\b|\$\{?[a-z_]*(?:token|secret|key|password)[a-z_]*\}?|/proc/self/environ|\.ssh/id_|-d @?(?:\.env|~/\.ssh))`),
  rule('env-piped-to-network', String.raw`\b(?:env|printenv|set|cat [^\n|]{1,60})\s?\|\s?(?:curl|wget|nc|netcat|base64 [^\n|]{0,20}\|\s?(?:curl|wget|nc))\b`),
  rule(
    'ko-reveal-credentials',
    String.raw`${koNamedTargets}(?: ?(?:값|파일|내용|전체|전부|목록|결과)){0,2}(?: ?(?:을|를|은|는))?(?: 좀)?(?: (?:\S{1,12} )?\S{0,12}(?:에|에다가?|으?로))? ?(?:(?:전부|모두|다|그대로|그냥|좀) ?)?${koRevealVerb}`,
  ),
];

const sendVerb =
  /\b(?:(?:send|post|upload|exfiltrate|forward|transmit|leak|email|e-mail|mail|pipe|beam|publish|expose|share)(?:s|es|ing)?|curl|wget|scp|rsync)\b|(?:보내|보낸|전송|업로드|올려|올리|유출|공유|포스트|넘겨|전달|송신)(?!지 ?(?:마|않|말))/gu;
const strongSensitive = new RegExp(
  String.raw`\b(?:env(?:ironment)? var(?:iable)?s?|(?:whole|entire|full) env(?:ironment)?|process\.env|os\.environ|ssh keys?|private keys?|secrets|kubeconfig|aws credentials|(?:your|all|all the|the server's|the machine's|the bot's|the worker's|stored|saved) (?:api |access )?(?:tokens?|credentials|keys|passwords?))\b|(?<![\w.-])\.env\b(?!\.example)|(?<![\w-])\.ssh\b|\.gnupg\b|${secretFiles}|${namedSecrets}|환경 ?변수|시크릿|자격 ?증명|인증 ?정보|ssh ?키|개인 ?키|비밀 ?키|모든 ?토큰|(?:네|너의|봇의?|서버의?) ?토큰`,
  'gu',
);
const weakSensitive =
  /\b(?:tokens?|passwords?|credentials|api keys?|cookies)\b(?! (?:reset|hint|strength|field|policy|form|input|change|expiry|rules|count|limit|usage|budget|refresh|validation|length|manager|link|email|emails)\b)|토큰(?! ?(?:갱신|만료|검증|수|개수|한도))|(?:비밀번호|패스워드)(?! ?(?:재설정|변경|찾기|확인|정책|규칙|입력|필드|강도|힌트|초기화|리셋))|api ?키/gu;
/** Hosts, addresses and services outside: a URL, an IP, a domain, an email, a paste or file-drop service, a chat webhook. */
const externalDestination =
  /(?:https?|ftp|wss?):\/\/|\b\d{1,3}(?:\.\d{1,3}){3}\b|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|xyz|ru|cn|me|co|dev|app|site|info|biz|tk|top|cc|to|ly|gg)\b|\b[\w.+-]+@[\w-]+\.[\w.]+|\b(?:webhook|pastebin|paste\.ee|hastebin|gist|discord|telegram|requestbin|ngrok|webhook\.site|transfer\.sh|file\.io|0x0\.st|termbin|ix\.io)\b|외부|웹훅|디스코드|텔레그램|이메일|메일로/u;
const anyDestination = new RegExp(
  String.raw`${externalDestination.source}|\b(?:to|into|onto) (?:my|our|a|an|the|some|this|that|your|their|his|her)? ?(?:own |personal |private |remote |external )?(?:server|endpoint|host|machine|url|site|website|channel|email|inbox|address|bucket|gist|pastebin)\b|\b(?:a |an )?public (?:url|link|bucket|gist|repo|repository|page|channel|server)\b|(?:서버|주소|url|사이트|채널|메일)(?:로|으로|에)`,
  'u',
);
const hangul = /[\u3131-\u318e\uac00-\ud7a3]/u;

/** Where the first match of `pattern` in `text` ends and the last one starts (`undefined` when none). One linear scan. */
function matchSpan(pattern: RegExp, text: string): { firstEnd: number; lastStart: number } | undefined {
  let firstEnd: number | undefined;
  let lastStart = -1;
  pattern.lastIndex = 0;
  for (const match of text.matchAll(pattern)) {
    firstEnd ??= match.index + match[0].length;
    lastStart = match.index;
  }
  return firstEnd === undefined ? undefined : { firstEnd, lastStart };
}

/**
 * Whether a clause asks to send something sensitive somewhere: a sending verb, and either
 * something clearly sensitive (environment variables, SSH keys, secrets) with any
 * destination, or a token / password with an external one (a URL, a host, an address).
 * A Korean verb takes its object before it (`환경 변수를 외부 서버로 보내`), so for one the
 * sensitive thing must come first — `외부 웹훅 전송을 끄는 환경 변수를 추가해` sends nothing.
 * Returns where the verb is, so the caller can check it is not negated. Linear in the clause.
 */
export function sendsSensitive(clause: string): { index: number } | undefined {
  const strong = anyDestination.test(clause) ? matchSpan(strongSensitive, clause) : undefined;
  const weak = externalDestination.test(clause) ? matchSpan(weakSensitive, clause) : undefined;
  if (!strong && !weak) return undefined;
  sendVerb.lastIndex = 0;
  for (const verb of clause.matchAll(sendVerb)) {
    const objectBefore = hangul.test(verb[0]);
    const fits = (span: { firstEnd: number } | undefined) => span !== undefined && (!objectBefore || span.firstEnd <= verb.index);
    if (fits(strong) || fits(weak)) return { index: verb.index };
  }
  return undefined;
}
