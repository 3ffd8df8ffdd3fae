// Which Python runs `-m txasync lsp`, and whether txasync is importable there.
//
// Order: the `txasync.interpreter` setting, then the Python extension's active interpreter
// for the workspace folder (an optional integration: the extension is used when installed,
// never required), then `python3` on PATH.

import { execFile } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

export type InterpreterSource = 'setting' | 'python-extension' | 'path';

export interface Interpreter {
    /** The executable (an absolute path, or a command looked up on PATH). */
    command: string;
    source: InterpreterSource;
    /** The workspace folder it was resolved for, if any. */
    folder?: vscode.WorkspaceFolder;
}

export const PYTHON_EXTENSION_ID = 'ms-python.python';

// The parts of the Python extension's API that are used here (see the npm package
// `@vscode/python-extension`, `PythonExtension.api()`); typed locally so the extension does
// not depend on it at build or run time.
interface EnvironmentPath {
    id: string;
    path: string;
}
interface ResolvedEnvironment {
    executable?: { uri?: vscode.Uri };
}
interface PythonEnvironmentsApi {
    getActiveEnvironmentPath(resource?: vscode.Uri | vscode.WorkspaceFolder): EnvironmentPath;
    resolveEnvironment(env: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}
interface PythonSettingsApi {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
    onDidChangeExecutionDetails?: vscode.Event<vscode.Uri | undefined>;
}
export interface PythonExtensionApi {
    environments?: PythonEnvironmentsApi;
    settings?: PythonSettingsApi;
}

/** The Python extension's API, activating it if it is installed; undefined otherwise. */
export async function pythonExtensionApi(): Promise<PythonExtensionApi | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (extension === undefined) {
        return undefined;
    }
    try {
        return extension.isActive ? extension.exports : await extension.activate();
    } catch {
        return undefined;
    }
}

/** The folder whose settings decide: the active editor's folder, else the first one. */
export function primaryFolder(): vscode.WorkspaceFolder | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    const byEditor = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
    return byEditor ?? vscode.workspace.workspaceFolders?.[0];
}

/** `${workspaceFolder}`, `${userHome}`, `~` and relative paths in the setting. */
export function expandSetting(value: string, folder?: vscode.WorkspaceFolder): string {
    let out = value.trim();
    const root = folder?.uri.fsPath ?? '';
    out = out.replace(/\$\{workspaceFolder\}/g, root).replace(/\$\{userHome\}/g, os.homedir());
    if (out === '~' || out.startsWith('~/')) {
        out = path.join(os.homedir(), out.slice(1));
    }
    if (root && !path.isAbsolute(out) && out.includes('/')) {
        out = path.resolve(root, out);
    }
    return out;
}

async function fromPythonExtension(folder?: vscode.WorkspaceFolder): Promise<string | undefined> {
    const api = await pythonExtensionApi();
    if (api === undefined) {
        return undefined;
    }
    try {
        if (api.environments) {
            const active = api.environments.getActiveEnvironmentPath(folder?.uri);
            if (active?.path) {
                const resolved = await api.environments.resolveEnvironment(active);
                return resolved?.executable?.uri?.fsPath ?? active.path;
            }
        }
        const command = api.settings?.getExecutionDetails(folder?.uri)?.execCommand;
        if (command && command.length > 0) {
            return command[0];
        }
    } catch {
        // A Python extension without the expected API: fall through to PATH.
    }
    return undefined;
}

export async function resolveInterpreter(folder = primaryFolder()): Promise<Interpreter> {
    const setting = vscode.workspace.getConfiguration('txasync', folder?.uri).get<string>('interpreter', '');
    if (setting && setting.trim()) {
        return { command: expandSetting(setting, folder), source: 'setting', folder };
    }
    const fromExtension = await fromPythonExtension(folder);
    if (fromExtension) {
        return { command: fromExtension, source: 'python-extension', folder };
    }
    return { command: 'python3', source: 'path', folder };
}

export interface ImportCheck {
    ok: boolean;
    /** Why it failed, for the notification: the interpreter is missing, or the import failed. */
    problem?: 'no-interpreter' | 'not-installed';
    detail?: string;
}

/** Runs `<interpreter> -c "import txasync"`. */
export function checkTxasync(command: string, cwd?: string, timeoutMs = 30000,
    env?: NodeJS.ProcessEnv): Promise<ImportCheck> {
    return new Promise((resolve) => {
        execFile(command, ['-c', 'import txasync'], { cwd, env, timeout: timeoutMs, windowsHide: true },
            (error, _stdout, stderr) => {
                if (!error) {
                    resolve({ ok: true });
                    return;
                }
                const code = (error as NodeJS.ErrnoException).code;
                if (code === 'ENOENT' || code === 'EACCES') {
                    resolve({ ok: false, problem: 'no-interpreter', detail: error.message });
                    return;
                }
                resolve({ ok: false, problem: 'not-installed', detail: (stderr || error.message).trim() });
            });
    });
}

/** Quote one argument for the integrated terminal's shell. */
export function shellQuote(arg: string): string {
    if (process.platform === 'win32') {
        return /[\s"&]/.test(arg) ? `"${arg.replace(/"/g, '\\"')}"` : arg;
    }
    return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
