// Slack's documented Block Kit limits (see reference/NOTES.md). Slack answers `invalid_blocks`
// past them and the card is simply not posted, so builders are tested against this and the fake
// Slack server enforces it on every call.

export const LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  id: 255,
  text: 3000,
  fields: 10,
  fieldText: 2000,
  header: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  altText: 2000,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  inputValue: 3000,
  markdownBlock: 12000,
  messageText: 4000,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
} as const;

// Every `type` in @slack/types' KnownBlock union; anything else is a typo or an unsupported block.
const KNOWN_BLOCKS = new Set([
  'actions', 'alert', 'card', 'carousel', 'container', 'context', 'context_actions', 'data_table',
  'divider', 'file', 'header', 'image', 'input', 'markdown', 'rich_text', 'section', 'table',
  'task_card', 'plan', 'video',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every limit violation in `blocks`, each naming its path, e.g. `blocks[3].text.text: 3120 chars > 3000`. */
export function validateBlocks(blocks: unknown[], opts: { surface?: 'message' | 'modal' } = {}): string[] {
  if (!Array.isArray(blocks)) return ['blocks: must be an array'];
  const errors: string[] = [];
  const max = opts.surface === 'modal' ? LIMITS.modalBlocks : LIMITS.messageBlocks;
  if (blocks.length > max) errors.push(`blocks: ${blocks.length} blocks > ${max}`);
  const blockIds = new Map<string, string>();
  blocks.forEach((block, i) => checkBlock(block, `blocks[${i}]`, errors, blockIds));
  return errors;
}

/**
 * Every limit violation in a modal (or Home tab) view, paths starting at `view`, e.g.
 * `view.title.text: 30 chars > 24`. Slack answers `invalid_arguments` past these and no modal opens.
 */
export function validateView(view: unknown): string[] {
  if (!isObj(view)) return ['view: must be an object'];
  const errors: string[] = [];
  const type = view['type'];
  if (type !== 'modal' && type !== 'home') errors.push('view.type: must be modal or home');
  if (type === 'modal') {
    if (view['title'] === undefined) errors.push('view.title: required');
    else checkText(view['title'], 'view.title', LIMITS.modalTitle, errors, true);
  }
  for (const key of ['submit', 'close'] as const) {
    if (view[key] !== undefined) checkText(view[key], `view.${key}`, LIMITS.modalButton, errors, true);
  }
  const blocks = view['blocks'];
  if (!Array.isArray(blocks)) errors.push('view.blocks: must be an array');
  else {
    errors.push(...validateBlocks(blocks, { surface: 'modal' }).map((e) => `view.${e}`));
    // Slack refuses a modal whose inputs could never be submitted.
    const hasInput = blocks.some((b) => isObj(b) && b['type'] === 'input');
    if (type === 'modal' && hasInput && view['submit'] === undefined) errors.push('view.submit: required when the view has input blocks');
  }
  if (view['private_metadata'] !== undefined) checkString(view['private_metadata'], 'view.private_metadata', LIMITS.privateMetadata, errors);
  for (const key of ['callback_id', 'external_id'] as const) {
    if (view[key] !== undefined) checkString(view[key], `view.${key}`, LIMITS.callbackId, errors);
  }
  return errors;
}

/** Message `text` (the notification fallback): Slack truncates long text, so keep it under 4000. */
export function validateMessageText(text: unknown): string[] {
  if (text === undefined || text === null) return [];
  if (typeof text !== 'string') return ['text: must be a string'];
  return text.length >= LIMITS.messageText ? [`text: ${text.length} chars ≥ ${LIMITS.messageText}`] : [];
}

function checkBlock(block: unknown, p: string, errors: string[], blockIds: Map<string, string>): void {
  if (!isObj(block)) return void errors.push(`${p}: must be an object`);
  const type = block['type'];
  if (typeof type !== 'string') return void errors.push(`${p}.type: required`);
  if (!KNOWN_BLOCKS.has(type)) errors.push(`${p}.type: unknown block type "${type}"`);
  checkId(block['block_id'], `${p}.block_id`, errors, blockIds);

  switch (type) {
    case 'section': {
      const { text, fields, accessory } = block;
      if (text === undefined && fields === undefined) errors.push(`${p}: section needs text or fields`);
      if (text !== undefined) checkText(text, `${p}.text`, LIMITS.text, errors);
      if (fields !== undefined) {
        if (!Array.isArray(fields)) errors.push(`${p}.fields: must be an array`);
        else {
          if (fields.length > LIMITS.fields) errors.push(`${p}.fields: ${fields.length} items > ${LIMITS.fields}`);
          fields.forEach((f, i) => checkText(f, `${p}.fields[${i}]`, LIMITS.fieldText, errors));
        }
      }
      if (accessory !== undefined) checkElement(accessory, `${p}.accessory`, errors, new Map());
      return;
    }
    case 'header':
      if (block['text'] === undefined) return void errors.push(`${p}.text: required`);
      return checkText(block['text'], `${p}.text`, LIMITS.header, errors, true);
    case 'context': {
      const elements = checkList(block['elements'], `${p}.elements`, LIMITS.contextElements, errors);
      elements.forEach((el, i) => {
        const ep = `${p}.elements[${i}]`;
        if (isObj(el) && el['type'] === 'image') checkImage(el, ep, errors);
        else checkText(el, ep, LIMITS.text, errors);
      });
      return;
    }
    case 'actions': {
      const elements = checkList(block['elements'], `${p}.elements`, LIMITS.actionsElements, errors);
      const actionIds = new Map<string, string>();
      elements.forEach((el, i) => checkElement(el, `${p}.elements[${i}]`, errors, actionIds));
      return;
    }
    case 'image':
      return checkImage(block, p, errors);
    case 'input':
      if (block['label'] === undefined) errors.push(`${p}.label: required`);
      else checkText(block['label'], `${p}.label`, LIMITS.inputLabel, errors, true);
      if (block['hint'] !== undefined) checkText(block['hint'], `${p}.hint`, LIMITS.inputHint, errors, true);
      if (block['element'] === undefined) errors.push(`${p}.element: required`);
      else checkElement(block['element'], `${p}.element`, errors, new Map());
      return;
    case 'markdown':
      return checkString(block['text'], `${p}.text`, LIMITS.markdownBlock, errors);
    default:
      return; // divider and the rarer blocks: only type and block_id are checked.
  }
}

function checkList(list: unknown, p: string, max: number, errors: string[]): unknown[] {
  if (!Array.isArray(list) || list.length === 0) {
    errors.push(`${p}: required (non-empty array)`);
    return [];
  }
  if (list.length > max) errors.push(`${p}: ${list.length} elements > ${max}`);
  return list;
}

/** block_id / action_id: ≤ 255 chars and unique in their scope (message / block). */
function checkId(id: unknown, p: string, errors: string[], seen: Map<string, string>): void {
  if (id === undefined) return;
  if (typeof id !== 'string' || id.length === 0) return void errors.push(`${p}: must be a non-empty string`);
  if (id.length > LIMITS.id) errors.push(`${p}: ${id.length} chars > ${LIMITS.id}`);
  const first = seen.get(id);
  if (first !== undefined) errors.push(`${p}: duplicate "${truncId(id)}" (first at ${first})`);
  else seen.set(id, p);
}

const truncId = (id: string): string => (id.length > 40 ? `${id.slice(0, 40)}…` : id);

function checkString(v: unknown, p: string, max: number, errors: string[]): void {
  if (typeof v !== 'string') return void errors.push(`${p}: required`);
  if (v.length > max) errors.push(`${p}: ${v.length} chars > ${max}`);
}

function checkText(v: unknown, p: string, max: number, errors: string[], plainOnly = false): void {
  if (!isObj(v)) return void errors.push(`${p}: must be a text object`);
  const type = v['type'];
  if (plainOnly && type !== 'plain_text') errors.push(`${p}.type: must be plain_text`);
  else if (type !== 'plain_text' && type !== 'mrkdwn') errors.push(`${p}.type: must be plain_text or mrkdwn`);
  const text = v['text'];
  if (typeof text !== 'string') return void errors.push(`${p}.text: required`);
  if (text.length === 0) errors.push(`${p}.text: must not be empty`);
  if (text.length > max) errors.push(`${p}.text: ${text.length} chars > ${max}`);
}

function checkImage(el: Obj, p: string, errors: string[]): void {
  if (el['image_url'] === undefined && el['slack_file'] === undefined) errors.push(`${p}.image_url: required`);
  if (el['image_url'] !== undefined) checkString(el['image_url'], `${p}.image_url`, LIMITS.buttonUrl, errors);
  checkString(el['alt_text'], `${p}.alt_text`, LIMITS.altText, errors);
}

function checkElement(el: unknown, p: string, errors: string[], actionIds: Map<string, string>): void {
  if (!isObj(el)) return void errors.push(`${p}: must be an object`);
  if (typeof el['type'] !== 'string') errors.push(`${p}.type: required`);
  checkId(el['action_id'], `${p}.action_id`, errors, actionIds);
  if (el['type'] === 'button') {
    if (el['text'] === undefined) errors.push(`${p}.text: required`);
    else checkText(el['text'], `${p}.text`, LIMITS.buttonText, errors, true);
    if (el['action_id'] === undefined) errors.push(`${p}.action_id: required`);
    if (el['value'] !== undefined) checkString(el['value'], `${p}.value`, LIMITS.buttonValue, errors);
    if (el['url'] !== undefined) checkString(el['url'], `${p}.url`, LIMITS.buttonUrl, errors);
    const style = el['style'];
    if (style !== undefined && style !== 'primary' && style !== 'danger') {
      errors.push(`${p}.style: must be primary or danger`);
    }
  }
  if (el['placeholder'] !== undefined) checkText(el['placeholder'], `${p}.placeholder`, LIMITS.placeholder, errors, true);
  if (el['type'] === 'plain_text_input') checkTextInput(el, p, errors);
  if (el['confirm'] !== undefined) checkConfirm(el['confirm'], `${p}.confirm`, errors);
}

// min_length is documented up to 3000; max_length has no documented ceiling.
function checkTextInput(el: Obj, p: string, errors: string[]): void {
  const { min_length: min, max_length: max, initial_value: initial } = el;
  for (const [key, n] of [['min_length', min], ['max_length', max]] as const) {
    if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < 0)) errors.push(`${p}.${key}: must be a non-negative integer`);
  }
  if (typeof min === 'number' && min > LIMITS.inputValue) errors.push(`${p}.min_length: ${min} > ${LIMITS.inputValue}`);
  if (typeof min === 'number' && typeof max === 'number' && min > max) errors.push(`${p}.min_length: ${min} > max_length ${max}`);
  if (initial !== undefined) checkString(initial, `${p}.initial_value`, typeof max === 'number' ? max : LIMITS.inputValue, errors);
}

function checkConfirm(c: unknown, p: string, errors: string[]): void {
  if (!isObj(c)) return void errors.push(`${p}: must be an object`);
  const parts = [
    ['title', LIMITS.confirmTitle, true],
    ['text', LIMITS.confirmText, false],
    ['confirm', LIMITS.confirmButton, true],
    ['deny', LIMITS.confirmButton, true],
  ] as const;
  for (const [key, max, plainOnly] of parts) {
    if (c[key] === undefined) errors.push(`${p}.${key}: required`);
    else checkText(c[key], `${p}.${key}`, max, errors, plainOnly);
  }
}
