// The variants the quality benchmark runs side by side, so each rule and setting is judged by its
// effect on the same spots: the extension's defaults, then one change each.
import type { CompletionSettings } from "../../core/completion/CompletionSettings";
import { DEFAULT_PROJECT_CONTEXT_MODE } from "../../core/context/ProjectContext";
import type { ProjectContextMode } from "../../core/context/ProjectContext";
import { UsageError } from "../../cli/cliArguments";

export interface QualityVariant {
    readonly name: string;
    readonly description: string;
    readonly settings?: Partial<Omit<CompletionSettings, "debounce">>;
    /** The tree-sitter syntax guard (default on). */
    readonly syntaxGuard?: boolean;
    /** Prompt-lookup speculative decoding in the model host (default off, as in the extension). */
    readonly speculative?: boolean;
    /** Erase + shift of the KV cache for window steps in the model host (default on, as in the extension). */
    readonly shiftWindow?: boolean;
    /** Project context (phi2.context); the extension's default when not given. */
    readonly context?: ProjectContextMode;
}

export const QUALITY_VARIANTS: readonly QualityVariant[] = [
    { name: "default", description: "the extension's defaults" },
    { name: "guardOff", description: "syntax guard off", syntaxGuard: false },
    { name: "multilineAlways", description: "phi2.multiline always", settings: { multiline: "always" } },
    { name: "multilineNever", description: "phi2.multiline never", settings: { multiline: "never" } },
    { name: "stopRulesMinimal", description: "only end-of-text and single-line stops", settings: { stopRules: "minimal" } },
    { name: "prompt128", description: "prompt window 128 tokens", settings: { maxPromptTokens: 128 } },
    { name: "prompt256", description: "prompt window 256 tokens", settings: { maxPromptTokens: 256 } },
    { name: "speculative", description: "speculative decoding on (speed)", speculative: true },
    { name: "noWindowShift", description: "window steps evaluated again, no KV erase + shift", shiftWindow: false },
    { name: "contextNone", description: "phi2.context none (the file only)", context: "none" },
    { name: "contextDefinitions", description: "phi2.context definitions", context: "definitions" },
    { name: "contextRecent", description: "phi2.context definitions+recent", context: "definitions+recent" },
];

/** The context mode a variant runs with. */
export function variantContext(variant: QualityVariant): ProjectContextMode {
    return variant.context ?? DEFAULT_PROJECT_CONTEXT_MODE;
}

export const DEFAULT_VARIANT = "default";

/** The variants named in a comma-separated list (all when undefined), default first. */
export function selectVariants(list: string | undefined): QualityVariant[] {
    if (list === undefined) return [...QUALITY_VARIANTS];
    const names = list.split(",").map((name) => name.trim()).filter((name) => name.length > 0);
    const unknown = names.filter((name) => !QUALITY_VARIANTS.some((variant) => variant.name === name));
    if (unknown.length > 0) throw new UsageError(`Unknown variant ${unknown.join(", ")}; the variants are ${QUALITY_VARIANTS.map((variant) => variant.name).join(", ")}.`);
    return QUALITY_VARIANTS.filter((variant) => variant.name === DEFAULT_VARIANT || names.includes(variant.name));
}
