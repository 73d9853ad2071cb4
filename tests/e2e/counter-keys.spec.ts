import type { CDPSession, Page } from '@playwright/test';
import { STAFF, expect, openMemberAs, test } from './fixtures';

/**
 * Keyboard-first counter: a function key and the keys after it arrive back to back, as from a
 * scanner programmed with a prefix key or a cashier typing ahead. The keys go to the field the
 * function key opens, not to the old focus. The burst is queued in Chromium's input queue at once
 * (CDP Input.dispatchKeyEvent, not awaited one by one), so nothing of the page runs between the
 * keys but their own handlers.
 */

/** Amelia Clarke in resources/demo/members.json. */
const AMELIA = '6004990000032';

const CODES: Record<string, { code: string; vk: number }> = {
  F2: { code: 'F2', vk: 113 },
  F6: { code: 'F6', vk: 117 },
  F8: { code: 'F8', vk: 119 },
};

function keyEvents(key: string): Parameters<CDPSession['send']>[1][] {
  const fn = CODES[key];
  if (fn) {
    return [
      { type: 'rawKeyDown', key, code: fn.code, windowsVirtualKeyCode: fn.vk },
      { type: 'keyUp', key, code: fn.code, windowsVirtualKeyCode: fn.vk },
    ];
  }
  const vk = key === '+' ? 187 : key.charCodeAt(0);
  return [
    { type: 'keyDown', key, text: key, unmodifiedText: key, windowsVirtualKeyCode: vk },
    { type: 'keyUp', key, windowsVirtualKeyCode: vk },
  ];
}

/** Every key's events sent without waiting for the page between them. */
async function burst(page: Page, keys: string[]): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await Promise.all(keys.flatMap(keyEvents).map((event) => cdp.send('Input.dispatchKeyEvent', event as never)));
  } finally {
    await cdp.detach();
  }
}

test('keys typed at once after F6, F8 and F2 land in the field each one opens', async ({ page, demoTill }) => {
  const member = await openMemberAs(page, demoTill.url, STAFF.carl, AMELIA);
  await expect(member.getByTestId('member-name')).toHaveText('Amelia Clarke');

  await burst(page, ['F6', '2', '0']);
  await expect(page.getByTestId('earn-amount')).toHaveValue('20');

  await burst(page, ['F8', '+', '5', '0']);
  await expect(page.getByTestId('adjust-points')).toHaveValue('+50');

  await burst(page, ['F2', ...AMELIA.slice(0, 6)]);
  await expect(page.getByTestId('search-input')).toHaveValue(AMELIA.slice(0, 6));
});
