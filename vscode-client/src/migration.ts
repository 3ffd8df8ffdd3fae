// "Are we async yet": the status-bar item and the progress view, both fed by the server's
// `txasync.showProgress` command (Markdown, or structured data from a newer server).

import * as vscode from 'vscode';

export interface ProgressSummary {
    /** Share of functions already async, 0..100 (rounded), or undefined when unknown. */
    percent?: number;
    asyncCount?: number;
    inlineCallbacksCount?: number;
    markdown: string;
}

function num(value: unknown): number | undefined {
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Reads what `txasync.showProgress` returned: structured data when there is some, else Markdown. */
export function summarize(result: unknown): ProgressSummary {
    if (typeof result === 'string') {
        return fromMarkdown(result);
    }
    if (result && typeof result === 'object') {
        const data = result as Record<string, unknown>;
        const markdown = typeof data.markdown === 'string' ? data.markdown : '';
        const asyncCount = num(data.async) ?? num(data.asyncCount);
        const icCount = num(data.inlinecallbacks) ?? num(data.inlineCallbacks) ?? num(data.inlineCallbacksCount);
        let share = num(data.share_async) ?? num(data.shareAsync) ?? num(data.share);
        if (share === undefined && asyncCount !== undefined && icCount !== undefined) {
            share = asyncCount + icCount > 0 ? asyncCount / (asyncCount + icCount) : 1;
        }
        let percent = num(data.percent) ?? num(data.percentage);
        if (percent === undefined && share !== undefined) {
            percent = share <= 1 ? share * 100 : share;
        }
        if (percent === undefined && markdown) {
            return fromMarkdown(markdown);
        }
        return {
            percent: percent === undefined ? undefined : Math.round(percent),
            asyncCount, inlineCallbacksCount: icCount,
            markdown: markdown || '```json\n' + JSON.stringify(result, null, 2) + '\n```\n',
        };
    }
    return { markdown: '' };
}

/**
 * The share from the server's Markdown. Each workspace folder has a line like
 * "**64% async**: 16 async functions, 9 inlineCallbacks functions left, in 12 files.";
 * with several folders the counts are added up; without counts the first percentage is used.
 */
export function fromMarkdown(markdown: string): ProgressSummary {
    let asyncCount = 0;
    let icCount = 0;
    let counted = false;
    const counts = /(\d+)\s+async functions?,\s*(\d+)\s+inlineCallbacks functions?/gi;
    for (let m = counts.exec(markdown); m !== null; m = counts.exec(markdown)) {
        asyncCount += Number(m[1]);
        icCount += Number(m[2]);
        counted = true;
    }
    if (counted) {
        const total = asyncCount + icCount;
        const percent = total > 0 ? Math.round((100 * asyncCount) / total) : 100;
        return { percent, asyncCount, inlineCallbacksCount: icCount, markdown };
    }
    const share = /(\d+(?:\.\d+)?)\s*%\s*async/i.exec(markdown) ?? /(\d+(?:\.\d+)?)\s*%/.exec(markdown);
    return { percent: share ? Math.round(Number(share[1])) : undefined, markdown };
}

export class StatusItem implements vscode.Disposable {
    readonly item: vscode.StatusBarItem;

    constructor(command: string) {
        this.item = vscode.window.createStatusBarItem('txasync.status', vscode.StatusBarAlignment.Right, 100);
        this.item.name = 'txasync migration progress';
        this.item.command = command;
        this.starting();
        this.item.show();
    }

    get text(): string {
        return this.item.text;
    }

    starting(): void {
        this.item.text = '$(sync~spin) txasync';
        this.item.tooltip = 'txasync: starting the server';
        this.item.backgroundColor = undefined;
    }

    problem(text: string, tooltip: string): void {
        this.item.text = `$(warning) ${text}`;
        this.item.tooltip = tooltip;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }

    show(summary: ProgressSummary): void {
        this.item.backgroundColor = undefined;
        if (summary.percent === undefined) {
            this.item.text = 'async ?%';
            this.item.tooltip = 'txasync: the server did not report a share; click for the report';
            return;
        }
        this.item.text = `async ${summary.percent}%`;
        const counts = summary.asyncCount !== undefined
            ? `: ${summary.asyncCount} async, ${summary.inlineCallbacksCount} inlineCallbacks functions left`
            : '';
        this.item.tooltip = `txasync: ${summary.percent}% of the workspace's functions are async${counts}. Click for the migration progress.`;
    }

    dispose(): void {
        this.item.dispose();
    }
}

/** A webview that renders the Markdown report with VS Code's own Markdown renderer. */
export class ProgressView implements vscode.Disposable {
    private panel?: vscode.WebviewPanel;
    lastMarkdown = '';

    constructor(private readonly refresh: () => Promise<string | undefined>) {}

    get visible(): boolean {
        return this.panel !== undefined;
    }

    async show(markdown: string): Promise<void> {
        this.lastMarkdown = markdown;
        if (this.panel === undefined) {
            this.panel = vscode.window.createWebviewPanel('txasync.progress', 'txasync: Migration Progress',
                { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
                { enableScripts: true, enableFindWidget: true });
            this.panel.onDidDispose(() => { this.panel = undefined; });
            this.panel.webview.onDidReceiveMessage(async (message: { command?: string }) => {
                if (message?.command === 'refresh') {
                    const fresh = await this.refresh();
                    if (fresh !== undefined) {
                        await this.render(fresh);
                    }
                }
            });
        } else {
            this.panel.reveal(undefined, false);
        }
        await this.render(markdown);
    }

    private async render(markdown: string): Promise<void> {
        this.lastMarkdown = markdown;
        if (this.panel === undefined) {
            return;
        }
        let body: string;
        try {
            body = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
        } catch {
            body = `<pre>${escapeHtml(markdown)}</pre>`;
        }
        const nonce = Math.random().toString(36).slice(2);
        const csp = `default-src 'none'; style-src 'unsafe-inline' ${this.panel.webview.cspSource}; script-src 'nonce-${nonce}';`;
        this.panel.webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style>
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 1.5em; }
table { border-collapse: collapse; } th, td { padding: 0.2em 0.8em; border-bottom: 1px solid var(--vscode-panel-border); }
button { margin-top: 1em; }
</style></head>
<body>${body}
<button id="refresh">Refresh</button>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.getElementById('refresh').addEventListener('click', () => vscode.postMessage({ command: 'refresh' }));
</script></body></html>`;
    }

    dispose(): void {
        this.panel?.dispose();
    }
}

function escapeHtml(text: string): string {
    return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c] as string));
}
