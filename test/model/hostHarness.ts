// Shared set-up for the model tests: a real ModelHostClient on the built host (dist/modelHost.mjs)
// with the tiny models, one thread (the machine is shared), and Python prompts of a given size.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ModelHostClient, type HostClientLogLevel, type HostState } from "../../src/hostClient/ModelHostClient";
import type { LoadParams } from "../../src/protocol/modelHostProtocol";

export const HOST_SCRIPT = resolve(import.meta.dirname, "../../dist/modelHost.mjs");

export function requireBuiltHost(): void {
    if (!existsSync(HOST_SCRIPT)) throw new Error(`${HOST_SCRIPT} is missing: run \`npm run build\` first (npm run test:model does).`);
}

export interface TestClient {
    readonly client: ModelHostClient;
    readonly logs: { level: HostClientLogLevel; message: string }[];
}

export function createClient(options: { restartDelayMs?: number } = {}): TestClient {
    requireBuiltHost();
    const logs: { level: HostClientLogLevel; message: string }[] = [];
    const client = new ModelHostClient({
        hostScriptPath: HOST_SCRIPT,
        log: (level, message) => logs.push({ level, message }),
        restart: { initialDelayMs: options.restartDelayMs ?? 100, maxDelayMs: 1000 },
    });
    return { client, logs };
}

export function loadParams(modelPath: string, overrides: Partial<LoadParams> = {}): LoadParams {
    return { modelPath, gpu: "off", threads: 1, contextSize: 2048, sequences: 2, prefillChunkTokens: 64, ...overrides };
}

/** Deterministic, realistic Python source; about `approxTokens` GPT-2 tokens (about 3.3 characters per token). */
export function pythonSource(approxTokens: number, seed = 1): string {
    const lines: string[] = ["import os", "import sys", "from . import helpers", ""];
    let index = seed;
    while (lines.join("\n").length < approxTokens * 3.3) {
        lines.push(
            `def compute_${index}(values, limit=${index % 7 + 1}):`,
            `    """Return the values of batch ${index} that differ from the limit."""`,
            `    result = [v * ${index % 5 + 2} for v in values if v != limit]`,
            `    if len(result) > ${index % 11}:`,
            `        return sorted(result)[:${index % 13 + 1}]`,
            `    return result`,
            "",
        );
        index++;
    }
    return lines.join("\n") + "\n";
}

export function elapsedSince(start: number): number {
    return performance.now() - start;
}

/** Resolves with the client's first state (the current one included) that `accept` takes. */
export function waitForState(client: ModelHostClient, accept: (state: HostState) => boolean, timeoutMs = 30_000): Promise<HostState> {
    if (accept(client.state)) return Promise.resolve(client.state);
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            subscription.dispose();
            reject(new Error(`state still ${JSON.stringify(client.state)} after ${timeoutMs} ms`));
        }, timeoutMs);
        const subscription = client.onDidChangeState((state) => {
            if (!accept(state)) return;
            clearTimeout(timer);
            subscription.dispose();
            resolve(state);
        });
    });
}
