import type { InputBlock, PlainTextInput } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { validateView } from '../../blocks/limits.ts';
import {
  APPROVE_CONFIRM_CALLBACK_ID, approveConfirmModal, CONFIRM_TARGET_BLOCK_ID, confirmsTarget, MODAL_INPUT_ACTION_ID,
  ModalMetadata, parseModalMetadata, REJECT_REASON_BLOCK_ID, REJECT_REASON_CALLBACK_ID, rejectReasonModal, submittedText,
} from '../../blocks/modals.ts';

const meta = { proposalId: 'prop_123', channelId: 'D0AAA', shownTs: '1700000000.000100' };
const approve = (over: Partial<Parameters<typeof approveConfirmModal>[0]> = {}) =>
  approveConfirmModal({ ...meta, action: 'scale-asg', target: 'web-asg', environment: 'prod', ...over });
const inputBlock = (blocks: unknown[], id: string) => blocks.find((b) => (b as InputBlock).block_id === id) as InputBlock;

describe('approveConfirmModal', () => {
  it('asks for the target by name and carries the proposal back', () => {
    const view = approve();
    expect(validateView(view)).toEqual([]);
    expect(view).toMatchObject({
      type: 'modal', callback_id: APPROVE_CONFIRM_CALLBACK_ID,
      title: { type: 'plain_text', text: 'Approve change' }, submit: { text: 'Approve' }, close: { text: 'Cancel' },
    });
    expect(JSON.parse(view.private_metadata!)).toEqual(meta);
    expect(JSON.stringify(view.blocks[0])).toContain('You are approving `scale-asg` on *web-asg* in *prod*.');
    const input = inputBlock(view.blocks, CONFIRM_TARGET_BLOCK_ID);
    expect(input).toMatchObject({
      type: 'input', block_id: 'confirm_target', label: { text: "Type the target's name to approve" },
      hint: { text: 'Type exactly: web-asg' }, element: { type: 'plain_text_input', action_id: 'value' },
    });
    expect(input.optional).toBeUndefined();
  });

  it('escapes hostile names everywhere they are shown and stays within limits', () => {
    const evil = '<!channel> <https://evil|click> <@U0ADMIN> &';
    const view = approve({ action: evil, target: evil, environment: evil });
    expect(validateView(view)).toEqual([]);
    const s = JSON.stringify(view.blocks);
    expect(s).not.toMatch(/<!channel>|<https:\/\/evil|<@U0ADMIN>/);
    expect(s).toContain('&lt;!channel&gt;');
    const huge = approve({ action: 'a'.repeat(5000), target: 't'.repeat(5000), environment: 'e'.repeat(5000) });
    expect(validateView(huge)).toEqual([]);
  });

  it('refuses metadata that is not ids (it must fit private_metadata)', () => {
    expect(() => approve({ proposalId: 'p'.repeat(201) })).toThrow();
    expect(() => approve({ proposalId: '' })).toThrow();
    expect(() => approve({ channelId: 'C'.repeat(51) })).toThrow();
    // A click payload without a channel or message still opens the dialog.
    expect(parseModalMetadata(approve({ channelId: '', shownTs: '' }).private_metadata)).toEqual({ ...meta, channelId: '', shownTs: '' });
  });
});

describe('rejectReasonModal', () => {
  it('offers an optional, bounded, multi-line reason', () => {
    const view = rejectReasonModal(meta);
    expect(validateView(view)).toEqual([]);
    expect(view).toMatchObject({ type: 'modal', callback_id: REJECT_REASON_CALLBACK_ID, submit: { text: 'Reject' }, close: { text: 'Cancel' } });
    expect(parseModalMetadata(view.private_metadata)).toEqual(meta);
    const input = inputBlock(view.blocks, REJECT_REASON_BLOCK_ID);
    expect(input).toMatchObject({ block_id: 'reason', optional: true });
    expect(input.element as PlainTextInput).toMatchObject({ type: 'plain_text_input', action_id: MODAL_INPUT_ACTION_ID, multiline: true, max_length: 500 });
  });
});

