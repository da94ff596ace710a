// The benchmark's seeded PRNG (mulberry32) plus the draws weight generation needs, so generated
// weights are the same on every machine and run.
import { SeededRandom } from "../../../src/bench/seededRandom";

export class WeightRandom extends SeededRandom {
    private spareNormal: number | undefined;

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
