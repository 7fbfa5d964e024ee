import { describe, expect, it } from 'vitest';
import { validateBlocks, validateMessageText } from '../../blocks/limits.ts';

const md = (text: string) => ({ type: 'mrkdwn', text });
const pt = (text: string) => ({ type: 'plain_text', text });
const x = (n: number) => 'x'.repeat(n);
const button = (extra: Record<string, unknown> = {}) => ({ type: 'button', action_id: 'a', text: pt('Go'), ...extra });
const confirm = (extra: Record<string, unknown> = {}) => ({ title: pt('T'), text: pt('Sure?'), confirm: pt('Yes'), deny: pt('No'), ...extra });

describe('validateBlocks', () => {
  it('accepts a valid message at every limit exactly', () => {
    const blocks = [
      { type: 'header', text: pt(x(150)) },
      { type: 'section', block_id: x(255), text: md(x(3000)) },
      { type: 'section', fields: Array.from({ length: 10 }, () => md(x(2000))) },
      { type: 'context', elements: Array.from({ length: 10 }, () => md('c')) },
      { type: 'actions', elements: Array.from({ length: 25 }, (_, i) => button({ action_id: `a${i}` })) },
      { type: 'actions', elements: [button({ text: pt(x(75)), value: x(2000), url: x(3000), confirm: confirm({ title: pt(x(100)), text: md(x(300)), confirm: pt(x(30)), deny: pt(x(30)) }) })] },
      ...Array.from({ length: 44 }, () => ({ type: 'divider' })),
    ];
    expect(blocks).toHaveLength(50);
    expect(validateBlocks(blocks)).toEqual([]);
  });

  it.each([
    ['blocks per message', Array.from({ length: 51 }, () => ({ type: 'divider' })), 'blocks: 51 blocks > 50'],
    ['section text', [{ type: 'divider' }, { type: 'divider' }, { type: 'divider' }, { type: 'section', text: md(x(3120)) }], 'blocks[3].text.text: 3120 chars > 3000'],
    ['block_id length', [{ type: 'divider', block_id: x(256) }], 'blocks[0].block_id: 256 chars > 255'],
    ['block_id unique', [{ type: 'divider', block_id: 'b' }, { type: 'divider', block_id: 'b' }], 'blocks[1].block_id: duplicate "b" (first at blocks[0].block_id)'],
    ['action_id length', [{ type: 'actions', elements: [button({ action_id: x(256) })] }], 'blocks[0].elements[0].action_id: 256 chars > 255'],
    ['action_id unique in block', [{ type: 'actions', elements: [button(), button()] }], 'blocks[0].elements[1].action_id: duplicate "a" (first at blocks[0].elements[0].action_id)'],
    ['fields count', [{ type: 'section', fields: Array.from({ length: 11 }, () => md('f')) }], 'blocks[0].fields: 11 items > 10'],
    ['field text', [{ type: 'section', fields: [md(x(2001))] }], 'blocks[0].fields[0].text: 2001 chars > 2000'],
    ['header length', [{ type: 'header', text: pt(x(151)) }], 'blocks[0].text.text: 151 chars > 150'],
    ['header plain_text', [{ type: 'header', text: md('h') }], 'blocks[0].text.type: must be plain_text'],
    ['context elements', [{ type: 'context', elements: Array.from({ length: 11 }, () => md('c')) }], 'blocks[0].elements: 11 elements > 10'],
    ['context text', [{ type: 'context', elements: [md(x(3001))] }], 'blocks[0].elements[0].text: 3001 chars > 3000'],
    ['actions elements', [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })) }], 'blocks[0].elements: 26 elements > 25'],
    ['button text', [{ type: 'actions', elements: [button({ text: pt(x(76)) })] }], 'blocks[0].elements[0].text.text: 76 chars > 75'],
    ['button value', [{ type: 'actions', elements: [button({ value: x(2001) })] }], 'blocks[0].elements[0].value: 2001 chars > 2000'],
    ['button url', [{ type: 'actions', elements: [button({ url: x(3001) })] }], 'blocks[0].elements[0].url: 3001 chars > 3000'],
    ['button style', [{ type: 'actions', elements: [button({ style: 'green' })] }], 'blocks[0].elements[0].style: must be primary or danger'],
    ['confirm title', [{ type: 'actions', elements: [button({ confirm: confirm({ title: pt(x(101)) }) })] }], 'blocks[0].elements[0].confirm.title.text: 101 chars > 100'],
    ['confirm text', [{ type: 'actions', elements: [button({ confirm: confirm({ text: pt(x(301)) }) })] }], 'blocks[0].elements[0].confirm.text.text: 301 chars > 300'],
    ['confirm confirm', [{ type: 'actions', elements: [button({ confirm: confirm({ confirm: pt(x(31)) }) })] }], 'blocks[0].elements[0].confirm.confirm.text: 31 chars > 30'],
    ['confirm deny', [{ type: 'actions', elements: [button({ confirm: confirm({ deny: pt(x(31)) }) })] }], 'blocks[0].elements[0].confirm.deny.text: 31 chars > 30'],
    ['section accessory button', [{ type: 'section', text: md('s'), accessory: button({ text: pt(x(80)) }) }], 'blocks[0].accessory.text.text: 80 chars > 75'],
    ['unknown block type', [{ type: 'sektion', text: md('s') }], 'blocks[0].type: unknown block type "sektion"'],
    ['missing type', [{ text: md('s') }], 'blocks[0].type: required'],
    ['section without text or fields', [{ type: 'section' }], 'blocks[0]: section needs text or fields'],
    ['button without text', [{ type: 'actions', elements: [{ type: 'button', action_id: 'a' }] }], 'blocks[0].elements[0].text: required'],
    ['button without action_id', [{ type: 'actions', elements: [{ type: 'button', text: pt('Go') }] }], 'blocks[0].elements[0].action_id: required'],
    ['empty text', [{ type: 'section', text: md('') }], 'blocks[0].text.text: must not be empty'],
    ['bad text type', [{ type: 'section', text: { type: 'markdown', text: 'x' } }], 'blocks[0].text.type: must be plain_text or mrkdwn'],
    ['empty actions', [{ type: 'actions', elements: [] }], 'blocks[0].elements: required (non-empty array)'],
    ['image without alt_text', [{ type: 'image', image_url: 'https://x/y.png' }], 'blocks[0].alt_text: required'],
  ])('%s', (_name, blocks, message) => {
    expect(validateBlocks(blocks as unknown[])).toContain(message);
  });

  it('allows 100 blocks in a modal but not in a message', () => {
    const blocks = Array.from({ length: 100 }, () => ({ type: 'divider' }));
    expect(validateBlocks(blocks, { surface: 'modal' })).toEqual([]);
    expect(validateBlocks(blocks)).toEqual(['blocks: 100 blocks > 50']);
    expect(validateBlocks([...blocks, { type: 'divider' }], { surface: 'modal' })).toEqual(['blocks: 101 blocks > 100']);
  });

  it('reports every violation, not just the first', () => {
    const errors = validateBlocks([{ type: 'header', text: pt(x(200)) }, { type: 'section' }, 'nope']);
    expect(errors).toEqual([
      'blocks[0].text.text: 200 chars > 150',
      'blocks[1]: section needs text or fields',
      'blocks[2]: must be an object',
    ]);
  });

  it('rejects a non-array', () => {
    expect(validateBlocks('[]' as unknown as unknown[])).toEqual(['blocks: must be an array']);
  });
});

describe('validateMessageText', () => {
  it('keeps the fallback under 4000 chars', () => {
    expect(validateMessageText(x(3999))).toEqual([]);
    expect(validateMessageText(undefined)).toEqual([]);
    expect(validateMessageText(x(4000))).toEqual(['text: 4000 chars ≥ 4000']);
    expect(validateMessageText(42)).toEqual(['text: must be a string']);
  });
});
