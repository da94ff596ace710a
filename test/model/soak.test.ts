// Soak: many requests through the real model host, as the extension makes them: completions through
// the CompletionEngine (with the tree-sitter syntax guard), random cancellations, document switches
// (more documents than KV sequences, and documents closed and replaced by new ones), background
// prefills and explanations. After a warm-up, the host's RSS grows less than 10%, the suggestion
// cache, the engine's per-document state and the sequences in use stay within their bounds, no
// request is left pending and no abort listener, timer or handle is left behind.
// PHI2_SOAK_REQUESTS sets the length (CI default 500; `npm run soak` runs the full 10,000).
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

const REQUESTS = Number(process.env.PHI2_SOAK_REQUESTS ?? 500);
const SEQUENCES = 3;
/** Documents open at a time: twice the KV sequences, so switching evicts sequences. */
const OPEN_DOCUMENTS = 6;
/** Chance per request that a document is closed and another one opened in its place. */
const CLOSE_CHANCE = 0.01;
/** Requests before the RSS baseline: llama.cpp's buffers and the V8 heap settle first. */
const WARM_UP_REQUESTS = Math.min(200, Math.floor(REQUESTS / 2));
/**
 * RSS is sampled this often after the warm-up. It swings by tens of MB with the allocators; a leak
 * climbs: growth compares the median of the last third of the samples with the highest of the first third.
 */
const RSS_SAMPLE_EVERY = 25;
const MAX_RSS_GROWTH = 0.1;
/** Flights abandoned by a cancel finish within the engine's grace period; this bounds the wait for them. */
const SETTLE_MS = 10_000;

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
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
        const most = { sequencesInUse: 0, cachedSuggestions: 0, flights: 0, documentsWithPrompt: 0, pending: 0 };
        const handlesBefore = activeHandles();
        const timersBefore = activeTimers();
        let warmedAt = 0;
        const start = performance.now();
        try {
            await client.load(loadParams(await ensureRandomModel(), { sequences: SEQUENCES, contextSize: 2048 }));
            for (let index = 0; index < REQUESTS; index++) {
                if (index === WARM_UP_REQUESTS) warmedAt = performance.now();
                if (index >= WARM_UP_REQUESTS && (index - WARM_UP_REQUESTS) % RSS_SAMPLE_EVERY === 0) rssSamples.push((await client.stats()).rssBytes);
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
            const stats = await client.stats();
            rssSamples.push(stats.rssBytes);
            await sleep(20); // the last random cancel's timer (at most 8 ms)
            await waitFor(() => client.pendingRequests === 0 && engine.stateSizes.flights === 0, SETTLE_MS);
            const third = Math.max(1, Math.floor(rssSamples.length / 3));
            const baselineRss = Math.max(...rssSamples.slice(0, third));
            const finalRss = median(rssSamples.slice(-third));
            const growth = finalRss / baselineRss - 1;
            const seconds = (performance.now() - start) / 1000;
            const listenersLeft = signals.filter((signal) => getEventListeners(signal, "abort").length > 0).length;
            const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
            console.log(
                `      ${REQUESTS} requests in ${seconds.toFixed(0)} s (${(REQUESTS / seconds).toFixed(1)}/s; after warm-up ${((REQUESTS - WARM_UP_REQUESTS) / afterWarmUpSeconds).toFixed(1)}/s): ` +
                    `${outcomes.suggestions} suggestions, ${outcomes.noSuggestion} without one, ${outcomes.cancelled} cancelled, ${outcomes.explanations} explanations, ` +
                    `${outcomes.prefills} prefills, ${outcomes.closed} documents closed and replaced (${opened} opened in all)\n` +
                    `      host RSS after warm-up ${mb(baselineRss)} MB -> ${mb(finalRss)} MB (${(growth * 100).toFixed(1)}%, ${rssSamples.length} samples; min ${mb(Math.min(...rssSamples))}, max ${mb(Math.max(...rssSamples))} MB)\n` +
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
            assert.ok(growth < MAX_RSS_GROWTH, `host RSS grew ${(growth * 100).toFixed(1)}%`);
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
