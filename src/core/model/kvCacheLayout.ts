// How many KV sequences of how many tokens fit a memory budget. The KV cache is the model host's
// memory beyond the weights: f16 keys and values cost 2 x layers x KV width x 2 bytes per token
// (Phi-2: 320 KB), so 3 sequences x 2,048 tokens are 1.9 GB on top of a 1.8 GB model. The
// completion prompt rarely needs more than ~1,000 tokens on a CPU (it costs seconds per hundred),
// so fewer, shorter sequences keep memory near the model's size at no cost in suggestions.

/**
 * The default KV budget (MiB): with Phi-2 2 sequences x 768 tokens (480 MiB), so the host stays
 * within the model's size + 700 MB (weights, compute buffers and the runtime take the rest).
 */
export const DEFAULT_KV_CACHE_BUDGET_MB = 512;

export interface KvCacheShape {
    /** Transformer blocks. */
    readonly blocks: number;
    /** Width of the keys (= values) per token: heads_kv x head dimension. */
    readonly kvWidth: number;
}

export interface KvCacheLayout {
    readonly sequences: number;
    readonly contextSize: number;
}

/** f16 keys and values. */
const BYTES_PER_VALUE = 2;
/** Contexts are cut in steps of this many tokens (llama.cpp pads to 256 anyway). */
const CONTEXT_STEP = 256;
/** Below this a sequence holds too little of a file to be worth having. */
export const MIN_SEQUENCE_CONTEXT = 768;

export function kvBytesPerToken(shape: KvCacheShape): number {
    return 2 * shape.blocks * shape.kvWidth * BYTES_PER_VALUE;
}

/**
 * The layout within `budgetBytes`: the wanted context for as many of the wanted sequences as fit
 * (at least one); when even one does not fit, one sequence with the context that does (not below
 * MIN_SEQUENCE_CONTEXT). Two sequences keep the active document's cache while an explanation or
 * a second file runs; a third is a luxury when memory allows it.
 */
export function fitKvCache(shape: KvCacheShape, budgetBytes: number, wanted: KvCacheLayout): KvCacheLayout {
    const perToken = kvBytesPerToken(shape);
    if (!(perToken > 0) || !(budgetBytes > 0)) return wanted;
    const tokens = Math.floor(budgetBytes / perToken);
    for (let sequences = wanted.sequences; sequences >= 2; sequences--) {
        const context = Math.floor(tokens / sequences / CONTEXT_STEP) * CONTEXT_STEP;
        if (context >= wanted.contextSize) return { sequences, contextSize: wanted.contextSize };
        if (sequences === 2 && context >= MIN_SEQUENCE_CONTEXT) return { sequences, contextSize: context };
    }
    const single = Math.floor(tokens / CONTEXT_STEP) * CONTEXT_STEP;
    return { sequences: 1, contextSize: Math.max(Math.min(MIN_SEQUENCE_CONTEXT, wanted.contextSize), Math.min(wanted.contextSize, single)) };
}
