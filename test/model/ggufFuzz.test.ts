// Fuzzes the model file path: over a thousand mutants of the tiny Phi-2 GGUF (truncations at many
// offsets, bit flips in the header, KV and tensor infos, huge counts and lengths, wrong types,
// another architecture, zero tensors). Every one is validated in-process within a bound and either
// accepted or refused with a clear message; then every accepted one and a sample of the refused
// ones is loaded through the real model host, each ending within a bound with a working model or a
// clear error, never a crash, with the host's memory bounded.
// PHI2_FUZZ_HOST_SAMPLE sets how many accepted and how many refused mutants go through the host
// (default 30 and 20, to stay within CI time; "all" loads every accepted one).
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GgufFormatError, readGgufHeader } from "../../src/core/gguf/ggufHeader";
import { Phi2ModelError, readPhi2Model } from "../../src/core/gguf/phi2Model";
import { ModelHostClient, ModelHostError } from "../../src/hostClient/ModelHostClient";
import { bitFlipMutants, mutantBytes, mutantSource, targetedMutants, truncationMutants, type Mutant } from "../support/gguf/ggufMutants";
import { ensureRandomModel } from "../support/tinyModels";
import { HOST_SCRIPT, loadParams, requireBuiltHost } from "./hostHarness";

/** Far above the ~0.1 s a header takes here; a reader that spins on a huge length would blow it. */
const VALIDATION_BOUND_MS = 5000;
/** One load plus a short generation through the host on this shared machine. */
const HOST_BOUND_MS = 60_000;
/** The tiny model loaded needs ~150 MB; a reader materializing a huge array would need GBs. */
const HOST_RSS_BOUND_BYTES = 1024 * 1024 * 1024;
const HOST_SAMPLE = process.env.PHI2_FUZZ_HOST_SAMPLE === "all" ? Number.MAX_SAFE_INTEGER : Number(process.env.PHI2_FUZZ_HOST_SAMPLE ?? 0) || undefined;
const ACCEPTED_SAMPLE = HOST_SAMPLE ?? 30;
const REFUSED_SAMPLE = Math.min(HOST_SAMPLE ?? 20, 200);

