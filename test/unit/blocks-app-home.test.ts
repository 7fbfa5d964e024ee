import { describe, expect, it } from 'vitest';
import { ageText, appHomeView, WAITING_SHOWN, type AppHomeInput, type WaitingItem } from '../../blocks/app-home.ts';
import { LIMITS, validateView } from '../../blocks/limits.ts';
import { statusText, type StatusInput } from '../../blocks/status.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const minutesAgo = (m: number): Date => new Date(NOW.getTime() - m * 60_000);

const status = (over: Partial<StatusInput> = {}): StatusInput => ({
  pauses: [],
  policy: { files: 5, environments: ['dev', 'staging', 'prod'], actions: ['scale-asg'], hash: 'abcdef0123456789' },
  openProposals: { items: [], total: 0 },
  freezes: [],
  demotions: [],
  ...over,
});

const item = (i: number, over: Partial<WaitingItem> = {}): WaitingItem => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  action: 'scale-asg', target: `web-${i}`, environment: 'prod', requirement: 'one',
  createdAt: minutesAgo(12), expiresAt: null, approvals: 0, needed: 1,
  permalink: `https://acme.slack.com/archives/C0PROD0001/p170000000000${i}`, linkIsDm: false,
  ...over,
});

const input = (over: Partial<AppHomeInput> = {}): AppHomeInput => ({
  viewer: 'U0AAA0001', now: NOW, status: status(), waiting: { items: [], total: 0, blocked: 0 }, ...over,
});

type Block = { type: string; block_id?: string; text?: { text: string }; elements?: { text: string }[] };
const blocksOf = (i: AppHomeInput): Block[] => {
  const view = appHomeView(i);
  expect(view.type).toBe('home');
  expect(validateView(view)).toEqual([]);
  return view.blocks as Block[];
};
const textOf = (blocks: Block[], prefix: string): string =>
  blocks.filter((b) => b.block_id?.startsWith(prefix)).map((b) => b.text?.text ?? (b.elements ?? []).map((e) => e.text).join('\n')).join('\n');

