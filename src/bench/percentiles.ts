// Summaries of measured samples: nearest-rank percentiles (a reported p95 is a value that was
// actually measured, never an interpolation between two).

export interface Distribution {
    readonly count: number;
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
}

/** Nearest-rank percentile of `sorted` (ascending); 0 for no samples. */
export function percentile(sorted: readonly number[], fraction: number): number {
    if (sorted.length === 0) return 0;
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
    return sorted[rank - 1]!;
}

export function distributionOf(values: readonly number[], decimals = 3): Distribution {
    const sorted = [...values].sort((a, b) => a - b);
    const round = (value: number): number => Number(value.toFixed(decimals));
    const sum = sorted.reduce((total, value) => total + value, 0);
    return {
        count: sorted.length,
        p50: round(percentile(sorted, 0.5)),
        p95: round(percentile(sorted, 0.95)),
        p99: round(percentile(sorted, 0.99)),
        max: round(sorted[sorted.length - 1] ?? 0),
        mean: round(sorted.length > 0 ? sum / sorted.length : 0),
    };
}
