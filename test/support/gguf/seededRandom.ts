// A small seeded PRNG so generated weights are the same on every machine and run.

export class SeededRandom {
    private state: number;
    private spareNormal: number | undefined;

    constructor(seed: number) {
        this.state = seed >>> 0;
    }

    /** Uniform in [0, 1) (mulberry32). */
    next(): number {
        this.state = (this.state + 0x6d2b79f5) >>> 0;
        let t = this.state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }

    /** Standard normal (Box-Muller). */
    normal(): number {
        if (this.spareNormal !== undefined) {
            const spare = this.spareNormal;
            this.spareNormal = undefined;
            return spare;
        }
        const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
        const angle = 2 * Math.PI * this.next();
        this.spareNormal = radius * Math.sin(angle);
        return radius * Math.cos(angle);
    }

    /** Uniform values with mean 0 and standard deviation `scale` (cheaper than normal, fine for weights). */
    fillUniform(target: Float32Array, scale: number): Float32Array {
        const width = 2 * Math.sqrt(3) * scale;
        for (let i = 0; i < target.length; i++) target[i] = (this.next() - 0.5) * width;
        return target;
    }

    fillNormal(target: Float32Array, scale: number): Float32Array {
        for (let i = 0; i < target.length; i++) target[i] = this.normal() * scale;
        return target;
    }
}
