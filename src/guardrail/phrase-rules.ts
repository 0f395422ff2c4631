/**
 * The phrase rules of the deterministic guardrail, in English and Korean. They read the
 * normalised, flattened text (lower case, single spaces; see `normalize-text.ts`). Every
 * quantifier is bounded so a rule stays linear in the length of the request.
 */

/** What a phrase rule guards against. */
export type RuleCategory = 'prompt_injection' | 'destructive' | 'exfiltration';

/** One deterministic rule: a pattern over the normalised text, and when a match does not count. */
export interface PhraseRule {
  id: string;
  category: RuleCategory;
  /** Global; run over the whole flattened text. */
  pattern: RegExp;
  /** Skip a match right after `never`, `don't`, `without`, … */
  negatable?: boolean;
  /** Skip a match that describes a feature (`add a button to delete the repository`). */
  feature?: boolean;
  /** A second look at the matched text. */
  check?: (matched: string) => boolean;
}

const rule = (id: string, category: RuleCategory, source: string, options: Omit<PhraseRule, 'id' | 'category' | 'pattern'> = {}): PhraseRule => ({
  id,
  category,
  pattern: new RegExp(source, 'gu'),
  ...options,
});

const strongQualifier =
  /\b(?:all|any|every|your|prior|previous|above|earlier|preceding|system|original|initial|safety|developer|existing|former|old|given)\b/;

const destroy = String.raw`(?:delete|remove|destroy|erase|nuke|wipe|purge|drop|get rid of)`;
const koDelete = String.raw`(?:삭제|지워|지우|제거|날려|없애|드롭|drop)`;
const koAdverb = String.raw`(?:(?:전부|모두|다|통째로|완전히|싹|그냥) ?)?`;
const koNotNegated = String.raw`(?!지 ?(?:마|않|말))`;

