import { STAFF, expect, loginAs, test } from './fixtures';

test('the renderer has no Node, only named loyalty functions, and a CSP that blocks inline script', async ({
  page,
  harness,
}) => {
  const response = await page.goto(harness.url);
  await loginAs(page, STAFF.carl);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await expect(page.getByTestId('search-input')).toBeVisible();
  // The run token is taken out of the address bar at once.
  expect(page.url()).not.toContain('token');
  const shape = await page.evaluate(() => {
    const api = (window as unknown as { loyalty: Record<string, Record<string, unknown>> }).loyalty;
    return {
      hasProcess: typeof (window as unknown as { process?: unknown }).process !== 'undefined',
      hasRequire: typeof (window as unknown as { require?: unknown }).require !== 'undefined',
      members: Object.keys(api.members ?? {}).sort(),
      allFunctions: Object.values(api).every((group) => Object.values(group).every((fn) => typeof fn === 'function')),
      frozen: Object.isFrozen(api),
    };
  });
  expect(shape).toEqual({
    hasProcess: false,
    hasRequire: false,
    members: [
      'enroll',
      'exportData',
      'find',
      'get',
      'nextCardNumber',
      'requestErasure',
      'revealContacts',
      'setConsent',
      'update',
    ],
    allFunctions: true,
    frozen: true,
  });

  const inlineRan = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true';
    document.body.appendChild(script);
    await new Promise((r) => setTimeout(r, 100));
    return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
  });
  expect(inlineRan).toBe(false);

  // A request without the run token is refused by the harness even from the page's own origin.
  const status = await page.evaluate(async () => {
    const res = await fetch('/__harness/ipc/members.find', { method: 'POST', body: JSON.stringify({ query: 'a' }) });
    return res.status;
  });
  expect(status).toBe(403);
});