/** Words that betray an internal error instead of a message written for a user. */
const INTERNAL_WORDING = /undefined|\[object|BigInt|The value of "|out of range|Invalid (string|array) length|Cannot read|Cannot mix|is not a function|\n\s+at |TypeError|RangeError|SyntaxError/;

interface Outcome {
    readonly mutant: Mutant;
    readonly accepted: boolean;
    readonly message?: string;
    readonly ms: number;
}

describe("GGUF fuzz: hostile model files", function () {
    this.timeout(1_800_000);
    let file: Uint8Array;
    let mutants: Mutant[];
    const outcomes: Outcome[] = [];

    before(async () => {
        requireBuiltHost();
        file = new Uint8Array(await readFile(await ensureRandomModel()));
        // Bit flips go into the header (metadata, vocabulary, tensor infos): the first ~1.4 MB of the 15 MB file.
        const { dataOffset: headerBytes } = await readGgufHeader(mutantSource(file, { label: "original", patches: [] }));
        mutants = [
            ...targetedMutants(file),
            ...truncationMutants(file, 200, 7),
            ...bitFlipMutants(file, 64, 100, 11),
            ...bitFlipMutants(file, headerBytes, 500, 13),
            { label: "1 MiB of garbage appended", length: file.length + (1 << 20), patches: [] },
        ];
    });

    it("validates at least 1,000 mutants in-process, each within a bound, with clear messages", async () => {
        assert.ok(mutants.length >= 1000, `only ${mutants.length} mutants`);
        const heapBefore = process.memoryUsage().heapUsed;
        let worstMs = 0;
        for (const mutant of mutants) {
            const start = performance.now();
            let outcome: Outcome;
            try {
                await readPhi2Model(mutantSource(file, mutant));
                outcome = { mutant, accepted: true, ms: performance.now() - start };
            } catch (error) {
                assert.ok(error instanceof GgufFormatError || error instanceof Phi2ModelError, `${mutant.label}: unexpected ${String(error)}`);
                outcome = { mutant, accepted: false, message: error.message, ms: performance.now() - start };
                assert.doesNotMatch(error.message, INTERNAL_WORDING, mutant.label);
            }
            assert.ok(outcome.ms < VALIDATION_BOUND_MS, `${mutant.label} took ${Math.round(outcome.ms)} ms`);
            worstMs = Math.max(worstMs, outcome.ms);
            outcomes.push(outcome);
        }
        const accepted = outcomes.filter((outcome) => outcome.accepted).length;
        const totalMs = outcomes.reduce((sum, outcome) => sum + outcome.ms, 0);
        console.log(`      ${outcomes.length} mutants: ${accepted} accepted, ${outcomes.length - accepted} refused; ${Math.round(totalMs)} ms in all, worst ${Math.round(worstMs)} ms; heap +${Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6)} MB`);
        assert.ok(outcomes.find((outcome) => outcome.mutant.label === "1 MiB of garbage appended")?.accepted, "trailing bytes are ignored");
    });

    it("loads every accepted mutant and a sample of the refused ones through the real host, each within a bound", async () => {
        assert.ok(outcomes.length > 0, "the in-process run comes first");
        const accepted = outcomes.filter((outcome) => outcome.accepted);
        const refused = outcomes.filter((outcome) => !outcome.accepted);
        const spread = <T,>(items: readonly T[], count: number): T[] => items.filter((_, index) => index % Math.max(1, Math.floor(items.length / count)) === 0).slice(0, count);
        const sample = [...spread(accepted, ACCEPTED_SAMPLE), ...spread(refused, REFUSED_SAMPLE)];
        const folder = await mkdtemp(join(tmpdir(), "phi2-fuzz-"));
        const client = new ModelHostClient({ hostScriptPath: HOST_SCRIPT, restart: { initialDelayMs: 10, maxCrashes: Number.MAX_SAFE_INTEGER } });
        const tally = { worked: 0, refused: 0, failedLater: 0 };
        let worstMs = 0;
        let maxRss = 0;
        try {
            for (const [index, outcome] of sample.entries()) {
                const modelPath = join(folder, `mutant-${index}.gguf`);
                await writeFile(modelPath, appendedBytes(file, outcome.mutant));
                const start = performance.now();
                try {
                    await client.load(loadParams(modelPath, { sequences: 1, contextSize: 256 }));
                    const result = await client.generate({ sequenceKey: "a", prompt: "def main():\n", maxTokens: 4 });
                    assert.ok(result.counters.generatedTokens > 0);
                    maxRss = Math.max(maxRss, (await client.stats()).rssBytes);
                    tally.worked++;
                } catch (error) {
                    assert.ok(error instanceof ModelHostError, `${outcome.mutant.label}: ${String(error)}`);
                    assert.notEqual(error.code, "HOST_EXITED", `${outcome.mutant.label} crashed the host: ${error.message}`);
                    assert.notEqual(error.code, "MODEL_CRASHED", `${outcome.mutant.label} crashed llama.cpp: ${error.message}`);
                    assert.doesNotMatch(error.message, INTERNAL_WORDING, outcome.mutant.label);
                    if (outcome.accepted) tally.failedLater++;
                    else tally.refused++;
                    if (!outcome.accepted) assert.ok(error.message.includes(outcome.message!), `${outcome.mutant.label}: the host says ${error.message}`);
                }
                const ms = performance.now() - start;
                worstMs = Math.max(worstMs, ms);
                assert.ok(ms < HOST_BOUND_MS, `${outcome.mutant.label} took ${Math.round(ms)} ms in the host`);
                await rm(modelPath, { force: true });
            }
            console.log(`      through the host: ${sample.length} mutants (${Math.min(accepted.length, ACCEPTED_SAMPLE)} of them accepted by validation): ${tally.worked} worked, ${tally.refused} refused with the validation's message, ${tally.failedLater} refused later by llama.cpp; worst ${Math.round(worstMs)} ms, host RSS max ${Math.round(maxRss / 1e6)} MB`);
            assert.ok(maxRss < HOST_RSS_BOUND_BYTES, `host RSS ${maxRss}`);
        } finally {
            client.dispose();
            await rm(folder, { recursive: true, force: true });
        }
    });
});

/** The mutant's bytes; a length beyond the original's is filled with zeros (appended garbage). */
function appendedBytes(file: Uint8Array, mutant: Mutant): Uint8Array {
    const length = mutant.length ?? file.length;
    if (length <= file.length) return mutantBytes(file, mutant);
    const bytes = new Uint8Array(length);
    bytes.set(mutantBytes(file, { ...mutant, length: file.length }));
    return bytes;
}
