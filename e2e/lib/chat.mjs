// Driving the Playground's chat like a person: type a message, press a
// button on a card, tick a box, pick a choice; and waiting for what the
// bot shows (texts, never sleeps).
//
// DOM facts (Playground 0.2.28, learnt from its page): every Adaptive Card
// is a div.ac-adaptiveCard (the adaptivecards renderer's class); card
// buttons are <button> with aria-label = title; Input.Toggle is a Fluent
// checkbox and Input.ChoiceSet (expanded) radio buttons or checkboxes,
// labelled by their titles; Input.Text is a textarea/input labelled by its
// label; the message box is a Lexical editor (contenteditable role=textbox).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { shotsDir } from './harness.mjs';

const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 15000);

/** Whitespace-collapsed text, for comparing page text with locale text. */
export const norm = (s) => s.replace(/\s+/g, ' ').trim();

/**
 * What the Playground shows when a card uses something it cannot render
 * (found in its client bundle, messages Message.Unsupported*,
 * Message.UnknownAttachment*, Message.UnknownActionLogError,
 * Message.InvalidMessage*): a warning line in the log panel and the same
 * text as a hint under the message.
 */
export const WARNINGS = [
  /is not supported yet/i, // "<feature> is not supported yet in Microsoft 365 Agents playground …"
  /is an unknown attachment type/i,
  /Unknown action type is clicked/i,
  /Invalid message/i,
  /Adaptive Card rendered as empty element/i,
];

/**
 * Warnings the suite expects: the reporting launcher's buttons open a
 * Teams dialog (task/fetch), which the Playground cannot open, so the
 * launcher carries this warning. It is the one the suite allows (and
 * checks that it appears where the launcher is shown).
 */
export const EXPECTED_WARNINGS = [/Task module \(task\/fetch\) is not supported yet/i];

export class Chat {
  constructor(page) {
    this.page = page;
    this.shotNo = 0;
    this.cards = page.locator('.ac-adaptiveCard');
  }

  /** Number of cards in the open conversation. */
  count() { return this.cards.count(); }

  /**
   * Waits for a card at index >= from whose text contains every one of
   * texts (whitespace-collapsed) and returns its locator. Cards that the
   * bot updates in place keep their index; new ones are appended.
   */
  async waitCard(from, texts, { timeout = TIMEOUT } = {}) {
    const want = texts.map(norm);
    let idx;
    try {
      // Returns index + 1 so that "not yet" is 0 (falsy) and keeps waiting.
      const h = await this.page.waitForFunction(([from, want]) => {
        const cards = [...document.querySelectorAll('.ac-adaptiveCard')];
        const n = (s) => s.replace(/\s+/g, ' ').trim();
        for (let i = cards.length - 1; i >= from; i--) {
          const t = n(cards[i].innerText);
          if (want.every((w) => t.includes(w))) return i + 1;
        }
        return 0;
      }, [from, want], { timeout, polling: 100 });
      idx = (await h.jsonValue()) - 1;
    } catch (err) {
      const last = await this.lastTexts(3);
      throw new Error(`no card (from #${from}) showing ${JSON.stringify(want)} within ${timeout} ms.\nLast cards:\n${last}`, { cause: err });
    }
    const card = this.cards.nth(idx);
    card.idx = idx; // its place in the conversation (kept when updated in place)
    await card.scrollIntoViewIfNeeded();
    return card;
  }

  /**
   * Waits until the card at index idx (updated in place) shows every one
   * of texts and none of gone; returns its text.
   */
  async waitCardAt(idx, texts, gone = [], { timeout = TIMEOUT } = {}) {
    const want = texts.map(norm);
    const not = gone.map(norm);
    try {
      await this.page.waitForFunction(([idx, want, not]) => {
        const card = document.querySelectorAll('.ac-adaptiveCard')[idx];
        const t = card ? card.innerText.replace(/\s+/g, ' ').trim() : '';
        return card && want.every((w) => t.includes(w)) && !not.some((w) => t.includes(w));
      }, [idx, want, not], { timeout, polling: 100 });
    } catch (err) {
      const t = norm(await this.cards.nth(idx).innerText().catch(() => '(none)'));
      throw new Error(`card #${idx} does not show ${JSON.stringify(want)} without ${JSON.stringify(not)} within ${timeout} ms; it shows: ${t.slice(0, 400)}`, { cause: err });
    }
    return norm(await this.cards.nth(idx).innerText());
  }

  async lastTexts(n) {
    const texts = await this.cards.evaluateAll((cs, n) => cs.slice(-n).map((c) => c.innerText), n);
    return texts.map((t, i) => `  [${i - texts.length}] ${norm(t).slice(0, 400)}`).join('\n');
  }

  /** Does an action and returns the first card it brings that shows texts. */
  async expect(action, texts) {
    const from = await this.count();
    await action();
    return this.waitCard(from, texts);
  }

