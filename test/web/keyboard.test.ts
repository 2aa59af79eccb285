// Keyboard and assistive-technology use of the web playground (#10), in Debian's Chromium: every
// control is reached with Tab and has an accessible name, focus is always visible, Tab leaves the
// editor (no keyboard trap), the symbol palette is one toolbar driven by the arrow keys, and a whole
// task (type, insert a symbol, choose variables) works with the keyboard alone.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Playground } from './support.ts';
import { CHROMIUM, openPage, startPlayground } from './support.ts';

const haveChromium = existsSync(CHROMIUM);

interface Focused {
  readonly id: string;
  readonly tag: string;
  readonly name: string;
  readonly visibleFocus: boolean;
}

/** The focused element: an id (or its role in the page), its accessible name, and whether focus is drawn. */
async function focused(page: Page): Promise<Focused> {
  // CodeMirror marks its wrapper focused (and so draws the ring) in its next update, not in the focus event.
  await page.waitForFunction(() => {
    const e = document.activeElement;
    return !e?.classList.contains('cm-content') || e.closest('.cm-editor')?.classList.contains('cm-focused') === true;
  });
  return page.evaluate(() => {
    const e = document.activeElement as HTMLElement;
    const labelled = e.getAttribute('aria-labelledby');
    const byFor = e.id ? document.querySelector(`label[for="${e.id}"]`)?.textContent : undefined;
    const name = (e.getAttribute('aria-label') ?? (labelled ? document.getElementById(labelled)?.textContent : undefined) ?? byFor ?? e.closest('label')?.textContent ?? e.textContent ?? '').trim();
    // CodeMirror draws the focus ring on its wrapper; everything else on the element itself.
    const ring = e.classList.contains('cm-content') ? (e.closest('.cm-editor') as HTMLElement) : e;
    const style = getComputedStyle(ring);
    const visibleFocus = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
    const id = e.id || (e.classList.contains('cm-content') ? 'editor' : e.closest('#palette') ? 'palette' : e.closest('#wrt') ? `wrt:${(e as HTMLInputElement).value}` : e.closest('.derivative') ? 'derivative-copy' : e.tagName.toLowerCase());
    return { id, tag: e.tagName.toLowerCase(), name, visibleFocus };
  });
}

async function tabThrough(page: Page, presses: number): Promise<Focused[]> {
  const seen: Focused[] = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    seen.push(await focused(page));
  }
  return seen;
}

if (haveChromium || process.env.CI) {
  describe('the playground with the keyboard', () => {
    let playground: Playground;
    beforeAll(async () => {
      playground = await startPlayground();
    }, 180_000);
    afterAll(async () => {
      await playground?.close();
    });

    async function open(): Promise<Page> {
      const { page, errors } = await openPage(playground, `#expr=${encodeURIComponent('‖Wx − x‖²')}&where=&wrt=x`);
      await page.waitForFunction(() => (window as unknown as { chainrulePanes?: number }).chainrulePanes !== undefined);
      expect(errors).toEqual([]);
      return page;
    }

    it('reaches every control with Tab, in reading order, each with a name and a visible focus ring', async () => {
      const page = await open();
      await page.locator('h1').click();
      const order = await tabThrough(page, 16);
      const ids = order.map((f) => f.id);
      // The input controls come first, in the order they stand on the page.
      expect(ids.slice(0, 9)).toEqual(['examples', 'palette', 'editor', 'where', 'wrt:W', 'wrt:x', 'layout', 'format', 'derivative-copy']);
      // The palette is one Tab stop, not twenty.
      expect(ids.filter((id) => id === 'palette')).toHaveLength(1);
      for (const f of order) {
        expect(f.name, `${f.id} has no accessible name`).not.toBe('');
        expect(f.visibleFocus, `${f.id} shows no focus`).toBe(true);
      }
      expect(order.find((f) => f.id === 'palette')?.name).toBe('insert ‖');
      expect(order.find((f) => f.id === 'derivative-copy')?.name).toMatch(/^Copy LaTeX of ∂f\/∂/);
      await page.close();
    });

    it('does the whole task without a mouse: type, insert a symbol from the palette, choose a variable', async () => {
      const page = await open();
      await page.locator('h1').click();
      await page.keyboard.press('Tab'); // examples
      await page.keyboard.press('Tab'); // palette
      await page.keyboard.press('Tab'); // editor
      expect((await focused(page)).id).toBe('editor');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('‖Ax − b‖');
      // Back to the palette (Shift+Tab leaves the editor), along it to ² with the arrow keys, Enter inserts it.
      await page.keyboard.press('Shift+Tab');
      expect((await focused(page)).id).toBe('palette');
      await page.keyboard.press('End');
      expect((await focused(page)).name).toBe('insert ε');
      await page.keyboard.press('Home');
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
      expect((await focused(page)).name).toBe('insert ²');
      await page.keyboard.press('Enter');
      // The symbol went into the editor at the cursor, and the editor has the focus back.
      expect((await focused(page)).id).toBe('editor');
      await expect.poll(() => page.locator('.cm-content').textContent()).toBe('‖Ax − b‖²');
      // The roving Tab stop stays on the symbol used last.
      await page.keyboard.press('Shift+Tab');
      expect((await focused(page)).name).toBe('insert ²');
      // Forward to the variables; Space chooses A as well as the first variable.
      await page.keyboard.press('Tab'); // editor
      await page.keyboard.press('Tab'); // where
      await page.keyboard.press('Tab'); // first variable
      const first = await focused(page);
      expect(first.id).toMatch(/^wrt:/);
      let box = first;
      while (box.id !== 'wrt:A') {
        await page.keyboard.press('Tab');
        box = await focused(page);
        expect(box.id).toMatch(/^wrt:/);
      }
      await page.keyboard.press('Space');
      await expect.poll(() => page.locator('#derivatives .derivative').evaluateAll((ds) => ds.map((d) => (d as HTMLElement).dataset.variable))).toContain('A');
      const unicode = await page.locator('#derivatives .derivative[data-variable="A"] .unicode').textContent();
      expect(unicode).toBe('2(Ax − b)xᵀ');
      await page.close();
    });
  });
} else {
  console.warn(`web keyboard tests SKIPPED: ${CHROMIUM} is missing (apt-get install chromium)`);
  describe.skip('the playground with the keyboard', () => it('needs chromium', () => undefined));
}
