// IEEE 754 binary16 conversion (round to nearest, ties to even), for writing f16 tensors.

const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

export function float32ToFloat16Bits(value: number): number {
    scratchFloat[0] = value;
    return float32BitsToFloat16Bits(scratchBits[0]);
}

/** Same as float32ToFloat16Bits, from the raw bits of a float32 (fast path for whole tensors). */
export function float32BitsToFloat16Bits(bits: number): number {
    const sign = (bits >>> 16) & 0x8000;
    const exponent = (bits >>> 23) & 0xff;
    const mantissa = bits & 0x7fffff;

    if (exponent === 0xff) {
        // Infinity stays infinity; NaN keeps a quiet payload bit.
        return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
    }
    const halfExponent = exponent - 127 + 15;
    if (halfExponent >= 0x1f) return sign | 0x7c00; // overflow -> infinity
    if (halfExponent <= 0) {
        // Subnormal half (or zero): shift the mantissa with its implicit leading 1.
        if (halfExponent < -10) return sign;
        const fullMantissa = mantissa | 0x800000;
        const shift = 14 - halfExponent;
        let half = fullMantissa >>> shift;
        const remainder = fullMantissa & ((1 << shift) - 1);
        const halfway = 1 << (shift - 1);
        if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half += 1;
        return sign | half;
    }
    let half = (halfExponent << 10) | (mantissa >>> 13);
    const remainder = mantissa & 0x1fff;
    // A carry out of the mantissa correctly bumps the exponent (up to infinity).
    if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half += 1;
    return sign | half;
}

export function float16BitsToFloat32(bits: number): number {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >>> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) return sign * mantissa * 2 ** -24;
    if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
    return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
