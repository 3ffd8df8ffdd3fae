// The txasync extension: starts `<python> -m txasync lsp` and adds the commands, the status
// bar item and the progress view around it. All analysis and every edit come from the server.

import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
    CancellationToken,
    ExecuteCommandRequest,
    LanguageClient,
    LanguageClientOptions,
    ServerOptions,
    State,
} from 'vscode-languageclient/node';
import {
    checkTxasync,
    ImportCheck,
    Interpreter,
    primaryFolder,
    pythonExtensionApi,
    resolveInterpreter,
    shellQuote,
} from './interpreter';
import { ProgressSummary, ProgressView, StatusItem, summarize } from './migration';
import { ProgressRecord, ServerProgressFeature } from './progress';

export const INSTALL = 'Install txasync in this environment';
export const CHOOSE = 'Choose interpreter';
export const SHOW_OUTPUT = 'Show Output';
export const DONT_SHOW_AGAIN = "Don't show again";
/** globalState key: the user dismissed the "txasync is not installed" notice for good. */
const MISSING_DISMISSED = 'txasync.missingNotice.dismissed';
/** How many Python files are read to decide whether a workspace uses Twisted at all. */
const TWISTED_PROBE_FILES = 300;

/** Settings whose change needs a new server process (the others are sent to the running one). */
const RESTART_SETTINGS = ['txasync.interpreter', 'txasync.enable', 'txasync.path', 'txasync.importStrategy'];
/** Settings sent to the server (`initializationOptions`, `workspace/configuration`). */
export const SERVER_SETTINGS = ['twistedVersion', 'severity', 'codeLens', 'fixOnSave', 'select', 'ignore',
    'perFileIgnores', 'exclude', 'keepDeferredApi', 'coroutineAwareDecorators', 'wrapper', 'unknownYield', 'jedi',
    'environment', 'python', 'publicApi', 'convert'];
/** Settings of the extension itself, never sent to the server. */
const CLIENT_SETTINGS = ['trace', 'interpreter', 'enable', 'path', 'importStrategy'];
const RESTART_DELAY_MS = 600;

export interface Notification {
    severity: 'error' | 'warning' | 'info';
    message: string;
    actions: string[];
    choice?: string;
}

type ServerState = 'stopped' | 'starting' | 'running' | 'missing' | 'failed';

/** What the extension returns from `activate` (used by its tests, and by other extensions). */
export interface TxasyncApi {
    readonly state: ServerState;
    readonly client: LanguageClient | undefined;
    readonly interpreter: Interpreter | undefined;
    readonly restarts: number;
    readonly statusText: string;
    readonly notifications: Notification[];
    readonly progressRecords: ProgressRecord[];
    readonly progressView: { visible: boolean; lastMarkdown: string };
    readonly debugInfoText: string;
    readonly installCommand: string | undefined;
    /** The Python the server runs with: the project's, or the extension's own environment. */
    readonly serverPython: string | undefined;
    /** Resolves once the server is running (or has definitely not started). */
    ready(): Promise<ServerState>;
    restart(): Promise<void>;
    refreshStatus(): Promise<ProgressSummary | undefined>;
    executeServerCommand(command: string, args: unknown[], token?: CancellationToken): Promise<unknown>;
    /** Tests only: answer the next notification that offers actions, as a user would. */
    answerNextNotification(choice: string | undefined): void;
}

class Extension implements TxasyncApi, vscode.Disposable {
    state: ServerState = 'stopped';
    client: LanguageClient | undefined;
    interpreter: Interpreter | undefined;
    restarts = 0;
    notifications: Notification[] = [];
    progressRecords: ProgressRecord[] = [];
    debugInfoText = '';
    installCommand: string | undefined;
    serverPython: string | undefined;

