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

    constructor(private readonly script: (options: GenerateOptions) => readonly string[]) {}

    /** Chunks after the first wait until release(). */
    hold(): void {
        this.gate = new Promise((resolve) => (this.openGate = resolve));
    }

    release(): void {
        this.openGate?.();
        this.gate = undefined;
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
        return { completed: true, counters: counters(options.prompt.length, 0) };
    }

    private reportEvictions(options: GenerateOptions | PrefillOptions): void {
        for (const key of this.evictOnNextRequest.splice(0)) options.onKeyEvicted?.(key);
    }
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await Promise.resolve();
}
