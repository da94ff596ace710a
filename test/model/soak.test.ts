// Soak: many completion requests through the real model host with random cancellations, document
// switches (more documents than KV sequences), background prefills and explanations. After a
// warm-up, the host's RSS grows less than 10%, the sequences in use stay within the pool, no request
// is left pending and no abort listener or handle is left behind.
// PHI2_SOAK_REQUESTS sets the length (CI default 500; the full run is 10,000).
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import { SeededRandom } from "../../src/bench/seededRandom";
import { ensureRandomModel } from "../support/tinyModels";
import { HOST_SCRIPT, loadParams, pythonSource, requireBuiltHost } from "./hostHarness";

const REQUESTS = Number(process.env.PHI2_SOAK_REQUESTS ?? 500);
const SEQUENCES = 3;
const DOCUMENTS = 6;
/** Requests before the RSS baseline: llama.cpp's buffers and the V8 heap settle first. */
const WARM_UP_REQUESTS = Math.min(200, Math.floor(REQUESTS / 2));
/**
 * RSS is sampled this often after the warm-up. It swings by tens of MB with the allocators; a leak
 * climbs: growth compares the median of the last third of the samples with the highest of the first third.
 */
const RSS_SAMPLE_EVERY = 25;
const MAX_RSS_GROWTH = 0.1;

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}

function activeHandles(): number {
    return (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
}

describe("soak: requests through the host", function () {
    this.timeout(3_600_000);

    it(`serves ${REQUESTS} requests with cancels, document switches and explanations without growing`, async () => {
        requireBuiltHost();
        const client = new ModelHostClient({ hostScriptPath: HOST_SCRIPT, restart: { enabled: false } });
        const random = new SeededRandom(5);
        const documents = Array.from({ length: DOCUMENTS }, (_, index) => pythonSource(300 + index * 40, index + 1));
        const signals: AbortSignal[] = [];
        const outcomes = { completed: 0, cancelled: 0, explanations: 0, prefills: 0 };
        const rssSamples: number[] = [];
        let maxSequencesInUse = 0;
        const handlesBefore = activeHandles();
        const start = performance.now();
        try {
            await client.load(loadParams(await ensureRandomModel(), { sequences: SEQUENCES, contextSize: 2048 }));
            for (let index = 0; index < REQUESTS; index++) {
                if (index >= WARM_UP_REQUESTS && (index - WARM_UP_REQUESTS) % RSS_SAMPLE_EVERY === 0) rssSamples.push((await client.stats()).rssBytes);
                const document = random.integer(0, DOCUMENTS - 1);
                // Typing at a random place of the document: a prefix of it, cut mid-line.
                const text = documents[document]!;
                const prompt = text.slice(0, random.integer(Math.floor(text.length / 2), text.length));
                const controller = new AbortController();
                signals.push(controller.signal);
                const roll = random.next();
                let request: Promise<unknown>;
                if (roll < 0.05) {
                    outcomes.explanations++;
                    request = client.generate({ sequenceKey: "explain", prompt: `Instruct: explain\n${prompt.slice(-400)}\nOutput:`, maxTokens: 24, priority: "background", signal: controller.signal });
                } else if (roll < 0.15) {
                    outcomes.prefills++;
                    request = client.prefill({ sequenceKey: `doc${document}`, prompt, priority: "background", signal: controller.signal });
                } else {
                    request = client.generate({ sequenceKey: `doc${document}`, prompt, maxTokens: random.integer(1, 12), timeCapMs: 4000, signal: controller.signal });
                }
                if (random.chance(0.3)) setTimeout(() => controller.abort(), random.integer(0, 8));
                const result = (await request) as { stopReason?: string };
                if (result.stopReason === "cancelled") outcomes.cancelled++;
                else outcomes.completed++;
                if (index % 50 === 0) maxSequencesInUse = Math.max(maxSequencesInUse, (await client.stats()).sequencesInUse);
            }
            const stats = await client.stats();
            rssSamples.push(stats.rssBytes);
            const third = Math.max(1, Math.floor(rssSamples.length / 3));
            const baselineRss = Math.max(...rssSamples.slice(0, third));
            const finalRss = median(rssSamples.slice(-third));
            const growth = finalRss / baselineRss - 1;
            const seconds = (performance.now() - start) / 1000;
            console.log(
                `      ${REQUESTS} requests in ${seconds.toFixed(0)} s: ${outcomes.completed} completed, ${outcomes.cancelled} cancelled, ` +
                    `${outcomes.explanations} explanations, ${outcomes.prefills} prefills; host RSS after warm-up ${(baselineRss / 1e6).toFixed(1)} MB -> ` +
                    `${(finalRss / 1e6).toFixed(1)} MB (${(growth * 100).toFixed(1)}%, ${rssSamples.length} samples; min ${(Math.min(...rssSamples) / 1e6).toFixed(1)}, max ${(Math.max(...rssSamples) / 1e6).toFixed(1)} MB); sequences in use max ${maxSequencesInUse} of ${SEQUENCES}; pending ${client.pendingRequests}`,
            );
            assert.equal(client.pendingRequests, 0, "a request was left pending");
            assert.ok(maxSequencesInUse <= SEQUENCES);
            assert.ok(growth < MAX_RSS_GROWTH, `host RSS grew ${(growth * 100).toFixed(1)}%`);
            assert.deepEqual(signals.filter((signal) => getEventListeners(signal, "abort").length > 0).length, 0, "abort listeners left on signals");
        } finally {
            client.dispose();
        }
        // The killed host's process and pipes close once its exit is processed (slow on a loaded machine).
        for (let waited = 0; activeHandles() > handlesBefore && waited < 10_000; waited += 100) await new Promise((wake) => setTimeout(wake, 100));
        assert.ok(activeHandles() <= handlesBefore, `handles before ${handlesBefore}, after ${activeHandles()}`);
    });
});