/** Attempts to change or reveal the agents' instructions. */
export const injectionRules: readonly PhraseRule[] = [
  rule(
    'ignore-instructions',
    'prompt_injection',
    String.raw`\b(?:ignore|disregard|forget|override|bypass|overrule)s?((?: [\p{L}\p{N}'-]+){1,5}?) (?:instructions?|prompts?|rules|directions|directives|guidelines|guardrails?|polic(?:y|ies)|restrictions|constraints|programming|context|commands)\b`,
    { check: (matched) => strongQualifier.test(matched.replace(/^\S+/, '')) },
  ),
  rule('system-prompt-leak', 'prompt_injection', String.raw`\b(?:reveal|show|print|display|output|repeat|tell|give|leak|dump|share|write out|what (?:is|are)|what's)(?: me| us)?(?: all| the text of| the contents of)?(?: of)? (?:your|the above|your original|your initial|your hidden) (?:system )?(?:prompt|message|instructions|rules|guidelines)\b`),
  rule('system-prompt-leak-direct', 'prompt_injection', String.raw`\b(?:reveal|leak)(?: me)? the (?:system|hidden|initial|original) (?:prompt|instructions)\b`),
  rule('disregard-system-prompt', 'prompt_injection', String.raw`\b(?:ignore|disregard|forget|override|bypass)s? (?:the|your|this|that) (?:system|developer) (?:prompt|message)\b`),
  rule('you-are-now', 'prompt_injection', String.raw`\byou(?: are|'re) now (?:(?:a|an|my|the) )?(?:dan\b|jailbroken|unrestricted|unfiltered|uncensored|evil|free from|no longer (?:bound|restricted|an? )|in (?:developer|god|dan|jailbreak|unrestricted) mode|(?:a |an )?(?:different|new|unrestricted) (?:ai|assistant|model|persona)|root\b|admin(?:istrator)?\b|(?:an? )?(?:ai|assistant|model|chatbot|bot|llm) (?:that|with|without|who|named|called))`),
  rule('from-now-on-you', 'prompt_injection', String.raw`\bfrom now on,? you(?: are|'re| will be| must| will act| shall| act| have no)\b`),
  rule('act-as-unrestricted', 'prompt_injection', String.raw`\b(?:act|behave|respond|roleplay|role-play) as (?:if you (?:were|are) )?(?:an? )?(?:dan\b|jailbroken|unrestricted|unfiltered|uncensored|evil|an ai (?:without|with no))`),
  rule('pretend-you-are', 'prompt_injection', String.raw`\bpretend (?:that )?you(?:'re| are)\b`),
  rule('jailbreak', 'prompt_injection', String.raw`\b(?:jailbreak (?:mode|yourself|the (?:model|ai|bot|assistant))|dan mode|do anything now|developer mode (?:enabled|on)|enable (?:your )?developer mode)\b`),
  rule('new-instructions', 'prompt_injection', String.raw`\b(?:new|updated|revised|real|actual) (?:system )?(?:instructions|prompt) ?:`),
  rule('chat-template-token', 'prompt_injection', String.raw`<\|(?:im_start|im_end|system|endoftext|start_header_id)\|>|<<sys>>|\[/?inst\]`),
  rule('repeat-text-above', 'prompt_injection', String.raw`\b(?:output|print|repeat|reveal) (?:everything|all|the text|the words|the messages?) (?:above|before this|prior to this)\b`),
  rule('ko-ignore-instructions', 'prompt_injection', String.raw`(?:이전|앞|위|기존|모든|지금까지|앞서|먼저 받은)(?:의|에)? ?(?:모든 ?)?(?:지시|지침|명령|규칙|프롬프트|설정|instructions?)(?:사항|들|어)?(?:은|는|을|를|이나|도)? ?${koAdverb}(?:무시|잊어|잊고|잊으|무효)`),
  rule('ko-ignore-system-prompt', 'prompt_injection', String.raw`(?:시스템 ?프롬프트|시스템 ?메시지)(?:은|는|을|를)? ?${koAdverb}(?:무시|잊어|잊고|무효)`),
  rule('ko-system-prompt-leak', 'prompt_injection', String.raw`(?:시스템 ?프롬프트|시스템 ?메시지|(?:너의|네|니|당신의|너한테 주어진) ?(?:지시 ?사항|지시|지침|프롬프트|규칙|설정|명령))(?:을|를|은|는|이|가)? ?(?:(?:전부|모두|다|그대로|원문 ?그대로) ?)?(?:보여|알려|출력|공개|말해|노출|유출|복사|print)`),
  rule('ko-you-are-now', 'prompt_injection', String.raw`(?:지금부터|이제부터) ?(?:너는|넌|당신은|너의 역할은)|(?:너는|넌|당신은) (?:이제|지금부터|이제부터) (?:제한|규칙|검열|필터)?(?:이|가)? ?(?:없는|자유로운|dan)`),
];

