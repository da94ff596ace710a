// Window steps without a full re-read. When the prompt window's start moves down (the user typed
// past a step), the new prompt is the cached one minus a range after the kept header:
// [header][dropped][body...] -> [header][body...][new]. Evaluating everything after the header again
// costs seconds per hundred tokens on a CPU; llama.cpp can instead erase the dropped range from the
// KV cache and shift the positions of what follows (node-llama-cpp's eraseContextTokenRanges). The
// shifted entries still carry what they attended to in the dropped range: an approximation the
// quality benchmark measures (README). This finds the range to drop.

/** The kept body must match for at least this many tokens, or the shift is not worth its approximation. */
export const MIN_SHIFTED_RUN_TOKENS = 32;

/**
 * How many cached tokens from `from` on to drop so that the cache continues `wanted` at `from`
 * for at least `minRun` tokens; undefined when no such range exists (an edit, not a window step).
 */
export function droppedRangeLength(cached: readonly number[], wanted: readonly number[], from: number, minRun = MIN_SHIFTED_RUN_TOKENS): number | undefined {
    if (wanted.length - from < minRun) return undefined;
    const first = wanted[from];
    for (let start = from + 1; start + minRun <= cached.length; start++) {
        if (cached[start] !== first) continue;
        let run = 1;
        while (run < minRun && cached[start + run] === wanted[from + run]) run++;
        if (run === minRun) return start - from;
    }
    return undefined;
}
