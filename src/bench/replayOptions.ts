// What every replay of the benchmark is given: the extension's engine parts (the text generator,
// the settings and the syntax guard), the seeded random that makes a run repeatable, and where
// progress lines go. The typing replay, the real-time replay and the real-time benchmark extend it.
import type { CompletionSettings } from "../core/completion/CompletionSettings";
import type { SyntaxGuard } from "../core/syntax/syntaxGuard";
import type { TextGenerator } from "../core/textGenerator";
import type { SeededRandom } from "./seededRandom";

export interface ReplayOptionsBase {
    readonly generator: TextGenerator;
    readonly settings: CompletionSettings;
    /** Undefined: no guard (the quality benchmark's guardOff variant). */
    readonly syntaxGuard: SyntaxGuard | undefined;
    readonly random: SeededRandom;
    /** Progress lines (stderr). */
    readonly progress?: (message: string) => void;
}

/** The real-time runs: on the clock, with the host's memory sampled, always with the guard. */
export interface RealtimeOptionsBase extends ReplayOptionsBase {
    readonly syntaxGuard: SyntaxGuard;
    /** The model host's resident memory in bytes (sampled every second). */
    readonly hostRssBytes: () => Promise<number>;
    readonly durationMs: number;
}