/** Requests to destroy files, history, branches, repositories, databases or safety checks. */
export const destructiveRules: readonly PhraseRule[] = [
  rule('rm-rf-root', 'destructive', String.raw`\b(?:sudo )?rm ((?:-{1,2}[\w-]+ ){1,4})["']?(?:/|/\*|~/?|~/\*|\*|\.|\./\*|\$home/?|/(?:etc|usr|var|bin|boot|home|root|lib|opt|system)\S*)(?=$|[\s;&|'")])`, {
    negatable: true,
    check: (matched) => /(?:^| )-(?:[a-z]*r[a-z]*|-recursive|-no-preserve-root)\b/.test(matched),
  }),
  rule('disk-wipe-command', 'destructive', String.raw`\bmkfs(?:\.\w+)?\b|\bdd [^\n]{0,60}?of=/dev/(?:sd|hd|nvme|disk|xvd|mmcblk)|:\(\) ?\{ ?: ?\| ?: ?& ?\} ?; ?:|\bchmod -r 777 /(?= |$)|> ?/dev/sd[a-z]\b`, { negatable: true }),
  rule('format-disk', 'destructive', String.raw`\bformat (?:the |my |our |this )?(?:hard |system |main |boot )?(?:disk|drive|hard drive|hdd|ssd|c: ?drive|server)\b`, { negatable: true, feature: true }),
  rule('force-push-main', 'destructive', String.raw`\bgit push\b[^\n;&|]{0,80}`, {
    negatable: true,
    check: (matched) => /(?:--force\b|--force-with-lease\b|(?:^| )-f\b| \+\S)/.test(matched) && /\b(?:main|master)\b/.test(matched),
  }),
  rule('force-push-main-words', 'destructive', String.raw`\bforce[- ]?push(?:es|ing)? (?:\S+ ){0,4}?(?:(?:to|onto|into) )?(?:the )?(?:origin/)?(?:main|master|production|prod|release)\b`, { negatable: true }),
  rule('delete-remote-main', 'destructive', String.raw`\bgit push\b[^\n;&|]{0,60}?--delete\b[^\n;&|]{0,40}?\b(?:main|master)\b|\bgh repo delete\b|\bterraform destroy\b|\baws s3 rm\b[^\n;&|]{0,80}?--recursive|\bkubectl delete\b[^\n;&|]{0,60}?(?:--all\b|(?:namespace|ns) (?:prod|production)\b)`, { negatable: true }),
  rule('delete-all-branches', 'destructive', String.raw`\b${destroy} (?:all|every|each)(?: of)?(?: (?:the|our|my|your|remote|local|git|other|existing|open|repo|repository's|github))* (?:branch(?:es)?|git tags|remote tags|release tags|releases|commits|pull requests|prs)\b(?! (?:of|in|from) (?:the |this |that )?(?:if|switch|match|conditional|statement|function|code|tree|ast|expression|condition)\b)`, { negatable: true, feature: true }),
  rule('delete-history', 'destructive', String.raw`\b${destroy} (?:the |our |all )?(?:entire |whole )?(?:git |commit )history\b`, { negatable: true, feature: true }),
  rule('delete-repository', 'destructive', String.raw`\b${destroy} (?:the|this|our|my|your|entire|whole|github)(?: (?:entire|whole|github|git))? (?:repo|repository|repositories|repos)\b(?! (?:link|links|name|names|url|urls|description|field|button|settings?|page|list|card|badge|dropdown|selector|picker|cache|folder|dir|directory|reference|references|mention|option|icon|path|root|readme|id|variable|config|setting|table|model|class|type|interface|tests?|layer|pattern|object|entity|record|row|wrapper|helper|method|function)\b)`, { negatable: true, feature: true }),
  rule('drop-production-database', 'destructive', String.raw`\b(?:drop|delete|remove|wipe|truncate|destroy|erase|nuke|purge|reset|empty|clear|tear down) (?:(?:the|our|my|all|every|entire|whole|of) ){0,3}(?:prod|production|live) (?:\S+ )?(?:databases?|dbs?|tables?|data|schema|cluster|servers?|environment|env|buckets?|instances?|deployment|stack)\b`, { negatable: true, feature: true }),
  rule('drop-all-tables', 'destructive', String.raw`\b(?:drop|delete|wipe|truncate|destroy|nuke) (?:all|every|the entire|the whole|entire|whole)(?: of)?(?: the| our)? (?:databases?|dbs?|tables)\b|\bdrop database (?:prod|production|live|main)\b`, { negatable: true, feature: true }),
  rule('wipe-everything', 'destructive', String.raw`\bwipe (?:out )?(?:(?:the|all|every|our|my|entire|whole) ){0,3}(?:\S+ )?(?:server|servers|disk|disks|drive|machine|repo|repository|database|db|history|branches|everything|prod|production|home directory|filesystem|file system)\b`, { negatable: true, feature: true }),
  rule('disable-protection', 'destructive', String.raw`\b(?:disable|turn off|switch off|deactivate|remove|delete|bypass|circumvent|get rid of|kill) (?:(?:the|all|our|every|of|github|required|existing|repo|repository) ){0,3}(?:branch protections?(?: rules?)?|protected branch(?:es)?(?: rules?)?|required (?:status )?checks|required reviews?|required approvals?|code ?owners(?: file| review)?|ci(?: checks| pipeline| pipelines| jobs| workflows?| builds?)?|ci/cd(?: pipelines?)?|github actions(?: workflows?)?|workflows?|status checks|security (?:checks|scans|scanning|alerts)|secret scanning|code scanning|dependabot(?: alerts)?|signed commits|commit signing)\b(?! (?:badge|badges|status badge|link|links|icon|docs|documentation|cache|caching|timeout|logs?|output|name|names|step|steps|job|jobs|trigger|triggers|input|inputs|matrix|env|variable|variables|comment|comments)\b)`, { negatable: true, feature: true }),
  rule('delete-workflows-folder', 'destructive', String.raw`\b(?:delete|remove|rm|wipe|empty|erase|clear|truncate)\b[^\n]{0,40}?\.github/workflows\b`, { negatable: true }),
  rule('ko-delete-all-branches', 'destructive', String.raw`(?:모든|전체|전부의?) ?(?:원격 ?|로컬 ?)?(?:브랜치|태그|커밋|릴리스|릴리즈|이슈|pr|풀 ?리퀘스트)(?:들)?(?:을|를)? ?${koAdverb}${koDelete}${koNotNegated}|(?:브랜치|태그)(?:들)?(?:을|를)? ?(?:전부|모두|다|싹) ?${koDelete}${koNotNegated}`, { feature: true }),
  rule('ko-delete-database', 'destructive', String.raw`(?<!테스트 ?)(?:데이터베이스|디비|(?<![a-z])db)(?:를|을)? ?${koAdverb}(?:${koDelete}|비워)${koNotNegated}|(?:운영|프로덕션|프로드|실서버|라이브|prod|production) ?(?:데이터베이스|디비|db|데이터|서버|환경|테이블)(?:를|을)? ?${koAdverb}(?:${koDelete}|초기화|비워|밀어)${koNotNegated}`, { feature: true }),
  rule('ko-delete-repository', 'destructive', String.raw`(?:저장소|레포(?:지토리)?|리포(?:지토리)?|(?<![a-z])repo|(?<![a-z])repository)(?:를|을)? ?${koAdverb}${koDelete}${koNotNegated}`, { feature: true }),
  rule('ko-force-push', 'destructive', String.raw`(?:main|master|메인|마스터|운영|프로덕션) ?(?:브랜치)?(?:에|로|으로|에다|에다가)? ?(?:강제 ?(?:로 ?)?(?:푸시|푸쉬|push)|force ?push|포스 ?푸시|push --force|push -f)${koNotNegated}|(?:강제 ?(?:로 ?)?(?:푸시|푸쉬|push)|force ?push|포스 ?푸시)[^\n]{0,20}?(?:main|master|메인|마스터)`),
  rule('ko-disable-protection', 'destructive', String.raw`(?:브랜치 ?보호(?: ?규칙)?|branch protection|(?<![a-z])ci|(?<![a-z])ci/cd|깃허브 ?액션|github actions|워크플로우?|필수 ?(?:상태 ?)?검사|보안 ?검사|코드 ?오너|codeowners)(?:를|을|는|은)? ?${koAdverb}(?:해제|비활성화|끄|꺼|끌|${koDelete}|우회|무력화)${koNotNegated}`, { feature: true }),
  rule('ko-delete-workflows-folder', 'destructive', String.raw`\.github/workflows\S*(?: ?(?:폴더|디렉터리|디렉토리))?(?:를|을)? ?${koAdverb}${koDelete}${koNotNegated}`),
  rule('ko-delete-everything', 'destructive', String.raw`(?:모든|전체) ?파일(?:들)?(?:을|를)? ?${koAdverb}${koDelete}${koNotNegated}|(?:디스크|서버|하드 ?디스크|드라이브|하드)(?:를|을)? ?(?:포맷|밀어)${koNotNegated}`, { feature: true }),
];