    private readonly output = vscode.window.createOutputChannel('txasync');
    private debugChannel: vscode.OutputChannel | undefined;
    private readonly status: StatusItem;
    private readonly view: ProgressView;
    private readonly disposables: vscode.Disposable[] = [];
    private queue: Promise<void> = Promise.resolve();
    private restartTimer: NodeJS.Timeout | undefined;
    private refreshTimer: NodeJS.Timeout | undefined;
    private readyWaiters: Array<(state: ServerState) => void> = [];
    private pendingAnswers: Array<string | undefined> = [];
    private installTerminal: vscode.Terminal | undefined;
    private pythonListener: vscode.Disposable | undefined;

    constructor(private readonly context: vscode.ExtensionContext) {
        this.status = new StatusItem('txasync.showProgress');
        this.view = new ProgressView(async () => (await this.fetchProgress())?.markdown);
        this.disposables.push(this.output, this.status, this.view);
    }

    get statusText(): string {
        return this.status.text;
    }

    get progressView(): { visible: boolean; lastMarkdown: string } {
        return { visible: this.view.visible, lastMarkdown: this.view.lastMarkdown };
    }

    // -- lifecycle --------------------------------------------------------------------------
    activate(): void {
        const command = (name: string, run: (...args: any[]) => unknown) =>
            this.disposables.push(vscode.commands.registerCommand(name, run));
        // The server's own command ids: the palette runs them here (with the cursor, the file
        // or nothing), code lenses and code actions run them with the server's arguments, which
        // are passed on as they are. The server, told `clientCommands`, does not advertise them,
        // so vscode-languageclient does not register the same ids again.
        command('txasync.convertFunction', (...args: unknown[]) => args.length > 0
            ? this.forward('txasync.convertFunction', args) : this.convertFunctionAtCursor());
        command('txasync.convertFile', (uri?: vscode.Uri | string) => typeof uri === 'string'
            ? this.forward('txasync.convertFile', [uri]) : this.convertFile(uri));
        command('txasync.convertWorkspace', () => this.convertWorkspace());
        command('txasync.convertAndVerify', (...args: unknown[]) => this.forward('txasync.convertAndVerify', args));
        command('txasync.showProgress', () => this.showProgress());
        command('txasync.debugInfo', () => this.showDebugInfo());
        command('txasync.restartServer', () => this.restart());
        command('txasync.showLogs', () => this.output.show(true));

        this.disposables.push(
            vscode.workspace.onDidChangeConfiguration((event) => {
                if (RESTART_SETTINGS.some((s) => event.affectsConfiguration(s))) {
                    this.scheduleRestart('the txasync.interpreter setting changed');
                }
            }),
            vscode.workspace.onDidSaveTextDocument((doc) => {
                if (doc.languageId === 'python') {
                    this.scheduleRefresh(300);
                }
            }),
            vscode.workspace.onDidChangeTextDocument((event) => {
                if (event.document.languageId === 'python' && event.contentChanges.length > 0) {
                    this.scheduleRefresh(2000);
                }
            }),
            vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleRestart('the workspace folders changed')),
            vscode.window.onDidCloseTerminal((terminal) => this.terminalClosed(terminal)),
        );
        void this.watchPythonExtension();
        void this.enqueue(() => this.start());
    }

    private async watchPythonExtension(): Promise<void> {
        const api = await pythonExtensionApi();
        const onChange = api?.environments?.onDidChangeActiveEnvironmentPath ?? api?.settings?.onDidChangeExecutionDetails;
        if (onChange) {
            this.pythonListener = onChange(() => {
                if (this.interpreter?.source !== 'setting') {
                    this.scheduleRestart('the Python extension\'s interpreter changed');
                }
            });
            this.disposables.push(this.pythonListener);
        }
    }

    private enqueue(job: () => Promise<void>): Promise<void> {
        const next = this.queue.then(job, job);
        this.queue = next.catch((error) => this.log(`txasync: ${error}`));
        return this.queue;
    }

    private setState(state: ServerState): void {
        this.state = state;
        if (state !== 'starting') {
            const waiters = this.readyWaiters;
            this.readyWaiters = [];
            waiters.forEach((resolve) => resolve(state));
        }
    }

    ready(): Promise<ServerState> {
        if (this.state !== 'starting' && this.state !== 'stopped') {
            return Promise.resolve(this.state);
        }
        return new Promise((resolve) => this.readyWaiters.push(resolve));
    }

    private scheduleRestart(reason: string): void {
        clearTimeout(this.restartTimer);
        this.state = 'starting';
        this.restartTimer = setTimeout(() => {
            this.restartTimer = undefined;
            this.log(`txasync: restarting the server: ${reason}`);
            void this.enqueue(async () => {
                await this.stop();
                await this.start();
            });
        }, RESTART_DELAY_MS);
    }

    restart(): Promise<void> {
        clearTimeout(this.restartTimer);
        this.restartTimer = undefined;
        this.state = 'starting';
        return this.enqueue(async () => {
            await this.stop();
            await this.start();
        });
    }

    private async start(): Promise<void> {
        try {
            await this.startServer();
        } catch (error) {
            // Nothing may leave the state at "starting": ready() waiters would wait forever.
            this.client = undefined;
            this.setState('failed');
            this.status.problem('txasync', `txasync: the server did not start: ${error}`);
            this.log(`txasync: the server did not start: ${error}`);
        }
    }

    private async startServer(): Promise<void> {
        const settings = vscode.workspace.getConfiguration('txasync', primaryFolder()?.uri);
        if (!settings.get<boolean>('enable', true)) {
            this.log('txasync: disabled (txasync.enable is false); the server is not started');
            this.setState('stopped');
            return;
        }
        this.setStateStarting();
        const interpreter = await resolveInterpreter();
        this.interpreter = interpreter;
        const cwd = interpreter.folder?.uri.fsPath;
        const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
        // stdio without `transport`, which would append `--stdio` to the arguments.
        let command = interpreter.command;
        let args = ['-m', 'txasync', 'lsp'];
        const executable = (settings.get<string[]>('path') ?? []).find((p) => fs.existsSync(p));
        if (executable !== undefined) {
            command = executable;
            args = ['lsp'];
            this.serverPython = executable;
            this.log(`txasync: using ${executable} (the txasync.path setting)`);
        } else {
            this.log(`txasync: using ${interpreter.command} (from ${describeSource(interpreter)})`);
            const wheel = settings.get<string>('importStrategy') === 'useBundled' ? this.bundledWheel() : undefined;
            if (wheel !== undefined) {
                // A pure-Python wheel is importable as it is: the selected interpreter runs it.
                env.PYTHONPATH = [wheel, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
                this.log(`txasync: running the bundled ${path.basename(wheel)}`);
            }
            const check = await checkTxasync(interpreter.command, cwd, undefined, env);
            const own = this.ownPython();
            if (check.ok) {
                this.serverPython = interpreter.command;
            } else if (check.problem !== 'no-interpreter' && fs.existsSync(own)
                && (await checkTxasync(own, cwd, undefined, env)).ok) {
                // Installed by the Install button: the server runs from the extension's own
                // environment and reads the project's libraries through `python`.
                command = own;
                this.serverPython = own;
                this.log(`txasync: ${interpreter.command} has no txasync; the server runs from the extension's `
                    + `own environment (${own}) and reads the project's libraries from ${interpreter.command}`);
            } else {
                this.setState('missing');
                await this.reportMissing(interpreter, check);
                return;
            }
        }
        const serverOptions: ServerOptions = { command, args, options: { cwd, env } };
        const clientOptions: LanguageClientOptions = {
            documentSelector: [{ scheme: 'file', language: 'python' }],
            outputChannel: this.output,
            synchronize: { configurationSection: 'txasync' },
            initializationOptions: {
                ...serverSettings(interpreter.folder?.uri, interpreter, command !== interpreter.command),
                clientCommands: true,
            },
            middleware: {
                workspace: {
                    configuration: async (params, token, next) => {
                        const answers = await next(params, token);
                        if (!Array.isArray(answers)) {
                            return answers;
                        }
                        return params.items.map((item, i) => item.section === 'txasync'
                            ? serverSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined, interpreter,
                                command !== interpreter.command)
                            : answers[i]);
                    },
                },
            },
        };
        const client = new LanguageClient('txasync', 'txasync', serverOptions, clientOptions);
        client.registerFeature(new ServerProgressFeature(client, (record) => this.progressRecords.push(record)));
        this.client = client;
        try {
            await client.start();
        } catch (error) {
            this.client = undefined;
            this.setState('failed');
            this.status.problem('txasync', `txasync: the server did not start: ${error}`);
            void this.notify('error', `txasync: the server did not start with ${interpreter.command}: ${error}`,
                [SHOW_OUTPUT, CHOOSE]).then((choice) => this.onChoice(choice, interpreter));
            try {
                await client.dispose(2000);
            } catch {
                // already gone
            }
            return;
        }
        client.onDidChangeState((event) => {
            if (event.newState === State.Stopped && this.client === client && this.state === 'running') {
                this.status.problem('txasync', 'txasync: the server stopped; run "txasync: Restart Server"');
            }
        });
        this.setState('running');
        this.scheduleRefresh(0);
    }

    private setStateStarting(): void {
        this.state = 'starting';
        this.status.starting();
    }

    private async stop(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (client !== undefined) {
            this.restarts += 1;
            try {
                await client.dispose(5000);
            } catch (error) {
                this.log(`txasync: stopping the server: ${error}`);
            }
        } else if (this.state === 'missing' || this.state === 'failed') {
            this.restarts += 1;
        }
        this.state = 'stopped';
    }

    // -- a server that cannot start -------------------------------------------------------
    private async reportMissing(interpreter: Interpreter, check: ImportCheck): Promise<void> {
        const where = `${interpreter.command} (${describeSource(interpreter)})`;
        const message = check.problem === 'no-interpreter'
            ? `txasync: the Python interpreter ${where} was not found.`
            : `txasync is not installed in ${where}: "python -m txasync lsp" cannot start there.`;
        this.log(`${message}\n${check.detail ?? ''}`);
        this.status.problem('txasync', message);
        // A Python workspace that does not use Twisted has no use for txasync: no popup there
        // (the status bar item and the log say it), and "Don't show again" is remembered.
        if (this.context.globalState.get<boolean>(MISSING_DISMISSED)) {
            return;
        }
        if (!(await workspaceUsesTwisted())) {
            this.log('txasync: no Twisted import in this workspace; not asking to install txasync');
            return;
        }
        const actions = check.problem === 'no-interpreter' ? [CHOOSE, DONT_SHOW_AGAIN]
            : [INSTALL, CHOOSE, DONT_SHOW_AGAIN];
        void this.notify('error', message, actions).then((choice) => this.onChoice(choice, interpreter));
    }

    /** The txasync wheel shipped inside the extension (`npm run bundle-server`), if any. */
    private bundledWheel(): string | undefined {
        const dir = path.join(this.context.extensionPath, 'server');
        try {
            const wheels = fs.readdirSync(dir).filter((f) => /^txasync-.*\.whl$/.test(f)).sort();
            return wheels.length > 0 ? path.join(dir, wheels[wheels.length - 1]) : undefined;
        } catch {
            return undefined;
        }
    }

    private async onChoice(choice: string | undefined, interpreter: Interpreter): Promise<void> {
        if (choice === INSTALL) {
            this.install(interpreter);
        } else if (choice === CHOOSE) {
            await this.chooseInterpreter(interpreter);
        } else if (choice === SHOW_OUTPUT) {
            this.output.show(true);
        } else if (choice === DONT_SHOW_AGAIN) {
            await this.context.globalState.update(MISSING_DISMISSED, true);
        }
    }

    /** The Python of the extension's own environment, where the Install button puts txasync. */
    private ownPython(): string {
        const dir = path.join(this.context.globalStorageUri.fsPath, 'server-env');
        return process.platform === 'win32' ? path.join(dir, 'Scripts', 'python.exe') : path.join(dir, 'bin', 'python');
    }

    private install(interpreter: Interpreter): void {
        // txasync is not on PyPI: the .vsix carries its wheel and its dependencies' wheels
        // (`npm run bundle-server`). They go into an environment of the extension's own, made
        // with the selected interpreter, from the bundled wheels alone (offline); where those
        // do not fit this platform or Python, pip may take the dependencies from the index.
        const wheel = this.bundledWheel();
        if (wheel === undefined) {
            void this.notify('warning', 'txasync: this build of the extension carries no txasync wheel. Install '
                + 'the server from its repository: "python -m pip install /path/to/txasync" (or "pipx install '
                + '/path/to/txasync" and set txasync.path).', []);
            return;
        }
        const own = this.ownPython();
        const envDir = path.dirname(path.dirname(own));
        const wheels = path.dirname(wheel);
        const line = (...words: string[]) => words.map(shellQuote).join(' ');
        const commandLine = `${line(interpreter.command, '-m', 'venv', envDir)} && `
            + `(${line(own, '-m', 'pip', 'install', '--no-index', '--find-links', wheels, 'txasync')} || `
            + `${line(own, '-m', 'pip', 'install', '--find-links', wheels, 'txasync')})`;
        this.installCommand = commandLine;
        this.installTerminal?.dispose();
        const terminal = vscode.window.createTerminal({
            name: 'txasync: install',
            cwd: interpreter.folder?.uri,
        });
        this.installTerminal = terminal;
        terminal.show();
        // The terminal closes itself when pip succeeds, which restarts the server; on failure it
        // stays open with pip's error.
        terminal.sendText(`${commandLine} && exit`);
    }

    private terminalClosed(terminal: vscode.Terminal): void {
        if (terminal !== this.installTerminal) {
            return;
        }
        this.installTerminal = undefined;
        if (terminal.exitStatus?.code === 0) {
            this.scheduleRestart('txasync was installed');
        }
    }

    private async chooseInterpreter(current: Interpreter): Promise<void> {
        if (current.source !== 'setting' && vscode.extensions.getExtension('ms-python.python')) {
            await vscode.commands.executeCommand('python.setInterpreter');
            return; // the Python extension's change event restarts the server
        }
        const picked = await vscode.window.showOpenDialog({
            title: 'txasync: choose the Python interpreter that has txasync installed',
            canSelectFiles: true, canSelectFolders: false, canSelectMany: false,
            defaultUri: current.folder?.uri,
        });
        if (picked && picked.length > 0) {
            const target = current.folder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Global;
            await vscode.workspace.getConfiguration('txasync', current.folder?.uri)
                .update('interpreter', picked[0].fsPath, target);
        }
    }

    private notify(severity: Notification['severity'], message: string, actions: string[]): Promise<string | undefined> {
        const record: Notification = { severity, message, actions };
        this.notifications.push(record);
        const show = severity === 'error' ? vscode.window.showErrorMessage
            : severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
        const shown = Promise.resolve(show(message, ...actions));
        const answered = actions.length > 0 && this.pendingAnswers.length > 0
            ? Promise.resolve(this.pendingAnswers.shift()) : shown;
        return answered.then((choice) => {
            record.choice = choice;
            return choice;
        });
    }

    answerNextNotification(choice: string | undefined): void {
        this.pendingAnswers.push(choice);
    }

    // -- commands -------------------------------------------------------------------------
    async executeServerCommand(command: string, args: unknown[], token?: CancellationToken): Promise<unknown> {
        const client = await this.runningClient();
        if (client === undefined) {
            return undefined;
        }
        return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token);
    }

    private async runningClient(): Promise<LanguageClient | undefined> {
        const state = await this.ready();
        if (state !== 'running' || this.client === undefined) {
            const retry = 'Restart Server';
            void this.notify('warning', 'txasync: the language server is not running.', [retry, SHOW_OUTPUT])
                .then((choice) => {
                    if (choice === retry) {
                        void this.restart();
                    } else if (choice === SHOW_OUTPUT) {
                        this.output.show(true);
                    }
                });
            return undefined;
        }
        return this.client;
    }

    private reportConversion(result: unknown): void {
        if (result && typeof result === 'object') {
            const r = result as { applied?: boolean; converted?: unknown; files?: unknown; cancelled?: boolean };
            if (r.cancelled) {
                void vscode.window.showInformationMessage('txasync: conversion cancelled; nothing was changed.');
            } else if (r.applied) {
                const converted = Array.isArray(r.converted) ? r.converted.length : Number(r.converted ?? 0);
                const files = Array.isArray(r.files) ? r.files.length : 0;
                void vscode.window.showInformationMessage(
                    `txasync: converted ${converted} function${converted === 1 ? '' : 's'} (${files} file${files === 1 ? '' : 's'} changed).`);
            }
            // A refusal was already shown by the server (window/showMessage) with its reason.
        }
        this.scheduleRefresh(200);
    }

    /** A server command run with the arguments the server gave it (a lens, a code action). */
    async forward(command: string, args: unknown[]): Promise<unknown> {
        const result = await this.executeServerCommand(command, args);
        this.reportConversion(result);
        return result;
    }

    async convertFunctionAtCursor(): Promise<unknown> {
        const editor = vscode.window.activeTextEditor;
        if (editor === undefined || editor.document.languageId !== 'python') {
            void vscode.window.showWarningMessage('txasync: put the cursor in an inlineCallbacks function of a Python file.');
            return undefined;
        }
        const position = editor.selection.active;
        const result = await this.executeServerCommand('txasync.convertFunction', [
            editor.document.uri.toString(), { line: position.line, character: position.character },
        ]);
        this.reportConversion(result);
        return result;
    }

    async convertFile(uri?: vscode.Uri): Promise<unknown> {
        const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
        if (target === undefined) {
            void vscode.window.showWarningMessage('txasync: open the Python file to convert.');
            return undefined;
        }
        const result = await this.executeServerCommand('txasync.convertFile', [target.toString()]);
        this.reportConversion(result);
        return result;
    }

    async convertWorkspace(): Promise<unknown> {
        const client = await this.runningClient();
        if (client === undefined) {
            return undefined;
        }
        // The server reports its own cancellable $/progress, shown as a notification with a
        // Cancel button by ServerProgressFeature; cancelling it stops the server between files
        // and the answer says {cancelled: true}.
        const result = await client.sendRequest(ExecuteCommandRequest.type,
            { command: 'txasync.convertWorkspace', arguments: [] });
        this.reportConversion(result);
        return result;
    }

    private async fetchProgress(): Promise<ProgressSummary | undefined> {
        if (this.state !== 'running' || this.client === undefined) {
            return undefined;
        }
        const result = await this.client.sendRequest(ExecuteCommandRequest.type,
            { command: 'txasync.showProgress', arguments: [] });
        return summarize(result);
    }

    async showProgress(): Promise<void> {
        if ((await this.runningClient()) === undefined) {
            return;
        }
        const summary = await this.fetchProgress();
        if (summary !== undefined) {
            this.status.show(summary);
            await this.view.show(summary.markdown);
        }
    }

    async refreshStatus(): Promise<ProgressSummary | undefined> {
        try {
            const summary = await this.fetchProgress();
            if (summary !== undefined) {
                this.status.show(summary);
            }
            return summary;
        } catch (error) {
            this.log(`txasync: progress: ${error}`);
            return undefined;
        }
    }

    private scheduleRefresh(delay: number): void {
        clearTimeout(this.refreshTimer);
        this.refreshTimer = setTimeout(() => {
            this.refreshTimer = undefined;
            void this.refreshStatus();
        }, delay);
    }

    async showDebugInfo(): Promise<void> {
        const lines = [
            `txasync extension ${this.context.extension.packageJSON.version} in ${vscode.env.appName} ${vscode.version}`,
            `interpreter: ${this.interpreter?.command ?? '(none)'} (${this.interpreter ? describeSource(this.interpreter) : 'not resolved'})`,
            `server: ${this.state}; restarts: ${this.restarts}`,
            `Python extension: ${vscode.extensions.getExtension('ms-python.python') ? 'installed' : 'not installed'}`,
            '',
        ];
        if (this.state === 'running' && this.client !== undefined) {
            try {
                const info = await this.client.sendRequest(ExecuteCommandRequest.type,
                    { command: 'txasync.debugInfo', arguments: [] });
                lines.push('txasync.debugInfo:', JSON.stringify(info, null, 2));
            } catch (error) {
                lines.push(`txasync.debugInfo failed: ${error}`);
            }
        } else {
            lines.push('The server is not running: see the "txasync" output channel.');
        }
        this.debugInfoText = lines.join('\n');
        this.debugChannel = this.debugChannel ?? vscode.window.createOutputChannel('txasync: Debug Info');
        this.disposables.push(this.debugChannel);
        this.debugChannel.replace(this.debugInfoText + '\n');
        this.debugChannel.show(true);
    }

    private log(message: string): void {
        this.output.appendLine(message);
    }

    async dispose(): Promise<void> {
        clearTimeout(this.restartTimer);
        clearTimeout(this.refreshTimer);
        const client = this.client;
        this.client = undefined;
        this.disposables.forEach((d) => d.dispose());
        if (client) {
            await client.dispose(2000);
        }
    }
}

