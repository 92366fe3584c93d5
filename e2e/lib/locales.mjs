// The bot's texts, read from locales/*.{da,en}.toml, so the suite asserts
// what the bot really says and keeps passing when AMK edits the wording.
//
// The locale files use a small subset of TOML: [table] headers, comments
// and one-line basic strings (key = "..."), possibly with dotted keys. This
// reader accepts exactly that and throws on anything else, so a file that
// starts using more of TOML fails here loudly rather than silently.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir } from './harness.mjs';

const dir = join(repoDir, 'locales');

function unescape(s, where) {
  return s.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e) => {
    switch (e[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case '"': return '"';
      case '\\': return '\\';
      case 'u': case 'U': return String.fromCodePoint(parseInt(e.slice(1), 16));
      default: throw new Error(`${where}: unsupported escape \\${e}`);
    }
  });
}

function load(lang) {
  const out = new Map();
  for (const f of readdirSync(dir).filter((n) => n.endsWith(`.${lang}.toml`)).sort()) {
    let table = '';
    readFileSync(join(dir, f), 'utf8').split('\n').forEach((line, i) => {
      const where = `locales/${f}:${i + 1}`;
      const s = line.trim();
      if (s === '' || s.startsWith('#')) return;
      let m = /^\[([A-Za-z0-9_.-]+)\]\s*(#.*)?$/.exec(s);
      if (m) { table = m[1]; return; }
      m = /^([A-Za-z0-9_.-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(s);
      if (!m) throw new Error(`${where}: the e2e locale reader only knows [table] and key = "string" lines`);
      out.set(table ? `${table}.${m[1]}` : m[1], unescape(m[2], where));
    });
  }
  return out;
}

const bundles = { da: load('da'), en: load('en') };

/** The text of message id in lang ("da" or "en"), with {{.X}} filled from data. */
export function text(lang, id, data = {}) {
  const s = bundles[lang].get(id);
  if (s === undefined) throw new Error(`no message ${id} in ${lang}`);
  return s.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k) => {
    if (!(k in data)) throw new Error(`message ${id} wants {{.${k}}}`);
    return String(data[k]);
  });
}

/**
 * The text as the Playground shows it: Markdown emphasis and list bullets
 * removed, whitespace collapsed. Good for "the card contains this".
 */
export function shown(lang, id, data) {
  return plain(text(lang, id, data));
}

export function plain(s) {
  return s
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/\*([^*]+)\*/g, '$1')
    .replace(/^\s*[-*]\s+/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A bound helper for one language: L('core.menu.title'). */
export function lang(l) {
  const f = (id, data) => text(l, id, data);
  f.shown = (id, data) => shown(l, id, data);
  f.lang = l;
  return f;
}