  /** Types a message into the message box and sends it with Enter. */
  async send(text) {
    const box = this.page.getByRole('textbox').and(this.page.locator('[contenteditable="true"]'));
    await box.click();
    await this.page.keyboard.type(text);
    await this.page.keyboard.press('Enter');
    // The user's own message appears in the chat.
    await this.page.getByText(text, { exact: true }).last().waitFor({ timeout: TIMEOUT });
  }

  /**
   * In a Teams channel the bot hears only what @mentions it: types
   * "@<bot>" into the last reply box, picks the bot from the mention list,
   * then text, and sends.
   */
  async mention(bot, text) {
    const box = this.page.getByRole('textbox').and(this.page.locator('[contenteditable="true"]')).last();
    await box.click();
    await this.page.keyboard.type(`@${bot.slice(0, 3)}`);
    await this.page.getByRole('menuitem').filter({ hasText: bot }).first().click();
    await this.page.keyboard.type(` ${text}`);
    await this.page.keyboard.press('Enter');
  }

  /** Opens a conversation from the Playground's left pane ("Personal Chat", "General", …). */
  async open(name) {
    await this.page.getByRole('treeitem', { name, exact: true }).click();
  }

  /** send(text), then the card that answers it. */
  say(text, ...want) { return this.expect(() => this.send(text), want); }

  /** The button labelled label on card, or throws with the labels it has. */
  async button(card, label) {
    const b = card.getByRole('button', { name: label, exact: true });
    if (await b.count() !== 1) {
      const labels = await this.buttons(card);
      assert.fail(`card has ${await b.count()} buttons "${label}"; it has: ${JSON.stringify(labels)}`);
    }
    return b;
  }

  /** Presses the button label on card and returns the card that answers with want. */
  async press(card, label, ...want) {
    const b = await this.button(card, label);
    return this.expect(() => b.click(), want);
  }

  /** The titles of the card's buttons, in order. */
  buttons(card) {
    return card.locator('button').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label') || b.innerText.trim()));
  }

  /** The card's text, whitespace-collapsed. */
  async text(card) { return norm(await card.innerText()); }

  /** Asserts the card shows each of texts and has each of the buttons. */
  async assertCard(card, { texts = [], buttons = [] }) {
    const t = await this.text(card);
    for (const want of texts) assert.ok(t.includes(norm(want)), `card should show ${JSON.stringify(want)}; it shows: ${t.slice(0, 600)}`);
    const have = await this.buttons(card);
    for (const b of buttons) assert.ok(have.includes(b), `card should have button ${JSON.stringify(b)}; it has ${JSON.stringify(have)}`);
  }

  // Inputs by their labels. A checkbox is found by its aria-label (its
  // title): in a multi-select ChoiceSet the renderer's aria-labelledby
  // joins the set's label and the choice's title, so the accessible name is
  // not the title alone.
  checkbox(card, label) { return card.locator(`input[type="checkbox"][aria-label=${JSON.stringify(label)}]`); }
  radio(card, label) { return card.getByRole('radio', { name: label, exact: true }); }
  textbox(card, label) { return card.getByRole('textbox', { name: label, exact: true }); }

  /** Fills a card's text input (replacing what it held). */
  async fill(input, value) {
    // Typed key by key, as a person would: a single programmatic fill is
    // not always taken by the Playground's (React) text inputs – in a
    // channel post the card then submits without the value.
    for (let i = 0; i < 5; i++) {
      await input.click();
      await this.page.keyboard.press('ControlOrMeta+a');
      await this.page.keyboard.press('Delete');
      await this.page.keyboard.type(value);
      if (await input.inputValue() === value) return;
    }
    assert.fail(`the input would not keep ${JSON.stringify(value)}`);
  }

  /** Screenshot of the page to e2e/screenshots/NN-name.png; returns the path. */
  async shot(name) {
    this.shotNo += 1;
    const path = join(shotsDir, `${String(this.shotNo).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  /** Texts of the Playground's unsupported-feature warnings on the page. */
  async warnings() {
    const body = await this.page.locator('body').innerText();
    return body.split('\n').map((l) => l.trim()).filter((l) => WARNINGS.some((re) => re.test(l)) && !EXPECTED_WARNINGS.some((re) => re.test(l)));
  }

  /** Texts of the expected warnings (EXPECTED_WARNINGS) on the page. */
  async expectedWarnings() {
    const body = await this.page.locator('body').innerText();
    return body.split('\n').map((l) => l.trim()).filter((l) => EXPECTED_WARNINGS.some((re) => re.test(l)));
  }

  async assertNoWarnings(where) {
    const w = await this.warnings();
    assert.deepEqual(w, [], `the Playground warns about a card ${where ? `(${where})` : ''}: ${w.join(' | ')}`);
  }
}
