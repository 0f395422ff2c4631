import type { ReportStatus } from '../queue/report-job.ts';

/** The words of a report's deterministic parts, per language. */
export interface ReportLabels {
  heading: string;
  branch: string;
  commit: string;
  status: string;
  changes: string;
  tests: string;
  review: string;
  tester: string;
  attempts: string;
  diffStat: string;
  usage: string;
  persona: string;
  calls: string;
  promptTokens: string;
  outputTokens: string;
  time: string;
  loading: string;
  total: string;
  /** `4m12s in all: models 2m01s (loading 12s), tests 40s` */
  timeSpent: (wall: string, models: string, loading: string, tests: string) => string;
  frontierCoder: (model: string, origin: string) => string;
  whatFailed: string;
  lastOutput: string;
  uncovered: string;
  statusText: Record<ReportStatus, string>;
  testsNotRun: string;
  testsPassed: string;
  testsFailed: string;
  timedOut: string;
  approved: string;
  notApproved: string;
  stuckWithoutError: string;
  failedWithoutError: string;
  modelUnavailable: string;
  counts: (passed: number, failed: number) => string;
  iteration: (iteration: number) => string;
  filesChanged: (files: number, insertions: number, deletions: number) => string;
  rounds: (rounds: number) => string;
  coderAttempts: (attempts: number) => string;
  earlierLinesCut: (lines: number) => string;
  laterLinesCut: (lines: number) => string;
  /** The PR body's link back to the chat thread. */
  threadLink: string;
  /** The deterministic summary paragraph used when the Documenter model cannot write one. */
  fallback: (facts: { request: string; repo: string; status: ReportStatus; changes: string; tests: string; problem?: string }) => string;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

const en: ReportLabels = {
  heading: 'Facts',
  branch: 'Branch',
  commit: 'Commit',
  status: 'Status',
  changes: 'Changes',
  tests: 'Tests',
  review: 'Review',
  tester: 'Tester',
  attempts: 'Attempts',
  diffStat: 'Diff stat',
  usage: 'Tokens and time',
  persona: 'Persona',
  calls: 'Calls',
  promptTokens: 'Prompt tokens',
  outputTokens: 'Output tokens',
  time: 'Time',
  loading: 'Loading',
  total: 'Total',
  timeSpent: (wall, models, loading, tests) => `${wall} in all: models ${models} (loading ${loading}), tests ${tests}`,
  frontierCoder: (model, origin) => `the Coder ran on ${model} at ${origin} (escalated); every other persona ran locally`,
  whatFailed: 'What failed',
  lastOutput: 'Last test output',
  uncovered: 'uncovered',
  statusText: { passed: '✅ passed', stuck: '⚠️ stuck', failed: '❌ failed' },
  testsNotRun: 'not run',
  testsPassed: 'passed',
  testsFailed: 'failed',
  timedOut: 'timed out',
  approved: 'approved',
  notApproved: 'not approved',
  stuckWithoutError: 'The agents reached their iteration bound before the change was done.',
  failedWithoutError: 'The task stopped before it finished.',
  modelUnavailable: '_The Documenter model was unavailable, so this summary was written from the facts below._',
  counts: (passed, failed) => `${passed} passed, ${failed} failed`,
  iteration: (iteration) => `iteration ${iteration}`,
  filesChanged: (files, insertions, deletions) => `${plural(files, 'file', 'files')} changed, +${insertions} −${deletions}`,
  rounds: (rounds) => plural(rounds, 'review round', 'review rounds'),
  coderAttempts: (attempts) => plural(attempts, 'coder attempt', 'coder attempts'),
  earlierLinesCut: (lines) => `[… ${plural(lines, 'earlier line', 'earlier lines')} cut …]`,
  laterLinesCut: (lines) => `[… ${plural(lines, 'more line', 'more lines')} …]`,
  threadLink: 'The Slack thread for this task',
  fallback: ({ request, repo, status, changes, tests, problem }) => {
    if (status === 'passed') return `tandem made the change requested in ${repo}: “${request}”. ${changes}; tests: ${tests}.`;
    const why = problem ?? (status === 'stuck' ? 'the agents reached their iteration bound' : 'the task stopped on an error');
    return `tandem could not finish “${request}” in ${repo}: ${why}. The branch holds the work so far (${changes}); tests: ${tests}.`;
  },
};

const ko: ReportLabels = {
  heading: '세부 정보',
  branch: '브랜치',
  commit: '커밋',
  status: '상태',
  changes: '변경',
  tests: '테스트',
  review: '리뷰',
  tester: '테스터',
  attempts: '시도',
  diffStat: '변경 통계',
  usage: '토큰과 시간',
  persona: '페르소나',
  calls: '호출',
  promptTokens: '프롬프트 토큰',
  outputTokens: '출력 토큰',
  time: '시간',
  loading: '로딩',
  total: '합계',
  timeSpent: (wall, models, loading, tests) => `전체 ${wall}: 모델 ${models} (로딩 ${loading}), 테스트 ${tests}`,
  frontierCoder: (model, origin) => `코더는 ${origin}의 ${model}에서 실행되었습니다 (에스컬레이션); 나머지 페르소나는 로컬에서 실행되었습니다`,
  whatFailed: '실패 원인',
  lastOutput: '마지막 테스트 출력',
  uncovered: '다루지 않은 시나리오',
  statusText: { passed: '✅ 통과', stuck: '⚠️ 막힘', failed: '❌ 실패' },
  testsNotRun: '실행되지 않음',
  testsPassed: '통과',
  testsFailed: '실패',
  timedOut: '시간 초과',
  approved: '승인됨',
  notApproved: '승인되지 않음',
  stuckWithoutError: '변경을 마치기 전에 반복 횟수 한도에 도달했습니다.',
  failedWithoutError: '작업이 끝나기 전에 중단되었습니다.',
  modelUnavailable: '_Documenter 모델을 사용할 수 없어 아래 세부 정보로 이 요약을 작성했습니다._',
  counts: (passed, failed) => `${passed}개 통과, ${failed}개 실패`,
  iteration: (iteration) => `${iteration}번째 반복`,
  filesChanged: (files, insertions, deletions) => `파일 ${files}개 변경, +${insertions} −${deletions}`,
  rounds: (rounds) => `리뷰 ${rounds}회`,
  coderAttempts: (attempts) => `코더 시도 ${attempts}회`,
  earlierLinesCut: (lines) => `[… 앞의 ${lines}줄 생략 …]`,
  laterLinesCut: (lines) => `[… 나머지 ${lines}줄 생략 …]`,
  threadLink: '이 작업의 Slack 스레드',
  fallback: ({ request, repo, status, changes, tests, problem }) => {
    if (status === 'passed') return `tandem이 ${repo}에서 요청한 변경을 마쳤습니다: “${request}”. ${changes}; 테스트: ${tests}.`;
    const why = problem ?? (status === 'stuck' ? '반복 횟수 한도에 도달했습니다' : '오류로 작업이 중단되었습니다');
    return `tandem이 ${repo}에서 “${request}” 작업을 마치지 못했습니다: ${why}. 지금까지의 작업은 브랜치에 있습니다 (${changes}); 테스트: ${tests}.`;
  },
};

export const reportLabels: Readonly<Record<'en' | 'ko', ReportLabels>> = { en, ko };
