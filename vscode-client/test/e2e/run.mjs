// Runs the extension in real VS Code (code-server) driven by headless Chromium:
//   1. the extension-host tests (test/suite, real `vscode` API) through code-server's
//      smoke-test driver (`extensionDevelopmentPath` + `extensionTestsPath` payload);
//   2. one UI smoke run with the installed .vsix: squiggle, hover and quick-fix menu
//      screenshots, then the quick fix applied from the menu.
// Meant to run inside `unshare -n` (loopback only); started by test/run-e2e.sh, which sets the
// TXE_* variables. Prints one line per test and writes results.json; exits 0 only if all passed.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const env = (name) => {
    const value = process.env[name];
    if (!value) {
        throw new Error(`${name} is not set (run test/run-e2e.sh)`);
    }
    return value;
};

const CODE_SERVER = env('TXE_CODE_SERVER');
const CHROMIUM = process.env.TXE_CHROMIUM || '/usr/bin/chromium';
const WORK = env('TXE_WORK');
const EXT_DIR = env('TXE_EXT');          // the unpacked .vsix (its extension/ folder)
const TESTS = env('TXE_TESTS');          // bundled extension-host tests (index.js)
const RESULTS = env('TXE_RESULTS');      // test-results/ (screenshots, logs, results.json)
const FIXTURE = env('TXE_FIXTURE');
const PYTHON = env('TXE_PYTHON');        // a Python that has txasync installed
const PORT = Number(process.env.TXE_PORT || 18765);
const ONLY = process.env.TXE_ONLY || '';  // "api" or "ui" to run one phase
const { chromium } = createRequire(import.meta.url)(env('TXE_PLAYWRIGHT'));

const results = [];
function record(phase, name, ok, detail = '', ms = 0) {
    results.push({ phase, name, ok, detail, ms });
    const status = ok ? 'PASS' : 'FAIL';
    console.log(`${status} [${phase}] ${name}${ms ? ` (${(ms / 1000).toFixed(1)}s)` : ''}${ok || !detail ? '' : `\n      ${detail.split('\n').join('\n      ')}`}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function copyFixture(name, settings) {
    const dest = path.join(WORK, name);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.cpSync(FIXTURE, dest, { recursive: true, filter: (src) => !src.includes('__pycache__') });
    fs.mkdirSync(path.join(dest, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(dest, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
    return dest;
}

function userSettings(dir) {
    fs.mkdirSync(path.join(dir, 'User'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'User', 'settings.json'), JSON.stringify({
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'security.workspace.trust.enabled': false,
        'editor.hover.delay': 200,
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.commandCenter.enabled': false,
        'files.autoSave': 'off',
        'git.enabled': false,
    }, null, 2));
}

async function startCodeServer(userData, extensions, logFile) {
    const log = fs.openSync(logFile, 'a');
    const child = spawn(CODE_SERVER, [
        '--bind-addr', `127.0.0.1:${PORT}`, '--auth', 'none', '--disable-telemetry',
        '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
        '--user-data-dir', userData, '--extensions-dir', extensions,
        '--vscode-option', 'enable-smoke-test-driver', '--ignore-last-opened',
    ], { stdio: ['ignore', log, log], env: process.env, detached: true });
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) {
            throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
        }
        try {
            const response = await fetch(`http://127.0.0.1:${PORT}/healthz`);
            if (response.ok) {
                return child;
            }
        } catch {
            // not listening yet
        }
        await sleep(250);
    }
    throw new Error(`code-server did not answer on port ${PORT} within 60 s; see ${logFile}`);
}

async function stopProcessGroup(child) {
    if (!child || child.exitCode !== null) {
        return;
    }
    const gone = new Promise((resolve) => child.once('exit', resolve));
    try {
        process.kill(-child.pid, 'SIGTERM');
    } catch {
        return;
    }
    if (await Promise.race([gone.then(() => true), sleep(5000).then(() => false)]) === false) {
        try {
            process.kill(-child.pid, 'SIGKILL');
        } catch {
            // already gone
        }
    }
}

async function launchBrowser() {
    return chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
            '--disable-dev-shm-usage'],
    });
}

