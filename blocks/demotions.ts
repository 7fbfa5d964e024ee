// The circuit breakers' active demotions as mrkdwn lines, for `/infra-agent demotions` and status.
import { stepsWord } from '../src/breakers/demotion.ts';
import { safeLine, safeText, slackDate, truncate } from './escape.ts';

export interface DemotionLine {
  action: string;
  environment: string;
  level: number;
  reasons: readonly { at: Date; reason: string }[];
}

export function demotionLines(demotions: readonly DemotionLine[]): string[] {
  if (demotions.length === 0) return ['• :large_green_circle: no action is demoted; autonomy follows the policy'];
  return demotions.map((d) => {
    const last = d.reasons.at(-1);
    const why = d.reasons.map((r) => safeText(r.reason, 400)).join('; ');
    return `• :small_red_triangle_down: *${safeLine(d.action, 64)}* in *${safeLine(d.environment, 64)}* demoted ${stepsWord(d.level)}${last ? ` (last ${slackDate(last.at)})` : ''} — ${why}`;
  });
}

export function demotionsText(demotions: readonly DemotionLine[]): string {
  const lines = ['*Circuit breaker demotions*', ...demotionLines(demotions)];
  if (demotions.length > 0) lines.push('An admin lifts one with `/infra-agent restore &lt;action&gt; &lt;env&gt; &lt;reason&gt;`.');
  // Slack truncates long messages; a list this long is a problem of its own.
  return truncate(lines.join('\n'), 3900);
}
