// `bench --server URL`: the typing replay against the local model host and against a llama-server
// running the same model, side by side in one run (evaluated tokens per request, wall-clock latency
// per request, their ratios), then the load table: N simulated users typing at once against the one
// server (`-np` slots), latency per user and evaluated tokens per request.
//
// Each simulated user sends its next request as soon as the previous one is answered (typing pauses
// are simulated, not waited for), so N users here are N users who never stop typing: a worst case.
import type { CompletionSettings } from "../core/completion/CompletionSettings";
import type { SyntaxGuard } from "../core/syntax/syntaxGuard";
import type { TextGenerator } from "../core/textGenerator";
import type { ServerInfo } from "../serverClient/ServerConnection";
import { ServerTextGenerator, type SlotAssignment } from "../serverClient/ServerTextGenerator";
import { distributionOf, type Distribution } from "./percentiles";
import type { PythonFunction } from "./pythonCorpus";
import { SeededRandom } from "./seededRandom";
import type { ShownSuggestionChecker } from "./ShownSuggestionChecker";
import { runTypingReplay, type ReplayReport } from "./typingReplay";

export interface ServerBenchOptions {
    readonly local: TextGenerator;
    readonly serverUrl: string;
    readonly apiKey?: string;
    /** Simulated user counts for the load table (e.g. 1, 4, 8); empty: no load table. */
    readonly users: readonly number[];
    readonly slotAssignment: SlotAssignment;
    readonly settings: CompletionSettings;
    readonly syntaxGuard: SyntaxGuard;
    readonly checker: ShownSuggestionChecker;
    readonly functions: readonly PythonFunction[];
    readonly seed: number;
    readonly promptRate: number;
    readonly generationRate: number;
    readonly progress: (message: string) => void;
}

/** One backend's figures from one typing replay. */
export interface ReplayFigures {
    readonly modelCalls: number;
    readonly prefills: number;
    readonly evaluatedPerCall: Distribution;
    readonly evaluatedTotal: number;
    readonly prefillEvaluatedTotal: number;
    readonly baselineTotal: number;
    readonly evaluatedToBaselineRatio: number;
    /** Wall-clock ms per answered (not cancelled) generate call. */
    readonly latencyMs: Distribution;
    readonly suggestionsShown: number;
}

export interface LoadRow {
    readonly users: number;
    readonly requests: number;
    readonly latencyMs: Distribution;
    readonly evaluatedPerCall: Distribution;
    readonly perUser: readonly { readonly user: number; readonly requests: number; readonly latencyP50: number; readonly latencyP95: number; readonly evaluatedMean: number }[];
    readonly wallSeconds: number;
    readonly requestsPerSecond: number;
}

export interface ServerBenchResult {
    readonly version: 1;
    readonly kind: "server";
    readonly server: ServerInfo & { readonly slotAssignment: SlotAssignment };
    readonly sideBySide: {
        readonly local: ReplayFigures;
        readonly server: ReplayFigures;
        /** server / local. */
        readonly latencyP50Ratio: number;
        readonly latencyP95Ratio: number;
        readonly evaluatedRatio: number;
    };
    readonly load: readonly LoadRow[];
}

export async function runServerBench(options: ServerBenchOptions): Promise<ServerBenchResult> {
    const connect = async (slotOffset: number): Promise<{ generator: ServerTextGenerator; info: ServerInfo }> => {
        const generator = new ServerTextGenerator({ url: options.serverUrl, apiKey: options.apiKey, slotAssignment: options.slotAssignment, slotOffset });
        return { generator, info: await generator.connection.connect() };
    };
    const replay = (generator: TextGenerator, user: number, progress?: (message: string) => void): Promise<ReplayReport> => {
        // Each user types the same functions from another starting point (another file at first).
        const functions = [...options.functions.slice(user % options.functions.length), ...options.functions.slice(0, user % options.functions.length)];
        return runTypingReplay({
            generator, settings: options.settings, syntaxGuard: options.syntaxGuard, checker: options.checker, functions,
            random: new SeededRandom(options.seed + 1 + user), promptRate: options.promptRate, generationRate: options.generationRate, progress,
        });
    };

    const first = await connect(0);
    try {
        options.progress(`server ${first.info.url}: ${first.info.modelPath}, ${first.info.slots} slots of ${first.info.slotContextSize} tokens`);
        options.progress("side by side: the replay on the local model host");
        const local = figuresOf(await replay(options.local, 0));
        options.progress("side by side: the same replay on the server");
        const server = figuresOf(await replay(first.generator, 0));
        const load: LoadRow[] = [];
        for (const users of options.users) {
            options.progress(`load: ${users} simulated users at once`);
            load.push(await runLoad(users, connect, replay));
        }
        return {
            version: 1,
            kind: "server",
            server: { ...first.info, slotAssignment: options.slotAssignment },
            sideBySide: {
                local,
                server,
                latencyP50Ratio: ratio(server.latencyMs.p50, local.latencyMs.p50),
                latencyP95Ratio: ratio(server.latencyMs.p95, local.latencyMs.p95),
                evaluatedRatio: ratio(server.evaluatedTotal + server.prefillEvaluatedTotal, local.evaluatedTotal + local.prefillEvaluatedTotal),
            },
            load,
        };
    } finally {
        first.generator.dispose();
    }
}

async function runLoad(
    users: number,
    connect: (slotOffset: number) => Promise<{ generator: ServerTextGenerator }>,
    replay: (generator: TextGenerator, user: number) => Promise<ReplayReport>,
): Promise<LoadRow> {
    // Offsets 0..N-1: with at least N slots every user's document has a slot of its own.
    const clients = await Promise.all(Array.from({ length: users }, (_, user) => connect(user)));
    try {
        const startedAt = performance.now();
        const reports = await Promise.all(clients.map((client, user) => replay(client.generator, user)));
        const wallSeconds = (performance.now() - startedAt) / 1000;
        const requests = reports.reduce((total, report) => total + report.generateLatencyMs.count, 0);
        const samples = reports.flatMap((report) => report.generateSamples);
        return {
            users,
            requests,
            latencyMs: distributionOf(samples.flatMap((sample) => (sample.latencyMs === undefined ? [] : [sample.latencyMs])), 1),
            evaluatedPerCall: distributionOf(samples.map((sample) => sample.evaluatedTokens), 1),
            perUser: reports.map((report, user) => ({
                user,
                requests: report.generateLatencyMs.count,
                latencyP50: report.generateLatencyMs.p50,
                latencyP95: report.generateLatencyMs.p95,
                evaluatedMean: report.promptTokensEvaluated.mean,
            })),
            wallSeconds: Math.round(wallSeconds * 10) / 10,
            requestsPerSecond: Math.round((requests / wallSeconds) * 10) / 10,
        };
    } finally {
        for (const client of clients) client.generator.dispose();
    }
}

function figuresOf(report: ReplayReport): ReplayFigures {
    return {
        modelCalls: report.modelCalls,
        prefills: report.prefills,
        evaluatedPerCall: report.promptTokensEvaluated,
        evaluatedTotal: report.evaluatedTokensTotal,
        prefillEvaluatedTotal: report.prefillEvaluatedTokensTotal,
        baselineTotal: report.baselineTokensTotal,
        evaluatedToBaselineRatio: report.evaluatedToBaselineRatio,
        latencyMs: report.generateLatencyMs,
        suggestionsShown: report.suggestionsShown,
    };
}

function ratio(numerator: number, denominator: number): number {
    return denominator > 0 ? Math.round((numerator / denominator) * 1000) / 1000 : 0;
}