function describeSource(interpreter: Interpreter): string {
    switch (interpreter.source) {
        case 'setting':
            return 'the txasync.interpreter setting';
        case 'python-extension':
            return 'the Python extension\'s interpreter';
        default:
            return 'python3 on PATH';
    }
}

/** The `txasync` settings the server reads, for one folder (or the window). */
export function serverSettings(scope: vscode.Uri | undefined, interpreter?: Interpreter,
    elsewhere = false): Record<string, unknown> {
    const config = vscode.workspace.getConfiguration('txasync', scope ?? primaryFolder()?.uri);
    const out: Record<string, unknown> = {};
    // Keys the server knows beyond the contributed ones (select, ignore, exclude, ...) are
    // passed through when a user sets them in settings.json.
    const raw = config as unknown as Record<string, unknown>;
    for (const key of Object.keys(raw)) {
        if (typeof raw[key] !== 'function' && !CLIENT_SETTINGS.includes(key)) {
            out[key] = raw[key];
        }
    }
    for (const key of SERVER_SETTINGS) {
        out[key] = config.get(key);
    }
    if (out.twistedVersion === '') {
        out.twistedVersion = null;
    }
    if (interpreter) {
        out.interpreter = interpreter.command;
        // The project's interpreter, whose libraries and Twisted the server reads: the one
        // the Python extension selected, unless `txasync.python` says otherwise. (A change
        // of the selection restarts the client, which sends it again.) Also whenever the
        // server itself runs elsewhere (`elsewhere`: the extension's own environment).
        if ((out.python === null || out.python === undefined || out.python === '')
            && (interpreter.source === 'python-extension' || elsewhere)) {
            out.python = interpreter.command;
        }
    }
    return JSON.parse(JSON.stringify(out));
}

/** Whether any Python file of the workspace imports Twisted (the first few hundred files). */
export async function workspaceUsesTwisted(): Promise<boolean> {
    const files = await vscode.workspace.findFiles('**/*.py', '**/{.venv,venv,.tox,node_modules,site-packages}/**',
        TWISTED_PROBE_FILES);
    const pattern = /^\s*(from\s+twisted[\s.]|import\s+twisted\b)/m;
    for (const file of files) {
        try {
            if (pattern.test(await fs.promises.readFile(file.fsPath, 'utf8'))) {
                return true;
            }
        } catch {
            // unreadable: not evidence either way
        }
    }
    return false;
}

let extension: Extension | undefined;

export function activate(context: vscode.ExtensionContext): TxasyncApi {
    extension = new Extension(context);
    extension.activate();
    return extension;
}

export async function deactivate(): Promise<void> {
    const current = extension;
    extension = undefined;
    await current?.dispose();
}
