// Pure: the DM the admins get when a circuit breaker trips. Names and reasons are escaped (an
// action or target name reached here from the policy or an alert).
import { safeLine, safeText } from '../../blocks/escape.ts';
import { stepsWord } from './demotion.ts';
import type { BreakerName } from './rules.ts';

export interface TripNotice {
  action: string;
  environment: string;
  breaker: BreakerName;
  reason: string;
  /** Steps the action is demoted now in that environment (0 for a pause with no demotion). */
  level: number;
}

export function tripNoticeText(t: TripNotice): string {
  const action = safeLine(t.action, 64);
  const env = safeLine(t.environment, 64);
  const head = `:rotating_light: Circuit breaker \`${t.breaker}\` tripped for action *${action}* in *${env}*: ${safeText(t.reason, 1500)}`;
  if (t.breaker === 'hard_limit') {
    return `${head}\nThe action is *paused* everywhere (kill switch, by system:breaker). After checking why, resume it with \`/infra-agent resume action ${action} &lt;reason&gt;\`.`;
  }
  return `${head}\nIts autonomy in ${env} is now demoted ${stepsWord(t.level)} (auto → one → two → advisory). After checking why, lift it with \`/infra-agent restore ${action} ${env} &lt;reason&gt;\`.`;
}
