// Start-up helper of the end-to-end suite: builds and starts the bot in
// local mode (embedded Redis, no authentication), starts the Microsoft 365
// Agents Playground against it, and opens the Playground's page in Debian's
// headless Chromium. stop() ends all three, also after a failure.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, closeSync, readFileSync, existsSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const e2eDir = join(here, '..');
export const repoDir = join(e2eDir, '..');
export const shotsDir = join(e2eDir, 'screenshots');

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// The closed network refuses Chromium's own background connections; these
// flags keep it from trying (see .library/env/machines/go-svc.md).
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync',
];

/** A free TCP port on 127.0.0.1 (the OS picks; closed again at once). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Polls url until it answers 2xx, or throws after timeoutMs. */
async function waitHTTP(url, timeoutMs, what, alive) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    if (alive && !alive()) throw new Error(`${what} exited before it answered ${url}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not answer ${url} within ${timeoutMs} ms (${last})`);
}

function startProcess(cmd, args, opts, logPath) {
  const fd = openSync(logPath, 'w');
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  child.on('exit', (code, signal) => { child.exited = { code, signal }; });
  return child;
}

async function stopProcess(child) {
  if (!child || child.exited) return;
  const gone = new Promise((r) => child.once('exit', r));
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 3000);
  await gone;
  clearTimeout(t);
}

/** The bot's environment: local mode, none of the production settings. */
function botEnv(port) {
  const env = { PATH: `${process.env.PATH}:/usr/local/go/bin`, HOME: process.env.HOME || '/root', PORT: String(port), GRAENSEN_ENV: 'local', LOG_LEVEL: 'info' };
  return env;
}

/**
 * Builds the bot (once per run) and starts it, then the Playground, then
 * Chromium. Returns { page, browser, botURL, playgroundURL, logs, pageErrors, stop }.
 */
export async function start({ binary, env = {} } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'graensen-e2e-'));
  rmSync(shotsDir, { recursive: true, force: true }); // only this run's screenshots
  mkdirSync(shotsDir, { recursive: true });
  const bin = binary || join(work, 'graensen');
  if (!binary) {
    await promisify(execFile)('go', ['build', '-o', bin, './cmd/graensen'], {
      cwd: repoDir, env: { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin` },
    });
  }
  const procs = [];
  let browser;
  // Should this process end without stop() (killed by a timeout, say),
  // take the bot and the Playground (own process groups) along.
  const killAll = () => {
    for (const p of procs) if (!p.exited) try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
    rmSync(work, { recursive: true, force: true });
  };
  process.once('exit', killAll);
  for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => { killAll(); process.exit(130); });
  const logs = { bot: join(work, 'bot.log'), playground: join(work, 'playground.log'), playgroundOwn: join(work, 'm365agentsplayground.log') };
  const stop = async () => {
    if (browser) await browser.close().catch(() => {});
    for (const p of procs.reverse()) await stopProcess(p);
    // Keep the logs beside the screenshots (both git-ignored) for a look
    // after a failure.
    for (const [name, path] of Object.entries(logs)) {
      if (existsSync(path)) copyFileSync(path, join(shotsDir, `${name}.log`));
    }
    rmSync(work, { recursive: true, force: true }); // the bot's binary and logs
  };
  try {
    const botPort = await freePort();
    const bot = startProcess(bin, [], { cwd: work, env: { ...botEnv(botPort), ...env } }, logs.bot);
    procs.push(bot);
    const botURL = `http://127.0.0.1:${botPort}`;
    await waitHTTP(`${botURL}/healthz`, 15000, 'the bot', () => !bot.exited);

    const pgPort = await freePort();
    const cli = join(e2eDir, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');
    if (!existsSync(cli)) throw new Error('the Playground is not installed: run `npm ci` in e2e/');
    const pg = startProcess(process.execPath, [cli, 'start',
      '-e', `${botURL}/api/messages`, '-c', 'msteams', '-p', String(pgPort), '--disable-telemetry'], {
      cwd: work,
      env: {
        ...process.env,
        TEAMSAPPTESTER_BROWSER: 'none', // no browser of its own: ours opens the page
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: join(e2eDir, 'playground.yml'),
        M365_AGENTS_PLAYGROUND_LOGFILE: logs.playgroundOwn,
      },
    }, logs.playground);
    procs.push(pg);
    // It falls back to a random port when the one asked for is taken: read
    // the one it prints ("Listening on N").
    const deadline = Date.now() + 20000;
    let pgURL;
    while (!pgURL && Date.now() < deadline) {
      if (pg.exited) throw new Error(`the Playground exited: ${readFileSync(logs.playground, 'utf8')}`);
      const m = /Listening on (\d+)/.exec(readFileSync(logs.playground, 'utf8'));
      if (m) pgURL = `http://127.0.0.1:${m[1]}`;
      else await new Promise((r) => setTimeout(r, 100));
    }
    if (!pgURL) throw new Error('the Playground did not say where it listens');
    await waitHTTP(`${pgURL}/`, 10000, 'the Playground', () => !pg.exited);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-US', timezoneId: 'Europe/Copenhagen' });
    // The Playground's fonts come from a CDN the closed network does not
    // reach: answer those at once rather than wait for a timeout.
    await context.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.abort());
    const page = await context.newPage();
    page.setDefaultTimeout(Number(process.env.E2E_TIMEOUT_MS || 15000));
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    return { page, browser, botURL, playgroundURL: pgURL, logs, work, pageErrors, stop };
  } catch (err) {
    err.message += `\n--- bot log ---\n${tail(logs.bot)}\n--- playground log ---\n${tail(logs.playground)}\n${tail(logs.playgroundOwn)}`;
    await stop();
    throw err;
  }
}

export function tail(path, n = 40) {
  try { return readFileSync(path, 'utf8').split('\n').slice(-n).join('\n'); } catch { return '(none)'; }
}
