// A small seeded PRNG (mulberry32) so a benchmark run is repeatable: the same seed picks the same
// functions and the same typing rhythm. The tiny test models' weights come from it too
// (test/support/gguf/WeightRandom.ts).

export class SeededRandom {
    private state: number;

    constructor(seed: number) {
        this.state = seed >>> 0;
    }

    /** Uniform in [0, 1). */
    next(): number {
        this.state = (this.state + 0x6d2b79f5) >>> 0;
        let t = this.state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }

    /** Uniform in [low, high). */
    between(low: number, high: number): number {
        return low + (high - low) * this.next();
    }

    /** Whole number in [low, high]. */
    integer(low: number, high: number): number {
        return Math.min(high, low + Math.floor(this.next() * (high - low + 1)));
    }

    chance(probability: number): boolean {
        return this.next() < probability;
    }

    /** A shuffled copy (Fisher-Yates). */
    shuffle<T>(items: readonly T[]): T[] {
        const copy = [...items];
        for (let i = copy.length - 1; i > 0; i--) {
            const j = Math.floor(this.next() * (i + 1));
            [copy[i], copy[j]] = [copy[j]!, copy[i]!];
        }
        return copy;
    }
}