// -- phase 1: extension-host tests ------------------------------------------------------------
async function runApiTests(browser) {
    const workspace = copyFixture('ws-api', { 'txasync.interpreter': PYTHON });
    const remote = (p) => `vscode-remote://127.0.0.1:${PORT}${p}`;
    const payload = [
        ['extensionDevelopmentPath', remote(EXT_DIR)],
        ['extensionTestsPath', remote(TESTS)],
    ];
    const url = `http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const consoleLog = fs.createWriteStream(path.join(RESULTS, 'api-browser-console.log'));
    page.on('console', (msg) => consoleLog.write(`[${msg.type()}] ${msg.text()}\n`));
    let exited;
    let finished = false;
    const exitCode = new Promise((resolve) => { exited = resolve; });
    await page.exposeFunction('codeAutomationExit', (code) => {
        console.log(`extension-host tests exited with ${code} (codeAutomationExit)`);
        exited(code);
    });
    const started = Date.now();
    const marker = path.join(WORK, 'api-results.json.done');
    fs.rmSync(marker, { force: true });
    await page.goto(url);
    const timeout = Number(process.env.TXE_API_TIMEOUT_MS || 480000);
    // The suite also leaves a marker when run() ends: wait a little for codeAutomationExit
    // after it, then take the marker's exit code.
    const markerSeen = (async () => {
        while (!fs.existsSync(marker) && !finished) {
            await sleep(500);
        }
        await sleep(15000);
        if (finished) {
            return undefined;
        }
        const code = Number(fs.readFileSync(marker, 'utf8'));
        console.log(`extension-host tests finished with ${code} (results marker; no codeAutomationExit)`);
        return code;
    })();
    let timer;
    const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeout); });
    const code = await Promise.race([exitCode, markerSeen, timedOut]);
    clearTimeout(timer);
    finished = true;
    if (code === 'timeout') {
        await page.screenshot({ path: path.join(RESULTS, 'api-timeout.png') }).catch(() => {});
    }
    consoleLog.end();
    await context.close();
    const file = path.join(WORK, 'api-results.json');
    const suite = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
    for (const r of suite) {
        record('vscode-api', r.name, r.ok, r.error || '', r.ms);
    }
    if (code === 'timeout') {
        record('vscode-api', 'extension-host run finished', false, `no codeAutomationExit within ${timeout / 1000}s`, Date.now() - started);
    } else if (suite.length === 0) {
        record('vscode-api', 'extension-host run reported results', false, `exit code ${code}, no results file (see api-browser-console.log)`);
    } else if (code !== 0 && suite.every((r) => r.ok)) {
        record('vscode-api', 'extension-host run exit code', false, `exit code ${code}`);
    }
}

// -- phase 2: UI smoke run --------------------------------------------------------------------
async function step(name, fn) {
    const started = Date.now();
    try {
        await fn();
        record('ui', name, true, '', Date.now() - started);
        return true;
    } catch (error) {
        record('ui', name, false, String(error && error.stack || error), Date.now() - started);
        return false;
    }
}

async function runUiSmoke(browser) {
    const workspace = copyFixture('ws-ui', { 'txasync.interpreter': PYTHON });
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    const page = await context.newPage();
    const consoleLog = fs.createWriteStream(path.join(RESULTS, 'ui-browser-console.log'));
    page.on('console', (msg) => consoleLog.write(`[${msg.type()}] ${msg.text()}\n`));
    const shot = (name) => page.screenshot({ path: path.join(RESULTS, name) });
    const editor = page.locator('.editor-instance .monaco-editor').first();
    const ok = await step('workbench opens the fixture folder', async () => {
        await page.goto(`http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(workspace)}`);
        await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
        await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60000 });
    });
    if (!ok) {
        await shot('ui-failure.png').catch(() => {});
        await context.close();
        return;
    }
    const opened = await step('open accounts/store.py with Quick Open', async () => {
        for (let attempt = 0; attempt < 3; attempt++) {
            await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => {});
            await page.keyboard.press('Control+P');
            const input = page.locator('.quick-input-widget input');
            try {
                await input.waitFor({ timeout: 5000 });
            } catch {
                continue;
            }
            await input.fill('store.py');
            await page.locator('.quick-input-list .monaco-list-row', { hasText: 'store.py' }).first().waitFor({ timeout: 15000 });
            await page.keyboard.press('Enter');
            await page.locator('.tab', { hasText: 'store.py' }).first().waitFor({ timeout: 10000 });
            await editor.locator('.view-line', { hasText: 'def fetch_balance' }).waitFor({ timeout: 10000 });
            return;
        }
        throw new Error('Quick Open did not open');
    });
    if (!opened) {
        await shot('ui-failure.png').catch(() => {});
        await context.close();
        return;
    }
    await step('squiggle: txasync diagnostics are drawn in the editor (screenshot squiggle.png)', async () => {
        await editor.locator('.squiggly-info').first().waitFor({ timeout: 90000 });
        await page.waitForTimeout(500);
        await shot('squiggle.png');
    });
    const name = editor.locator('.view-line span', { hasText: /^fetch_balance$/ }).first();
    await step('hover names the caller that needs ensureDeferred (screenshot hover.png)', async () => {
        const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'ensureDeferred' });
        for (let attempt = 0; attempt < 4; attempt++) {
            await page.mouse.move(5, 5);
            await name.hover();
            try {
                await hover.first().waitFor({ timeout: 8000 });
                break;
            } catch (error) {
                if (attempt === 3) {
                    throw error;
                }
            }
        }
        const text = await hover.first().innerText();
        if (!/report\.py/.test(text)) {
            throw new Error(`hover does not name report.py: ${text}`);
        }
        await shot('hover.png');
        await page.mouse.move(5, 5);
        await page.keyboard.press('Escape');
    });
    await step('quick-fix menu offers "Convert to async" (screenshot quickfix-menu.png)', async () => {
        await name.click();
        const item = page.locator('.action-widget .action-label, .action-widget .monaco-list-row', { hasText: 'Convert to async' }).first();
        for (let attempt = 0; attempt < 5; attempt++) {
            await page.keyboard.press('Control+.');
            try {
                await item.waitFor({ timeout: 6000 });
                break;
            } catch (error) {
                if (attempt === 4) {
                    throw error;
                }
                await page.keyboard.press('Escape');
                await name.click();
            }
        }
        await page.waitForTimeout(300);
        await shot('quickfix-menu.png');
    });
    await step('choosing "Convert to async" in the menu rewrites the function (screenshot converted.png)', async () => {
        const item = page.locator('.action-widget .monaco-list-row', { hasText: 'Convert to async' }).first();
        await item.click();
        await editor.locator('.view-line', { hasText: 'async def fetch_balance' }).waitFor({ timeout: 30000 });
        await page.waitForTimeout(500);
        await shot('converted.png');
    });
    consoleLog.end();
    await context.close();
}

async function main() {
    fs.mkdirSync(RESULTS, { recursive: true });
    // Two code-server runs: the extension-host tests load the unpacked .vsix as the
    // development extension (no installed copy can shadow it there; only a stand-in for the
    // Python extension is installed); the UI run uses the .vsix installed with
    // `code-server --install-extension`, as a user would.
    const phases = [
        ['api', 'user-data-api', 'extensions-api', runApiTests],
        ['ui', 'user-data', 'extensions', runUiSmoke],
    ].filter(([name]) => !ONLY || ONLY === name);
    let browser;
    try {
        browser = await launchBrowser();
        for (const [name, userDir, extDir, run] of phases) {
            const userData = path.join(WORK, userDir);
            userSettings(userData);
            const server = await startCodeServer(userData, path.join(WORK, extDir), path.join(RESULTS, `code-server-${name}.log`));
            try {
                await run(browser);
            } finally {
                await stopProcessGroup(server);
            }
        }
    } catch (error) {
        record('runner', 'runner', false, String(error && error.stack || error));
    } finally {
        await browser?.close().catch(() => {});
    }
    fs.writeFileSync(path.join(RESULTS, 'results.json'), JSON.stringify(results, null, 2));
    const failed = results.filter((r) => !r.ok).length;
    return failed === 0 && results.length > 0 ? 0 : 1;
}

// Exit as soon as the results are written (pending timers must not hold the run).
process.exit(await main());
