// Soak: many requests through the real model host, as the extension makes them: completions through
// the CompletionEngine (with the tree-sitter syntax guard), random cancellations, document switches
// (more documents than KV sequences, and documents closed and replaced by new ones), background
// prefills and explanations. After a warm-up, the host's native memory grows less than 10%, the suggestion
// cache, the engine's per-document state and the sequences in use stay within their bounds, no
// request is left pending and no abort listener, timer or handle is left behind.
// PHI2_SOAK_REQUESTS sets the length (CI default 1,000; `npm run soak` runs the full 10,000).
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { CompletionEngine } from "../../src/core/completion/CompletionEngine";
import { DEFAULT_COMPLETION_SETTINGS } from "../../src/core/completion/CompletionSettings";
import { createTextSnapshot } from "../../src/core/python/textSnapshot";
import { createTreeSitterSyntaxGuard } from "../../src/core/syntax/treeSitterSyntaxGuard";
import type { DocumentSnapshot, Position } from "../../src/core/types";
import { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import { SeededRandom } from "../../src/bench/seededRandom";
import { locateTreeSitterWasmDirectory } from "../../src/cli/treeSitterWasm";
import { ensureRandomModel } from "../support/tinyModels";
import { HOST_SCRIPT, loadParams, pythonSource, requireBuiltHost } from "./hostHarness";

const REQUESTS = Number(process.env.PHI2_SOAK_REQUESTS ?? 1000);
const SEQUENCES = 3;
/** Documents open at a time: twice the KV sequences, so switching evicts sequences. */
const OPEN_DOCUMENTS = 6;
/** Chance per request that a document is closed and another one opened in its place. */
const CLOSE_CHANCE = 0.01;
/**
 * Requests before the memory baseline. Measured over 1,000 and 2,000 requests, the host's native
 * memory (RSS minus the V8 heap) climbs ~20% over the first ~550 requests (pages of the KV cache
 * and llama.cpp's buffers touched for the first time, allocator arenas) and is flat after.
 */
const WARM_UP_REQUESTS = Math.min(600, Math.floor(REQUESTS * 0.6));
/**
 * Memory is sampled this often after the warm-up; growth compares the median of the last third of
 * the samples with the highest of the first third (a leak climbs, allocator noise does not).
 */
const MEMORY_SAMPLE_EVERY = 25;
/** For the native memory (llama.cpp, node-llama-cpp's buffers): where a leak per request would show. */
const MAX_NATIVE_GROWTH = 0.1;
/**
 * For the whole RSS, a coarser bound: the host's V8 heap alone swings by ~30 MB (~11% of the RSS)
 * between major collections, a sawtooth that a short run can catch on its way up.
 */
const MAX_RSS_GROWTH = 0.25;
/** Flights abandoned by a cancel finish within the engine's grace period; this bounds the wait for them. */
const SETTLE_MS = 10_000;

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}

/** The median of the last third of the samples over the highest of the first third, minus 1. */
function lateGrowth(samples: readonly number[]): { readonly baseline: number; readonly late: number; readonly growth: number } {
    const third = Math.max(1, Math.floor(samples.length / 3));
    const baseline = Math.max(...samples.slice(0, third));
    const late = median(samples.slice(-third));
    return { baseline, late, growth: late / baseline - 1 };
}

