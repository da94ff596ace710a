// A scripted TextGenerator for engine tests: answers each generate() with chunks chosen by the
// test, streamed through onText like the model host does. `hold()` makes chunks wait for
// `release()`, to test requests that arrive while a generation is still running.
import type { GenerateOptions, PrefillOptions, PrefillResult, TextGenerator } from "../../../src/core/textGenerator";
import type { GenerationCounters, GenerationResult, StopReason } from "../../../src/core/types";

export function counters(promptTokens: number, generatedTokens: number): GenerationCounters {
    return { promptTokens, reusedTokens: 0, evaluatedTokens: promptTokens, generatedTokens, prefillMs: 1, generateMs: 2, totalMs: 3 };
}

export class FakeTextGenerator implements TextGenerator {
    readonly calls: GenerateOptions[] = [];
    readonly prefills: PrefillOptions[] = [];
    /** Called at the start of each generation (e.g. to move a fake clock). */
    onGenerate: ((options: GenerateOptions) => void) | undefined;
    failWith: Error | undefined;
    /** Keys the next request reports as evicted (its key was given their KV sequence), as the model host does. */
    evictOnNextRequest: string[] = [];
    private gate: Promise<void> | undefined;
    private openGate: (() => void) | undefined;
    private prefillGate: Promise<void> | undefined;
    private openPrefillGate: (() => void) | undefined;

    constructor(private readonly script: (options: GenerateOptions) => readonly string[]) {}

    /** Chunks after the first wait until release(). */
    hold(): void {
        this.gate = new Promise((resolve) => (this.openGate = resolve));
    }

    release(): void {
        this.openGate?.();
        this.gate = undefined;
    }

    /** Prefills wait until releasePrefills() or their abort (then they report completed: false). */
    holdPrefills(): void {
        this.prefillGate = new Promise((resolve) => (this.openPrefillGate = resolve));
    }

    releasePrefills(): void {
        this.openPrefillGate?.();
        this.prefillGate = undefined;
    }

    async generate(options: GenerateOptions): Promise<GenerationResult> {
        this.calls.push(options);
        this.onGenerate?.(options);
        this.reportEvictions(options);
        if (this.failWith) throw this.failWith;
        const chunks = this.script(options);
        let text = "";
        let stopReason: StopReason = "eos";
        let generated = 0;
        for (const chunk of chunks) {
            if (generated > 0 && this.gate) await this.gate;
            await Promise.resolve();
            if (options.signal?.aborted) {
                stopReason = "cancelled";
                break;
            }
            text += chunk;
            generated++;
            if (options.onText?.(chunk) === false) {
                stopReason = "stopRule";
                break;
            }
        }
        return { text, stopReason, counters: counters(options.prompt.length, generated) };
    }

    async prefill(options: PrefillOptions): Promise<PrefillResult> {
        this.prefills.push(options);
        this.reportEvictions(options);
        if (this.prefillGate) {
            const aborted = new Promise<void>((resolve) => options.signal?.addEventListener("abort", () => resolve(), { once: true }));
            await Promise.race([this.prefillGate, aborted]);
        }
        return { completed: !options.signal?.aborted, counters: counters(options.prompt.length, 0) };
    }

    private reportEvictions(options: GenerateOptions | PrefillOptions): void {
        for (const key of this.evictOnNextRequest.splice(0)) options.onKeyEvicted?.(key);
    }
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await Promise.resolve();
}

/**
 * A TextGenerator whose generations stream only what the test writes into them, and end when the
 * test ends them or their caller aborts: a slow model, token by token.
 */
export class LiveTextGenerator implements TextGenerator {
    readonly calls: GenerateOptions[] = [];
    private readonly live: { options: GenerateOptions; text: string; generated: number; end: (stopReason: StopReason) => void }[] = [];

    generate(options: GenerateOptions): Promise<GenerationResult> {
        this.calls.push(options);
        return new Promise((resolve) => {
            const call = {
                options, text: "", generated: 0,
                end: (stopReason: StopReason) => resolve({ text: call.text, stopReason, counters: counters(options.prompt.length, call.generated) }),
            };
            this.live.push(call);
            options.signal?.addEventListener("abort", () => call.end("cancelled"), { once: true });
        });
    }

    /** Streams `chunk` as generation `index`'s next token. */
    write(index: number, chunk: string): void {
        const call = this.live[index]!;
        call.text += chunk;
        call.generated++;
        call.options.onText?.(chunk);
    }

    end(index: number, stopReason: StopReason = "eos"): void {
        this.live[index]!.end(stopReason);
    }

    async prefill(options: PrefillOptions): Promise<PrefillResult> {
        return { completed: !options.signal?.aborted, counters: counters(options.prompt.length, 0) };
    }
}
