// IPC cost: generation throughput through the model host (a child process, streamed text over IPC)
// against the host's engine (src/modelHost/engine/ModelEngine.ts) called directly in this process:
// same model file, same settings, same prompt and token count, runs interleaved (host, direct,
// direct, host, ...) so machine load affects both alike.
import type { TextGenerator } from "../core/textGenerator";
import type { LoadParams } from "../protocol/modelHostProtocol";
import type { ModelEngineModule } from "./benchModel";
import { percentile } from "./percentiles";

export interface IpcOptions {
    readonly host: TextGenerator;
    /** src/modelHost/engine/ModelEngine.ts, for the in-process side. */
    readonly engineModule: ModelEngineModule;
    readonly loadParams: LoadParams;
    readonly prompt: string;
    readonly tokensPerRun: number;
    readonly rounds: number;
}

export interface IpcReport {
    /** Host tokens/s divided by direct tokens/s (1 = no cost): the median over rounds of adjacent runs. */
    readonly throughputRatio: number;
    readonly roundRatios: { readonly min: number; readonly max: number };
    readonly hostTokensPerSecond: number;
    readonly directTokensPerSecond: number;
    readonly rounds: number;
    readonly tokensPerRun: number;
}

const IPC_SEQUENCE = "bench://ipc";

interface Run {
    readonly tokens: number;
    readonly ms: number;
}

export async function measureIpcThroughput(options: IpcOptions): Promise<IpcReport> {
    const engine = new options.engineModule.ModelEngine(() => undefined);
    // One sequence is enough for the direct side (the host keeps its own sequence count).
    await engine.load({ ...options.loadParams, sequences: 1 }, () => undefined);
    try {
        const viaHost = async (): Promise<Run> => {
            const started = performance.now();
            // The host streams every token's text over IPC, as for the editor's requests.
            const result = await options.host.generate({ sequenceKey: IPC_SEQUENCE, prompt: options.prompt, maxTokens: options.tokensPerRun, onText: () => undefined });
            return { tokens: result.counters.generatedTokens, ms: performance.now() - started };
        };
        const direct = async (): Promise<Run> => {
            const started = performance.now();
            const result = await engine.generate(
                { sequenceKey: IPC_SEQUENCE, prompt: options.prompt, maxTokens: options.tokensPerRun },
                new AbortController().signal,
                () => undefined,
            );
            return { tokens: result.counters.generatedTokens, ms: performance.now() - started };
        };
        // Warm both (first evaluation of the prompt, allocations).
        await viaHost();
        await direct();
        const hostRuns: Run[] = [];
        const directRuns: Run[] = [];
        for (let round = 0; round < options.rounds; round++) {
            if (round % 2 === 0) {
                hostRuns.push(await viaHost());
                directRuns.push(await direct());
            } else {
                directRuns.push(await direct());
                hostRuns.push(await viaHost());
            }
        }
        const rate = (runs: readonly Run[]): number => {
            const tokens = runs.reduce((total, run) => total + run.tokens, 0);
            const ms = runs.reduce((total, run) => total + run.ms, 0);
            return ms > 0 ? (tokens * 1000) / ms : 0;
        };
        const hostRate = rate(hostRuns);
        const directRate = rate(directRuns);
        const ratios = hostRuns.map((run, index) => rate([run]) / Math.max(1e-9, rate([directRuns[index]!]))).sort((a, b) => a - b);
        return {
            throughputRatio: Number(percentile(ratios, 0.5).toFixed(4)),
            roundRatios: { min: Number(ratios[0]!.toFixed(4)), max: Number(ratios[ratios.length - 1]!.toFixed(4)) },
            hostTokensPerSecond: Number(hostRate.toFixed(1)),
            directTokensPerSecond: Number(directRate.toFixed(1)),
            rounds: options.rounds,
            tokensPerRun: options.tokensPerRun,
        };
    } finally {
        await engine.unload();
    }
}