function activeHandles(): number {
    return (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
}

function activeTimers(): number {
    return process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
}

function sleep(ms: number): Promise<void> {
    return new Promise((wake) => setTimeout(wake, ms));
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
    for (let waited = 0; !condition() && waited < timeoutMs; waited += 50) await sleep(50);
}

/** A random cursor: the end of a line, or inside it (typing in the middle of code). */
function randomPosition(document: DocumentSnapshot, random: SeededRandom): Position {
    const line = random.integer(Math.floor(document.lineCount / 3), document.lineCount - 1);
    const length = document.lineAt(line).length;
    return { line, character: random.chance(0.6) ? length : random.integer(0, length) };
}

describe("soak: requests through the host", function () {
    this.timeout(Math.max(3_600_000, REQUESTS * 1000));

    it(`serves ${REQUESTS} requests with cancels, document switches and explanations without growing`, async () => {
        requireBuiltHost();
        const client = new ModelHostClient({ hostScriptPath: HOST_SCRIPT, restart: { enabled: false } });
        const syntaxGuard = await createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory() });
        const settings = DEFAULT_COMPLETION_SETTINGS;
        const engine = new CompletionEngine(client, { settings, syntaxGuard });
        const random = new SeededRandom(5);
        let opened = 0;
        const openDocument = (): DocumentSnapshot => {
            opened++;
            return createTextSnapshot(pythonSource(300 + (opened % 7) * 40, opened), { uri: `file:///soak/module_${opened}.py` });
        };
        const documents = Array.from({ length: OPEN_DOCUMENTS }, openDocument);
        const signals: AbortSignal[] = [];
        const outcomes = { suggestions: 0, noSuggestion: 0, cancelled: 0, explanations: 0, prefills: 0, closed: 0 };
        const rssSamples: number[] = [];
        /** RSS minus the V8 heap's committed size, sampled with rssSamples. */
        const nativeSamples: number[] = [];
        const sampleMemory = async (): Promise<void> => {
            const { rssBytes, heapTotalBytes } = await client.stats();
            rssSamples.push(rssBytes);
            nativeSamples.push(rssBytes - heapTotalBytes);
        };
        const most = { sequencesInUse: 0, cachedSuggestions: 0, flights: 0, documentsWithPrompt: 0, pending: 0 };
        const handlesBefore = activeHandles();
        const timersBefore = activeTimers();
        let warmedAt = 0;
        const start = performance.now();
        try {
            await client.load(loadParams(await ensureRandomModel(), { sequences: SEQUENCES, contextSize: 2048 }));
            for (let index = 0; index < REQUESTS; index++) {
                if (index === WARM_UP_REQUESTS) warmedAt = performance.now();
                if (index >= WARM_UP_REQUESTS && (index - WARM_UP_REQUESTS) % MEMORY_SAMPLE_EVERY === 0) await sampleMemory();
                const slot = random.integer(0, OPEN_DOCUMENTS - 1);
                if (random.chance(CLOSE_CHANCE)) {
                    // The editor closed this document (onDidCloseTextDocument) and the user opened another.
                    engine.forgetDocument(documents[slot]!.uri);
                    documents[slot] = openDocument();
                    outcomes.closed++;
                }
                const document = documents[slot]!;
                const position = randomPosition(document, random);
                const controller = new AbortController();
                signals.push(controller.signal);
                const roll = random.next();
                if (random.chance(0.3)) setTimeout(() => controller.abort(), random.integer(0, 8));
                if (roll < 0.05) {
                    outcomes.explanations++;
                    const code = Array.from({ length: 12 }, (_, offset) => document.lineAt(Math.min(document.lineCount - 1, position.line + offset))).join("\n");
                    const result = await client.generate({ sequenceKey: "explain", prompt: `Instruct: explain this code.\n${code}\nOutput:`, maxTokens: 24, priority: "background", signal: controller.signal });
                    if (result.stopReason === "cancelled") outcomes.cancelled++;
                } else if (roll < 0.15) {
                    outcomes.prefills++;
                    await engine.prefill(document, position, controller.signal);
                } else {
                    const outcome = await engine.complete({ document, position, signal: controller.signal, trigger: random.chance(0.5) ? "automatic" : "explicit" });
                    if (outcome.reason === "cancelled") outcomes.cancelled++;
                    else if (outcome.suggestion) outcomes.suggestions++;
                    else outcomes.noSuggestion++;
                }
                if (index % 50 === 0) {
                    const sizes = engine.stateSizes;
                    most.sequencesInUse = Math.max(most.sequencesInUse, (await client.stats()).sequencesInUse);
                    most.cachedSuggestions = Math.max(most.cachedSuggestions, sizes.cachedSuggestions);
                    most.flights = Math.max(most.flights, sizes.flights);
                    most.documentsWithPrompt = Math.max(most.documentsWithPrompt, sizes.documentsWithPrompt);
                    most.pending = Math.max(most.pending, client.pendingRequests);
                }
            }
            const afterWarmUpSeconds = (performance.now() - warmedAt) / 1000;
            await sampleMemory();
            await sleep(20); // the last random cancel's timer (at most 8 ms)
            await waitFor(() => client.pendingRequests === 0 && engine.stateSizes.flights === 0, SETTLE_MS);
            const rss = lateGrowth(rssSamples);
            const native = lateGrowth(nativeSamples);
            const seconds = (performance.now() - start) / 1000;
            const listenersLeft = signals.filter((signal) => getEventListeners(signal, "abort").length > 0).length;
            const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
            console.log(
                `      ${REQUESTS} requests in ${seconds.toFixed(0)} s (${(REQUESTS / seconds).toFixed(1)}/s; after warm-up ${((REQUESTS - WARM_UP_REQUESTS) / afterWarmUpSeconds).toFixed(1)}/s): ` +
                    `${outcomes.suggestions} suggestions, ${outcomes.noSuggestion} without one, ${outcomes.cancelled} cancelled, ${outcomes.explanations} explanations, ` +
                    `${outcomes.prefills} prefills, ${outcomes.closed} documents closed and replaced (${opened} opened in all)\n` +
                    `      host after warm-up (${rssSamples.length} samples): native ${mb(native.baseline)} MB -> ${mb(native.late)} MB (${(native.growth * 100).toFixed(1)}%), ` +
                    `RSS ${mb(rss.baseline)} MB -> ${mb(rss.late)} MB (${(rss.growth * 100).toFixed(1)}%; min ${mb(Math.min(...rssSamples))}, max ${mb(Math.max(...rssSamples))} MB)\n` +
                    `      most at once: sequences in use ${most.sequencesInUse} of ${SEQUENCES}, cached suggestions ${most.cachedSuggestions} of ${settings.cacheEntries}, ` +
                    `flights ${most.flights}, documents with a prompt ${most.documentsWithPrompt} of ${OPEN_DOCUMENTS} open, pending requests ${most.pending}\n` +
                    `      at the end: pending ${client.pendingRequests}, flights ${engine.stateSizes.flights}, abort listeners left ${listenersLeft} of ${signals.length} signals, ` +
                    `timers ${timersBefore} -> ${activeTimers()}, test process heap ${mb(process.memoryUsage().heapUsed)} MB`,
            );
            assert.equal(client.pendingRequests, 0, "a request was left pending");
            assert.equal(engine.stateSizes.flights, 0, "a generation flight was left running");
            assert.ok(most.sequencesInUse <= SEQUENCES);
            assert.ok(most.cachedSuggestions <= settings.cacheEntries, `suggestion cache held ${most.cachedSuggestions} entries`);
            assert.ok(most.documentsWithPrompt <= OPEN_DOCUMENTS, `per-document prompts for ${most.documentsWithPrompt} documents, ${OPEN_DOCUMENTS} open`);
            assert.ok(native.growth < MAX_NATIVE_GROWTH, `host native memory grew ${(native.growth * 100).toFixed(1)}%`);
            assert.ok(rss.growth < MAX_RSS_GROWTH, `host RSS grew ${(rss.growth * 100).toFixed(1)}%`);
            assert.equal(listenersLeft, 0, "abort listeners left on signals");
            assert.ok(activeTimers() <= timersBefore, `timers before ${timersBefore}, after ${activeTimers()}`);
        } finally {
            engine.dispose();
            syntaxGuard.dispose();
            client.dispose();
        }
        // The killed host's process and pipes close once its exit is processed (slow on a loaded machine).
        await waitFor(() => activeHandles() <= handlesBefore, 10_000);
        assert.ok(activeHandles() <= handlesBefore, `handles before ${handlesBefore}, after ${activeHandles()}`);
    });
});