describe('modal helpers', () => {
  it('parses private_metadata back, refusing anything else', () => {
    expect(ModalMetadata.parse(JSON.parse(JSON.stringify(meta)))).toEqual(meta);
    expect(parseModalMetadata(JSON.stringify({ ...meta, extra: 1 }))).toEqual(meta);
    for (const bad of [undefined, '', 'not json', '[]', JSON.stringify({ proposalId: 'p' }), JSON.stringify({ ...meta, shownTs: 5 })]) {
      expect(parseModalMetadata(bad)).toBeNull();
    }
  });

  it('confirmsTarget: exact name, surrounding whitespace forgiven', () => {
    expect(confirmsTarget('web-asg', 'web-asg')).toBe(true);
    expect(confirmsTarget('  web-asg\n', 'web-asg')).toBe(true);
    for (const typed of ['Web-asg', 'web', 'web-asg2', '', null, undefined]) expect(confirmsTarget(typed, 'web-asg')).toBe(false);
    expect(confirmsTarget('', '')).toBe(false);
  });

  it('submittedText reads state.values, treating blank as absent', () => {
    const values = { confirm_target: { value: { type: 'plain_text_input', value: 'web-asg' } }, reason: { value: { type: 'plain_text_input', value: '  ' } } };
    expect(submittedText(values, CONFIRM_TARGET_BLOCK_ID)).toBe('web-asg');
    expect(submittedText(values, REJECT_REASON_BLOCK_ID)).toBeNull();
    expect(submittedText(values, 'missing')).toBeNull();
    expect(submittedText(undefined, REJECT_REASON_BLOCK_ID)).toBeNull();
  });
});

describe('validateView', () => {
  const pt = (text: string) => ({ type: 'plain_text', text });
  const x = (n: number) => 'x'.repeat(n);
  const textInput = (extra: Record<string, unknown> = {}) => ({ type: 'input', label: pt('L'), element: { type: 'plain_text_input', action_id: 'v', ...extra } });
  const modal = (extra: Record<string, unknown> = {}) => ({ type: 'modal', title: pt('T'), submit: pt('OK'), blocks: [textInput()], ...extra });

  it('accepts a modal at every limit exactly', () => {
    const view = modal({
      title: pt(x(24)), submit: pt(x(24)), close: pt(x(24)), private_metadata: x(3000), callback_id: x(255),
      blocks: [
        { ...textInput({ placeholder: pt(x(150)), min_length: 3000, max_length: 3000 }), label: pt(x(2000)), hint: pt(x(2000)) },
        ...Array.from({ length: 99 }, () => ({ type: 'divider' })),
      ],
    });
    expect(validateView(view)).toEqual([]);
  });

  it.each([
    ['title', modal({ title: pt(x(25)) }), 'view.title.text: 25 chars > 24'],
    ['title required', modal({ title: undefined }), 'view.title: required'],
    ['title plain_text', modal({ title: { type: 'mrkdwn', text: 'T' } }), 'view.title.type: must be plain_text'],
    ['submit', modal({ submit: pt(x(25)) }), 'view.submit.text: 25 chars > 24'],
    ['close', modal({ close: pt(x(25)) }), 'view.close.text: 25 chars > 24'],
    ['submit with inputs', modal({ submit: undefined }), 'view.submit: required when the view has input blocks'],
    ['blocks', modal({ blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }), 'view.blocks: 101 blocks > 100'],
    ['private_metadata', modal({ private_metadata: x(3001) }), 'view.private_metadata: 3001 chars > 3000'],
    ['callback_id', modal({ callback_id: x(256) }), 'view.callback_id: 256 chars > 255'],
    ['label', modal({ blocks: [{ ...textInput(), label: pt(x(2001)) }] }), 'view.blocks[0].label.text: 2001 chars > 2000'],
    ['hint', modal({ blocks: [{ ...textInput(), hint: pt(x(2001)) }] }), 'view.blocks[0].hint.text: 2001 chars > 2000'],
    ['placeholder', modal({ blocks: [textInput({ placeholder: pt(x(151)) })] }), 'view.blocks[0].element.placeholder.text: 151 chars > 150'],
    ['min_length', modal({ blocks: [textInput({ min_length: 3001 })] }), 'view.blocks[0].element.min_length: 3001 > 3000'],
    ['min > max', modal({ blocks: [textInput({ min_length: 10, max_length: 5 })] }), 'view.blocks[0].element.min_length: 10 > max_length 5'],
    ['max_length type', modal({ blocks: [textInput({ max_length: -1 })] }), 'view.blocks[0].element.max_length: must be a non-negative integer'],
    ['type', modal({ type: 'dialog' }), 'view.type: must be modal or home'],
    ['blocks array', modal({ blocks: 'nope' }), 'view.blocks: must be an array'],
  ])('%s', (_name, view, message) => {
    expect(validateView(view)).toContain(message);
  });

  it('rejects a non-object', () => {
    expect(validateView('{}')).toEqual(['view: must be an object']);
  });
});
