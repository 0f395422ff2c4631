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
  /\b(?:all|any|every|your|prior|previous|above|earlier|preceding|system|original|initial|safety|developer|existing|former|old|given|guardrails?|tandem's|moderation)\b/;

const destroy = String.raw`(?:delete|remove|destroy|erase|nuke|wipe|purge|drop|get rid of)`;
const koDelete = String.raw`(?:삭제|지워|지우|제거|날려|없애|드롭|drop)`;
const koAdverb = String.raw`(?:(?:전부|모두|다|통째로|완전히|싹|그냥) ?)?`;
const koNotNegated = String.raw`(?!지 ?(?:마|않|말))`;
/** A Korean verb used as a request: not negated, and not a condition or a description (`우회하는 방법`, `끄면`). */
const koCommand = String.raw`(?!(?:하|되|해|돼|주)?(?:는|면|던|지 ?(?:마|않|말|못))|된|될|한|할)`;
/** What comes before instructions that are to be dropped: `이전`, `위에 있는`, `너의 원래`, `안전`. */
const koPrior = String.raw`(?:이전|앞|위|기존|모든|지금까지|앞서|먼저|원래|처음|너의|네|니|당신의|너한테 주어진|네가 받은|안전|보안)(?:의|에|에서)?(?: ?(?:대화|메시지|단계|있는|받은|주어진|나온|말한|했던|적힌|모든|설정된|원래)(?:의|에서|에)?){0,2}`;
const koInstructions = String.raw`(?:지시|지침|명령|규칙|프롬프트|가이드라인|제약|instructions?)(?:사항|문|들|어)?`;
const koDrop = String.raw`(?:무시|잊어|잊고|잊으|무효|취소|폐기|신경 ?(?:쓰지|끄)|따르지 ?(?:마|말))`;

/** Attempts to change or reveal the agents' instructions. */
export const injectionRules: readonly PhraseRule[] = [
  rule(
    'ignore-instructions',
    'prompt_injection',
    String.raw`\b(?:ignore|disregard|forget|override|bypass|overrule)s?((?: [\p{L}\p{N}'-]+){1,5}?) (?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|guardrails?|safeguards|polic(?:y|ies)|restrictions|constraints|programming|context|commands)\b`,
    { check: (matched) => strongQualifier.test(matched.replace(/^\S+/, '')) },
  ),
  rule(
    'ignore-everything-above',
    'prompt_injection',
    String.raw`\b(?:ignore|disregard|forget)s? (?:everything|all|anything|whatever)(?: (?:that|which))? (?:(?:you(?:'ve| have)? (?:been |were |was )?(?:told|given|instructed|taught|shown)|(?:i|we|they|anyone) (?:told|said|gave) you)(?: (?:above|before|earlier|so far|until now|previously|before this))?|(?:above|before this|prior to this|said before|so far|up to (?:now|this point))(?=$|[.,;:!]| and\b| then\b| -))`,
    { negatable: true },
  ),
  rule(
    'ignore-given-instructions',
    'prompt_injection',
    String.raw`\b(?:ignore|disregard|forget|override)s? (?:the|those|these|any|all the) (?:instructions|rules|guidelines|directives|guidance|prompts?) (?:(?:that )?you(?:'ve| have)? (?:were |been )?(?:given|received|got|told)|(?:from )?(?:above|before this|earlier|so far))\b`,
    { negatable: true },
  ),
  rule(
    'instructions-void',
    'prompt_injection',
    String.raw`\b(?:your|the|all|any|these|those) (?:previous|prior|earlier|original|initial|above|system|safety) (?:instructions|rules|guidelines|directives|prompt|guidance|policies|constraints|restrictions)(?: (?:are|is|have been|has been))? (?:now |hereby |officially )?(?:void|null|revoked|cancell?ed|obsolete|invalid|lifted|suspended|overridden|superseded|disabled|gone|no longer (?:apply|applies|valid|in effect|active|binding))\b`,
  ),
  rule(
    'override-marker',
    'prompt_injection',
    String.raw`\b(?:system|admin|administrator|developer|root|sudo|emergency|security) override\b(?: mode)?(?= ?(?::|!|-|activated|enabled|engaged|granted|accepted|on\b))|\[(?:system|admin|developer|시스템|관리자|개발자)(?: ?(?:message|note|메시지|공지))?\]`,
  ),
  rule(
    'bypass-guardrail',
    'prompt_injection',
    String.raw`\b(?:bypass|circumvent|get around|sidestep|evade|skip|disable|turn off|switch off|ignore|override|defeat) (?:the |your |this |tandem's |all |any )?(?:guardrails?|content (?:filters?|policy|moderation)|safety (?:filters?|layer|screening)|input screening|moderation (?:layer|filters?))\b`,
    { negatable: true, feature: true },
  ),
  rule('system-prompt-leak', 'prompt_injection', String.raw`\b(?:reveal|show|print|display|output|repeat|tell|give|leak|dump|share|write out|what (?:is|are|was|were)|what's)(?: out)?(?: me| us)?(?: all| the text of| the contents of)?(?: of)? (?:your|the above|your original|your initial|your hidden) (?:system )?(?:prompt|message|instructions|rules|guidelines)\b`),
  rule('what-instructions-say', 'prompt_injection', String.raw`\bwhat your (?:system |initial |original |hidden |secret |real )?(?:prompt|instructions|rules|guidelines) (?:says?|said|contains?|are|were|tells? you)\b`),
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
  rule('ko-ignore-instructions', 'prompt_injection', String.raw`${koPrior} ?(?:모든 ?)?${koInstructions}(?:은|는|을|를|이나|도|이|가)? ?${koAdverb}${koDrop}`),
  rule('ko-ignore-system-prompt', 'prompt_injection', String.raw`(?:시스템 ?프롬프트|시스템 ?메시지)(?:은|는|을|를)? ?${koAdverb}${koDrop}`),
  rule(
    'ko-system-prompt-leak',
    'prompt_injection',
    String.raw`(?:시스템 ?프롬프트|시스템 ?메시지|(?:너의|네|니|당신의|너한테 주어진|네가 받은) ?(?:(?:원래|처음|숨겨진|기존|비밀|초기|받은) ?)?(?:지시 ?사항|지시|지침|프롬프트|규칙|설정|명령))(?: ?(?:내용|원문|전문|전체|텍스트))?(?:(?:을|를|은|는|이|가)? ?(?:(?:전부|모두|다|그대로|원문 ?그대로) ?)?(?:보여|알려|출력|공개|말해|노출|유출|복사|print)|(?:이|가|은|는) ?(?:뭐|무엇)(?:야|였|니|지|예요|에요|인지|이야))`,
  ),
  rule('ko-new-instructions', 'prompt_injection', String.raw`(?:새|새로운|진짜|실제|최신|업데이트된) ?(?:지시|지침|명령|프롬프트)(?:사항)? ?:`),
  rule(
    'ko-bypass-guardrail',
    'prompt_injection',
    String.raw`(?:가드레일|guardrails?|안전 ?(?:필터|정책|지침)|콘텐츠 ?필터|검열|세이프가드)(?:을|를|은|는)? ?${koAdverb}(?:우회|무시|해제|비활성화|끄|꺼|끌|무력화|신경 ?쓰지)${koCommand}`,
    { feature: true },
  ),
  rule(
    'ko-jailbreak',
    'prompt_injection',
    String.raw`(?:개발자|dan|무제한|제한 ?없는|jailbreak|탈옥) ?모드(?:를|로|으로)? ?(?:활성화|켜|전환|진입|들어가)${koCommand}|탈옥(?:해|시켜)`,
    { feature: true },
  ),
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
  rule('force-push-after-main', 'destructive', String.raw`\b(?:main|master)\b[^\n.;]{0,40}?\bforce[- ]?push(?:es|ing)?\b(?! ?(?:(?:을|를) ?)?(?:하|해)?지 ?(?:마|않|말|못)|(?:을|를)? ?(?:금지|막|차단|못))`, {
    negatable: true,
    check: (matched) => !/\b(?:from|against|without|protect|protects|protected|protection|block|blocks|prevent|prevents|refuse|refuses|never)\b/.test(matched),
  }),
  rule('delete-remote-main', 'destructive', String.raw`\bgit push\b[^\n;&|]{0,60}?--delete\b[^\n;&|]{0,40}?\b(?:main|master)\b|\bgh repo delete\b|\bterraform destroy\b|\baws s3 rm\b[^\n;&|]{0,80}?--recursive|\bkubectl delete\b[^\n;&|]{0,60}?(?:--all\b|(?:namespace|ns) (?:prod|production)\b)`, { negatable: true }),
  rule('delete-all-branches', 'destructive', String.raw`\b${destroy} (?:all|every|each)(?: of)?(?: (?:the|our|my|your|remote|local|git|other|existing|open|repo|repository's|github))* (?:branch(?:es)?|git tags|remote tags|release tags|releases|commits|pull requests|prs|tags(?=[^\n.;]{0,30}?\b(?:repo|repository|origin|remote|github|releases)\b))\b(?! (?:of|in|from) (?:the |this |that )?(?:if|switch|match|conditional|statement|function|code|tree|ast|expression|condition)\b)`, { negatable: true, feature: true }),
  rule('delete-history', 'destructive', String.raw`\b${destroy} (?:the |our |all )?(?:entire |whole )?(?:git |commit )history\b`, { negatable: true, feature: true }),
  rule('delete-repository', 'destructive', String.raw`\b${destroy} (?:the|this|our|my|your|entire|whole|github)(?: (?:entire|whole|github|git))? (?:repo|repository|repositories|repos)\b(?! (?:link|links|name|names|url|urls|description|field|button|settings?|page|list|card|badge|dropdown|selector|picker|cache|folder|dir|directory|reference|references|mention|option|icon|path|root|readme|id|variable|config|setting|table|model|class|type|interface|tests?|layer|pattern|object|entity|record|row|wrapper|helper|method|function)\b)`, { negatable: true, feature: true }),
  rule('drop-production-database', 'destructive', String.raw`\b(?:drop|delete|remove|wipe|truncate|destroy|erase|nuke|purge|reset|empty|clear|tear down) (?:(?:the|our|my|all|every|entire|whole|of|both) ){0,3}(?:[\w-]+ (?:and|&) )?(?:prod|production|live) (?:\S+ )?(?:databases?|dbs?|tables?|data|schema|cluster|servers?|environment|env|buckets?|instances?|deployment|stack)\b`, { negatable: true, feature: true }),
  rule(
    'destroy-on-production',
    'destructive',
    String.raw`\b(?:drop|delete|truncate|wipe|destroy|purge|empty|clear|nuke|erase|reset)(?: all(?: the)?(?: rows| data| records)?(?: (?:in|from|of))?)? (?:the |our |all )?(?:[\w-]+ )?(?:tables?|databases?|dbs?|data|collections?|buckets?|indexes|indices|records|rows|schema) (?:on|in|from) (?:the )?(?:prod|production|live)(?: (?:database|db|cluster|server|environment|env))?\b`,
    { negatable: true, feature: true },
  ),
  rule('drop-all-tables', 'destructive', String.raw`\b(?:drop|delete|wipe|truncate|destroy|nuke) (?:all|every|the entire|the whole|entire|whole)(?: of)?(?: the| our)? (?:databases?|dbs?|tables)\b|\bdrop database (?:prod|production|live|main)\b`, { negatable: true, feature: true }),
  rule(
    'delete-home-directory',
    'destructive',
    String.raw`\b${destroy} (?:everything|all (?:the )?files|all data)(?: (?:in|under|on|from|inside))? (?:the |my |our |your |this |that )?(?:(?:entire|whole) )?(?:home (?:directory|dir|folder)|~/?|/|root (?:directory|dir|folder)|filesystem|file system|(?:hard )?disk|drive)(?=$|[\s.,;!?)])|\b${destroy} (?:the |my |our |your )?(?:entire |whole )?(?:[\w-]+ )?home (?:directory|dir|folder)\b`,
    { negatable: true, feature: true },
  ),
  rule('wipe-everything', 'destructive', String.raw`\bwipe (?:out )?(?:(?:the|all|every|our|my|entire|whole) ){0,3}(?:\S+ )?(?:server|servers|disk|disks|drive|machine|repo|repository|database|db|history|branches|everything|prod|production|home directory|filesystem|file system)\b`, { negatable: true, feature: true }),
  rule('disable-protection', 'destructive', String.raw`\b(?:disable|turn off|switch off|deactivate|remove|delete|bypass|circumvent|get rid of|kill) (?:(?:the|all|our|every|of|github|required|existing|repo|repository) ){0,3}(?:branch protections?(?: rules?)?|protected branch(?:es)?(?: rules?)?|required (?:status )?checks|required reviews?|required approvals?|code ?owners(?: file| review)?|ci(?: checks| pipeline| pipelines| jobs| workflows?| builds?)?|ci/cd(?: pipelines?)?|github actions(?: workflows?)?|workflows?(?! (?:that|which|named|called)\b)|status checks|security (?:checks|scans|scanning|alerts)|secret scanning|code scanning|dependabot(?: alerts)?|signed commits|commit signing)\b(?! (?:badge|badges|status badge|link|links|icon|docs|documentation|cache|caching|timeout|logs?|output|name|names|step|steps|job|jobs|trigger|triggers|input|inputs|matrix|env|variable|variables|comment|comments)\b)`, { negatable: true, feature: true }),
  rule('delete-workflows-folder', 'destructive', String.raw`\b(?:delete|remove|rm|wipe|empty|erase|clear|truncate)\b[^\n]{0,40}?\.github/workflows\b`, { negatable: true }),
  rule('ko-delete-all-branches', 'destructive', String.raw`(?:모든|전체|전부의?) ?(?:원격 ?|로컬 ?)?(?:브랜치|태그|커밋|릴리스|릴리즈|이슈|pr|풀 ?리퀘스트)(?:들)?(?:을|를)? ?${koAdverb}${koDelete}${koNotNegated}|(?:브랜치|태그)(?:들)?(?:을|를)? ?(?:전부|모두|다|싹) ?${koDelete}${koNotNegated}`, { feature: true }),
  rule('ko-delete-database', 'destructive', String.raw`(?<!(?:테스트|로컬|개발|임시|샘플|dev|local|test)(?: ?개발)? ?)(?:데이터베이스|디비|(?<![a-z])db)(?:를|을)? ?${koAdverb}(?:${koDelete}|비워)${koNotNegated}|(?:운영|프로덕션|프로드|실서버|라이브|prod|production) ?(?:(?:서버|환경|클러스터)(?:의|에 있는)? ?)?(?:데이터베이스|디비|db|데이터|서버|환경|테이블)(?:를|을)? ?${koAdverb}(?:${koDelete}|초기화|비워|밀어)${koNotNegated}|(?:테이블|데이터베이스|디비|(?<![a-z])db|데이터|버킷)(?:을|를) ?(?:운영|프로덕션|프로드|실서버|라이브|prod|production)(?: ?(?:환경|서버|db|디비))?(?:에서|에) ?${koAdverb}(?:${koDelete}|초기화|비워|밀어|truncate)${koNotNegated}`, { feature: true }),
  rule('ko-delete-repository', 'destructive', String.raw`(?:저장소|레포(?:지토리)?|리포(?:지토리)?|(?<![a-z])repo|(?<![a-z])repository)(?:를|을)? ?${koAdverb}${koDelete}${koNotNegated}`, { feature: true }),
  rule('ko-force-push', 'destructive', String.raw`(?:main|master|메인|마스터|운영|프로덕션) ?(?:브랜치)?(?:에|로|으로|에다|에다가)? ?(?:강제 ?(?:로 ?)?(?:푸시|푸쉬|push)|force ?push|포스 ?푸시|push --force|push -f)${koNotNegated}|(?:강제 ?(?:로 ?)?(?:푸시|푸쉬|push)|force ?push|포스 ?푸시)[^\n]{0,20}?(?:main|master|메인|마스터)|(?:main|master|메인|마스터) ?(?:브랜치)?(?:를|을)? ?강제 ?(?:로 ?)?(?:덮어 ?써|덮어 ?쓰|리셋|reset)${koNotNegated}`, { negatable: true }),
  rule('ko-delete-history', 'destructive', String.raw`(?:(?:모든|전체) ?)?(?:깃|git|커밋) ?(?:히스토리|기록|이력|history)(?:을|를|은|는)? ?${koAdverb}(?:${koDelete}|초기화|밀어)${koNotNegated}`, { feature: true }),
  rule('ko-disable-protection', 'destructive', String.raw`(?:브랜치 ?보호(?: ?규칙)?|branch protection|(?<![a-z])ci|(?<![a-z])ci/cd|깃허브 ?액션|github actions|워크플로우?|필수 ?(?:상태 ?)?검사|필수 ?(?:리뷰|검토|승인)|리뷰 ?필수|상태 ?검사|status checks?|보안 ?검사|시크릿 ?스캐닝|secret scanning|코드 ?스캐닝|code scanning|dependabot|디펜다봇|코드 ?오너|codeowners)(?:를|을|는|은)? ?${koAdverb}(?:해제|비활성화|끄|꺼|끌|${koDelete}|우회|무력화|풀어|풀고)${koNotNegated}`, { feature: true }),
  rule('ko-delete-workflows-folder', 'destructive', String.raw`\.github/workflows\S*(?: ?(?:폴더|디렉터리|디렉토리))?(?:를|을)? ?${koAdverb}${koDelete}${koNotNegated}`),
  rule('ko-delete-everything', 'destructive', String.raw`(?:모든|전체) ?파일(?:들)?(?:을|를)? ?${koAdverb}${koDelete}${koNotNegated}|(?:디스크|서버|하드 ?디스크|드라이브|하드)(?:를|을)? ?(?:포맷|밀어)${koNotNegated}|(?:홈|루트) ?(?:디렉터리|디렉토리|폴더)(?:를|을)? ?${koAdverb}(?:${koDelete}|밀어)${koNotNegated}|파일 ?시스템(?:을|를)? ?${koAdverb}(?:${koDelete}|밀어|포맷)${koNotNegated}`, { feature: true }),
];
