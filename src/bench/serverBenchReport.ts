// The table `bench --server URL` prints: the side-by-side replay (local host vs llama-server) and
// the load table (N simulated users against the one server).
import type { Distribution } from "./percentiles";
import type { ServerBenchResult } from "./serverBench";

export type ServerBenchOutput = ServerBenchResult & {
    readonly quick: boolean;
    readonly seed: number;
    readonly model: { readonly path: string; readonly threads: number; readonly contextSize: number };
    readonly durationMs: number;
};

function ms(d: Distribution): string {
    return `p50 ${d.p50.toFixed(1)} ms  p95 ${d.p95.toFixed(1)} ms  (n=${d.count})`;
}

function tokens(d: Distribution): string {
    return `mean ${d.mean.toFixed(1)}  p50 ${d.p50}  p95 ${d.p95}`;
}

export function formatServerTable(result: ServerBenchOutput): string {
    const { local, server } = result.sideBySide;
    const rows: [string, string, string][] = [
        ["model calls / prefills", `${local.modelCalls} / ${local.prefills}`, `${server.modelCalls} / ${server.prefills}`],
        ["prompt tokens evaluated per call", tokens(local.evaluatedPerCall), tokens(server.evaluatedPerCall)],
        ["evaluated total (+ prefill) / baseline", `${local.evaluatedTotal} + ${local.prefillEvaluatedTotal} / ${local.baselineTotal}`, `${server.evaluatedTotal} + ${server.prefillEvaluatedTotal} / ${server.baselineTotal}`],
        ["latency per answered call (wall clock)", ms(local.latencyMs), ms(server.latencyMs)],
        ["suggestions shown", String(local.suggestionsShown), String(server.suggestionsShown)],
    ];
    const width = Math.max(...rows.map((row) => row[0].length));
    const localWidth = Math.max("local model host".length, ...rows.map((row) => row[1].length));
    const out: string[] = [
        `phi2-complete bench --server${result.quick ? " (quick)" : ""}: ${result.model.path}, ${result.model.threads} threads locally, seed ${result.seed}, ${(result.durationMs / 1000).toFixed(1)} s`,
        `server ${result.server.url}: ${result.server.modelPath}, ${result.server.slots} slots of ${result.server.slotContextSize} tokens, slots ${result.server.slotAssignment}${result.server.buildInfo ? `, ${result.server.buildInfo}` : ""}`,
        "",
        "Side by side: the same typing replay",
        `  ${"".padEnd(width)}  ${"local model host".padEnd(localWidth)}  llama-server`,
        ...rows.map(([metric, left, right]) => `  ${metric.padEnd(width)}  ${left.padEnd(localWidth)}  ${right}`),
        `  server / local: latency p50 x${result.sideBySide.latencyP50Ratio}, p95 x${result.sideBySide.latencyP95Ratio}, evaluated tokens x${result.sideBySide.evaluatedRatio}`,
    ];
    if (result.load.length > 0) {
        out.push("", `Load: N simulated users typing without pause against ${result.server.slots} slots`);
        out.push("  users  requests  req/s  latency p50  latency p95  evaluated/call  per user p95 (ms)");
        for (const row of result.load) {
            out.push(
                `  ${String(row.users).padStart(5)}  ${String(row.requests).padStart(8)}  ${row.requestsPerSecond.toFixed(1).padStart(5)}  ` +
                    `${row.latencyMs.p50.toFixed(1).padStart(8)} ms  ${row.latencyMs.p95.toFixed(1).padStart(8)} ms  ${row.evaluatedPerCall.mean.toFixed(1).padStart(14)}  ` +
                    row.perUser.map((user) => user.latencyP95.toFixed(0)).join(" "),
            );
        }
    }
    return `${out.join("\n")}\n`;
}
