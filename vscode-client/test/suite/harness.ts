// A small sequential test harness for the extension host (no test framework to bundle):
// tests run in order, each with a time limit; results go to $TXASYNC_E2E_RESULTS as JSON.

import * as fs from 'fs';

export interface Result {
    name: string;
    ok: boolean;
    ms: number;
    error?: string;
}

type Body = () => Promise<void>;

const tests: Array<{ name: string; body: Body; timeoutMs: number; critical: boolean }> = [];

export function test(name: string, body: Body, timeoutMs = 90000): void {
    tests.push({ name, body, timeoutMs, critical: false });
}

/** A test the others depend on: when it fails, the rest are reported failed without running. */
export function critical(name: string, body: Body, timeoutMs = 90000): void {
    tests.push({ name, body, timeoutMs, critical: true });
}

export async function runAll(resultsFile: string | undefined): Promise<Result[]> {
    const results: Result[] = [];
    const save = () => {
        if (resultsFile) {
            fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2));
        }
    };
    let blocker: string | undefined;
    for (const t of tests) {
        if (blocker !== undefined) {
            results.push({ name: t.name, ok: false, ms: 0, error: `not run: "${blocker}" failed` });
            continue;
        }
        const started = Date.now();
        let timer: NodeJS.Timeout | undefined;
        try {
            await Promise.race([
                t.body(),
                new Promise<never>((_, reject) => {
                    timer = setTimeout(() => reject(new Error(`timed out after ${t.timeoutMs / 1000}s`)), t.timeoutMs);
                }),
            ]);
            results.push({ name: t.name, ok: true, ms: Date.now() - started });
            console.log(`PASS ${t.name}`);
        } catch (error) {
            const message = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
            results.push({ name: t.name, ok: false, ms: Date.now() - started, error: message });
            console.log(`FAIL ${t.name}: ${message}`);
            if (t.critical) {
                blocker = t.name;
            }
        } finally {
            clearTimeout(timer);
        }
        save();
    }
    save();
    return results;
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a truthy value; fails with `what` and the last value seen. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 30000, everyMs = 200): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    let lastError: unknown;
    while (Date.now() < deadline) {
        try {
            last = await probe();
            lastError = undefined;
            if (last) {
                return last as NonNullable<T>;
            }
        } catch (error) {
            lastError = error;
        }
        await sleep(everyMs);
    }
    const seen = lastError !== undefined ? `error: ${lastError}` : `last value: ${JSON.stringify(last)}`;
    throw new Error(`timed out waiting for ${what} (${seen})`);
}

export function assert(condition: unknown, message: string): asserts condition {
    if (!condition) {
        throw new Error(`assertion failed: ${message}`);
    }
}
