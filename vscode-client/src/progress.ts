// Server work-done progress (`window/workDoneProgress/create` + `$/progress`).
//
// vscode-languageclient shows every server progress in the status bar (ProgressLocation.Window),
// where it cannot be cancelled. txasync's workspace conversion reports a *cancellable*
// progress: that one belongs in a notification with a Cancel button, which sends
// `window/workDoneProgress/cancel` back. Non-cancellable progress (indexing) stays in the
// status bar. This feature is registered after the client's own ProgressFeature, so its
// handler for `window/workDoneProgress/create` is the one in force.

import * as vscode from 'vscode';
import {
    ClientCapabilities,
    FeatureState,
    LanguageClient,
    ProgressToken,
    StaticFeature,
    WorkDoneProgress,
    WorkDoneProgressBegin,
    WorkDoneProgressCancelNotification,
    WorkDoneProgressCreateParams,
    WorkDoneProgressCreateRequest,
    WorkDoneProgressReport,
} from 'vscode-languageclient/node';

export interface ProgressRecord {
    token: string;
    title: string;
    cancellable: boolean;
    location: 'notification' | 'window';
    messages: string[];
    done: boolean;
}

class Part {
    private reported = 0;
    private progress?: vscode.Progress<{ message?: string; increment?: number }>;
    private finish?: () => void;
    private listener?: vscode.Disposable;
    private cancelListener?: vscode.Disposable;

    constructor(
        private readonly client: LanguageClient,
        private readonly token: ProgressToken,
        private readonly onRecord: (record: ProgressRecord) => void,
        private readonly onDone: (part: Part) => void,
    ) {
        this.listener = client.onProgress(WorkDoneProgress.type, token, (value) => {
            if (value.kind === 'begin') {
                this.begin(value);
            } else if (value.kind === 'report') {
                this.report(value);
            } else {
                this.end(value.message);
            }
        });
    }

    private record?: ProgressRecord;

    private begin(params: WorkDoneProgressBegin): void {
        const cancellable = params.cancellable === true;
        this.record = {
            token: String(this.token), title: params.title, cancellable,
            location: cancellable ? 'notification' : 'window', messages: [], done: false,
        };
        this.onRecord(this.record);
        const location = cancellable ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
        void vscode.window.withProgress({ location, title: params.title, cancellable }, (progress, cancel) => {
            this.progress = progress;
            this.cancelListener = cancel.onCancellationRequested(() => {
                void this.client.sendNotification(WorkDoneProgressCancelNotification.type, { token: this.token });
            });
            this.report(params);
            return new Promise<void>((resolve) => {
                if (this.record?.done) {
                    resolve();
                } else {
                    this.finish = resolve;
                }
            });
        });
    }

    private report(params: WorkDoneProgressBegin | WorkDoneProgressReport): void {
        if (params.message) {
            this.record?.messages.push(params.message);
        }
        if (this.progress === undefined) {
            return;
        }
        if (typeof params.percentage === 'number') {
            const percentage = Math.max(0, Math.min(params.percentage, 100));
            const increment = Math.max(0, percentage - this.reported);
            this.reported += increment;
            this.progress.report({ message: params.message, increment });
        } else if (params.message) {
            this.progress.report({ message: params.message });
        }
    }

    end(message?: string): void {
        if (this.record) {
            this.record.done = true;
            if (message) {
                this.record.messages.push(message);
            }
        }
        this.listener?.dispose();
        this.listener = undefined;
        this.cancelListener?.dispose();
        this.finish?.();
        this.finish = undefined;
        this.onDone(this);
    }
}

export class ServerProgressFeature implements StaticFeature {
    private readonly parts = new Set<Part>();

    constructor(
        private readonly client: LanguageClient,
        private readonly onRecord: (record: ProgressRecord) => void,
    ) {}

    getState(): FeatureState {
        return { kind: 'static' };
    }

    fillClientCapabilities(capabilities: ClientCapabilities): void {
        capabilities.window = capabilities.window ?? {};
        capabilities.window.workDoneProgress = true;
    }

    initialize(): void {
        this.client.onRequest(WorkDoneProgressCreateRequest.type, (params: WorkDoneProgressCreateParams) => {
            this.parts.add(new Part(this.client, params.token, this.onRecord, (part) => this.parts.delete(part)));
        });
    }

    clear(): void {
        for (const part of [...this.parts]) {
            part.end();
        }
        this.parts.clear();
    }
}