describe('appHomeView', () => {
  it('lists what waits for the viewer with action, target, environment, requirement, age and card link', () => {
    const two = item(2, { requirement: 'two', approvals: 1, needed: 2, linkIsDm: true, permalink: 'https://acme.slack.com/archives/D0AAA0001/p1700000000000200', createdAt: minutesAgo(125), expiresAt: new Date('2026-11-20T12:30:00Z') });
    const blocks = blocksOf(input({ waiting: { items: [item(1), two], total: 2, blocked: 0 } }));
    const waiting = textOf(blocks, 'home.waiting');
    expect(waiting).toContain('*Waiting for you (2)*');
    expect(waiting).toContain('• `scale-asg` on `web-1` (prod) — needs *one* · waiting 12 min · <https://acme.slack.com/archives/C0PROD0001/p1700000000001|card (acme.slack.com)>');
    expect(waiting).toContain('id `00000000-0000-4000-8000-000000000001`');
    expect(waiting).toContain(`• \`scale-asg\` on \`web-2\` (prod) — needs *two* (1 of 2 approvals so far) · waiting 2 h 5 min · expires <!date^${Date.parse('2026-11-20T12:30:00Z') / 1000}^`);
    expect(waiting).toContain('|your approval card (acme.slack.com)>');
    expect(textOf(blocks, 'home.updated')).toContain('For <@U0AAA0001>');
  });

  it('says so when nothing waits, and notes proposals nobody may approve right now', () => {
    const blocks = blocksOf(input({ waiting: { items: [], total: 0, blocked: 3 } }));
    const waiting = textOf(blocks, 'home.waiting');
    expect(waiting).toContain('*Waiting for you (0)*\n• :white_check_mark: nothing is waiting for your approval');
    expect(waiting).toContain('3 pending proposal(s) cannot be approved by anyone right now');
    expect(textOf(blocksOf(input()), 'home.waiting')).not.toContain('cannot be approved');
  });

  it(`shows at most ${WAITING_SHOWN} and counts the rest`, () => {
    const items = Array.from({ length: 20 }, (_, i) => item(i + 1));
    const waiting = textOf(blocksOf(input({ waiting: { items, total: 20, blocked: 0 } })), 'home.waiting');
    expect(waiting).toContain('`web-15`');
    expect(waiting).not.toContain('`web-16`');
    expect(waiting).toContain('• … and 5 more');
    // The data layer hands over only the shown ones; the total still counts them all.
    const fewer = textOf(blocksOf(input({ waiting: { items: items.slice(0, WAITING_SHOWN), total: 42, blocked: 0, scanLimited: true } })), 'home.waiting');
    expect(fewer).toContain('*Waiting for you (42)*');
    expect(fewer).toContain('• … and 27 more');
    expect(fewer).toContain('Only the oldest pending proposals were checked');
  });

  it('shows the status exactly as `/infra-agent status` renders it', () => {
    const s = status({
      pauses: [{ scope: 'environment', name: 'prod', by: 'slack:U0CCC0003', at: minutesAgo(5), reason: 'db maintenance' }],
      openProposals: { items: [{ id: 'p-1', action: 'scale-asg', target: 'web-1', environment: 'prod', state: 'pending', requirement: 'one', createdAt: minutesAgo(3) }], total: 1 },
    });
    const shown = textOf(blocksOf(input({ status: s })), 'home.status');
    for (const line of statusText(s).split('\n')) expect(shown).toContain(line);
    expect(shown).toContain('environment *prod* paused by <@U0CCC0003>');
  });

  it('escapes untrusted text: no mentions, links or broken code spans from stored strings', () => {
    const hostile = item(1, {
      action: 'scale`asg <!channel>', target: 'web <https://evil.example|click> <@U0EVIL>', environment: 'prod <!here>',
      requirement: '<!everyone>', id: '`<!subteam^S0X>`', permalink: 'javascript:alert(1)',
    });
    const blocks = blocksOf(input({ viewer: '<!channel>', waiting: { items: [hostile], total: 1, blocked: 0 } }));
    const all = JSON.stringify(blocks);
    for (const bad of ['<!channel>', '<!here>', '<!everyone>', '<https://evil', '<@U0EVIL>', '<!subteam', 'javascript:']) expect(all).not.toContain(bad);
    const waiting = textOf(blocks, 'home.waiting');
    expect(waiting).toContain('`scaleʹasg &lt;!channel&gt;`');
    expect(waiting).toContain('_no card link_');
    expect(textOf(blocks, 'home.updated')).toContain('For &lt;!channel&gt;');
  });

  it('stays within Block Kit limits however much there is', () => {
    const long = 'x'.repeat(5000);
    const items = Array.from({ length: 60 }, (_, i) => item(i, { target: `${long}-${i}`, action: long, environment: long }));
    const pauses = Array.from({ length: 80 }, (_, i) => ({ scope: 'action' as const, name: `${long}${i}`, by: 'slack:U0CCC0003', at: NOW, reason: long }));
    const openItems = Array.from({ length: 10 }, (_, i) => ({ id: long, action: long, target: long, environment: long, state: long, requirement: long, createdAt: NOW }));
    const blocks = blocksOf(input({
      status: status({ pauses, openProposals: { items: openItems, total: 500 }, policy: { files: 3, environments: Array(200).fill(long), actions: Array(200).fill(long), hash: 'h' } }),
      waiting: { items, total: 60, blocked: 7, scanLimited: true },
    }));
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.modalBlocks);
    for (const b of blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.text);
    expect(textOf(blocks, 'home.waiting')).toMatch(/• … and \d+ more/);
  });
});

describe('ageText', () => {
  it('reads like a person would say it', () => {
    expect(ageText(-5)).toBe('0 min');
    expect(ageText(59 * 60_000)).toBe('59 min');
    expect(ageText(60 * 60_000)).toBe('1 h');
    expect(ageText(125 * 60_000)).toBe('2 h 5 min');
    expect(ageText(2 * 86_400_000)).toBe('2 d');
    expect(ageText(2 * 86_400_000 + 3 * 3_600_000)).toBe('2 d 3 h');
  });
});
