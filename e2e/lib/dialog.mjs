// Teams dialogs (task modules) over HTTP. The Agents Playground (0.2.28)
// cannot open dialogs, so the suite sends the bot the invokes Teams would
// send from a reporter's 1:1 chat – task/fetch when a launcher button is
// pressed, task/submit for each button inside the window – straight to
// the bot's webhook (local mode: no token), and reads the answers from the
// HTTP bodies, as Teams does
// (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/task-modules/task-modules-bots).
import assert from 'node:assert/strict';

let seq = 0;

export class DialogClient {
  /** botURL: the bot's base URL; the reporter is a 1:1 chat of its own. */
  constructor(botURL, { locale = 'da-DK', user = 'e2e-reporter' } = {}) {
    this.url = `${botURL}/api/messages`;
    this.locale = locale;
    this.user = user;
  }

  /** Posts a dialog invoke and returns { type, title, card, message, text }. */
  async invoke(name, data) {
    seq += 1;
    const activity = {
      type: 'invoke', name, id: `e2e-dlg-${Date.now()}-${seq}`, channelId: 'msteams',
      // The bot answers a dialog in the HTTP body only; it sends nothing here.
      serviceUrl: 'http://127.0.0.1:9/',
      from: { id: `29:${this.user}`, name: 'E2E Reporter', aadObjectId: `${this.user}-aad` },
      recipient: { id: '28:graensen', name: 'Grænsen' },
      conversation: { id: `a:${this.user}-chat`, conversationType: 'personal', tenantId: 'e2e-tenant' },
      locale: this.locale,
      value: { data, context: { theme: 'default' } },
    };
    const res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const body = await res.text();
    assert.equal(res.status, 200, `${name}: ${res.status} ${body}`);
    if (!body) return { type: '' };
    const { task } = JSON.parse(body);
    if (task.type === 'message') return { type: 'message', message: task.value };
    assert.equal(task.type, 'continue', body);
    const card = task.value.card?.content;
    assert.ok(card && task.value.title, `no card or title: ${body}`);
    return { type: 'continue', title: task.value.title, card, text: cardText(card) };
  }

  /** Opens a dialog the way a launcher button does (its data holds msteams.type task/fetch). */
  open(verb) { return this.invoke('task/fetch', { a: verb, msteams: { type: 'task/fetch' } }); }

  /** Presses the button whose verb is verb on the dialog's card, with inputs. */
  press(dialog, verb, inputs = {}) {
    const data = submits(dialog.card).find((d) => d.a === verb);
    assert.ok(data, `no "${verb}" button in the dialog: ${dialog.text}`);
    return this.invoke('task/submit', { ...data, ...inputs });
  }
}

/** Every text of a card (texts, titles, labels, fact values), whitespace-collapsed. */
export function cardText(card) {
  const out = [];
  const walk = (v) => {
    if (Array.isArray(v)) { v.forEach(walk); return; }
    if (v && typeof v === 'object') {
      for (const k of ['text', 'title', 'label', 'value']) if (typeof v[k] === 'string') out.push(v[k]);
      for (const [k, x] of Object.entries(v)) if (k !== 'data') walk(x);
    }
  };
  walk(card);
  return out.join('\n').replace(/[ \t]+/g, ' ');
}

/** The data of every Action.Submit of a card. */
export function submits(card) {
  const out = [];
  const walk = (v) => {
    if (Array.isArray(v)) { v.forEach(walk); return; }
    if (v && typeof v === 'object') {
      if (v.type === 'Action.Submit' && v.data) out.push(v.data);
      Object.values(v).forEach(walk);
    }
  };
  walk(card);
  return out;
}
