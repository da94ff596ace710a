// Random k-quant blocks (Q4_K, Q5_K, Q6_K) written directly, without an f16 file and llama-quantize:
// random quants under one fixed scale per block, chosen so the dequantized weights have mean ~0 and
// standard deviation ~`weightStd`. llama.cpp's cost per token depends on the block types and the
// shapes, not on the values, so such a file runs exactly as fast as a real quantized model.
// Block layouts from ggml-common.h (QK_K = 256 values per block):
//   block_q4_K: d f16, dmin f16, scales[12], qs[128]            value = d*sc*q - dmin*m, q in 0..15
//   block_q5_K: d f16, dmin f16, scales[12], qh[32], qs[128]    value = d*sc*q - dmin*m, q in 0..31
//   block_q6_K: ql[128], qh[64], scales[16] (int8), d f16       value = d*sc*(q - 32),   q in 0..63
import { float32ToFloat16Bits } from "./float16";
import { GGML_BLOCK_BYTES, type GgmlBlockTypeName } from "./ggufFormat";

/** The 6-bit sub-block scale and min every Q4_K/Q5_K block uses (any value works; 32 is mid-range). */
const K_SUB_SCALE = 32;
/**
 * `scales[12]` of block_q4_K/block_q5_K with scale = min = 32 for all 8 sub-blocks, in ggml's
 * packing (get_scale_min_k4): bytes 0-3 hold the low 6 bits of scales 0-3 and the top 2 bits of
 * scales 4-7; bytes 4-7 the same for the mins; bytes 8-11 the low 4 bits of scales/mins 4-7.
 * 32 = 0b100000: low 6 bits 32, top 2 bits (of the high nibble part) 0b10, low nibbles 0.
 */
const PACKED_K_SCALES = Uint8Array.of(0xa0, 0xa0, 0xa0, 0xa0, 0xa0, 0xa0, 0xa0, 0xa0, 0, 0, 0, 0);
/** The int8 sub-block scale of Q6_K blocks. */
const Q6_SUB_SCALE = 16;

/** Standard deviation of a uniform integer in 0..levels-1. */
function uniformLevelStd(levels: number): number {
    return Math.sqrt((levels * levels - 1) / 12);
}

/** A fast seeded xorshift32 stream of bytes (quality is irrelevant here; speed is: ~1.8 GB of it). */
export class ByteNoise {
    private state: number;

    constructor(seed: number) {
        this.state = (seed >>> 0) || 0x9e3779b9;
    }

    fill(target: Uint8Array): void {
        const words = Math.floor(target.length / 4);
        const aligned = target.byteOffset % 4 === 0;
        let x = this.state;
        if (aligned) {
            const view = new Uint32Array(target.buffer, target.byteOffset, words);
            for (let i = 0; i < words; i++) {
                x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
                view[i] = x >>> 0;
            }
        }
        for (let i = aligned ? words * 4 : 0; i < target.length; i++) {
            x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
            target[i] = x & 0xff;
        }
        this.state = x >>> 0;
    }
}

/** Fills `target` (whole blocks of `type`) with random blocks whose values have std ~weightStd. */
export function fillRandomKQuantBlocks(type: GgmlBlockTypeName, target: Uint8Array, weightStd: number, noise: ByteNoise): void {
    const blockBytes = GGML_BLOCK_BYTES[type];
    if (target.length % blockBytes !== 0) throw new RangeError(`${target.length} bytes are not whole ${type} blocks of ${blockBytes}`);
    noise.fill(target);
    const view = new DataView(target.buffer, target.byteOffset, target.length);
    if (type === "q6_K") {
        const d = float32ToFloat16Bits(weightStd / (Q6_SUB_SCALE * uniformLevelStd(64)));
        for (let at = 0; at < target.length; at += blockBytes) {
            target.fill(Q6_SUB_SCALE, at + 192, at + 208);
            view.setUint16(at + 208, d, true);
        }
        return;
    }
    const levels = type === "q4_K" ? 16 : 32;
    const step = weightStd / (K_SUB_SCALE * uniformLevelStd(levels));
    const d = float32ToFloat16Bits(step);
    // dmin*m = d*sc*(mean level): the values are centred on 0.
    const dmin = float32ToFloat16Bits(step * (levels - 1) / 2);
    for (let at = 0; at < target.length; at += blockBytes) {
        view.setUint16(at, d, true);
        view.setUint16(at + 2, dmin, true);
        target.set(PACKED_K_SCALES, at + 4);
    }
}
