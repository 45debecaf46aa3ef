import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { ApiProblem } from '../api/problem';
import { describeWait, formatTime } from './format';

/**
 * A refusal as the server explained it: its `detail` as written; for a time gate, also when the
 * action becomes possible (the server's time, plus how long from now by the server's count).
 */
export function ProblemBar({ problem }: { problem: ApiProblem | undefined }) {
  if (!problem) return null;
  return (
    <MessageBar intent="error" layout="multiline" data-problem-code={problem.code}>
      <MessageBarBody>
        <MessageBarTitle>{problem.title}</MessageBarTitle>
        {problem.detail}
        {problem.retryAfter && (
          <div data-testid="retry-after">
            This becomes possible on {formatTime(problem.retryAfter)}
            {problem.retryAfterSeconds !== undefined ? ` (in ${describeWait(problem.retryAfterSeconds)})` : ''}.
          </div>
        )}
      </MessageBarBody>
    </MessageBar>
  );
}
