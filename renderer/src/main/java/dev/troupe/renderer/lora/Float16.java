package dev.troupe.renderer.lora;

/**
 * IEEE 754 half precision and bfloat16 conversions (Java 17 has no {@code Float.float16ToFloat}). Narrowing rounds
 * to nearest, ties to even, like numpy and torch, so that a merged fp16 weight is the one a Python merge would give.
 */
final class Float16 {
    private Float16() {
    }

    /** Widens IEEE half bits to float, exactly (every half value is a float). */
    static float toFloat(short halfBits) {
        int h = halfBits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) { // infinity or NaN: keep the payload
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal half: value = mantissa * 2^-24
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }

    /** Narrows float to IEEE half bits, round to nearest even; overflow gives infinity. */
    static short fromFloat(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int exponent = (f >>> 23) & 0xFF;
        int mantissa = f & 0x7FFFFF;
        if (exponent == 0xFF) { // infinity or NaN (keep NaN quiet and non-zero)
            return (short) (sign | 0x7C00 | (mantissa != 0 ? 0x200 | (mantissa >>> 13) : 0));
        }
        int unbiased = exponent - 127;
        if (unbiased > 15) {
            return (short) (sign | 0x7C00);
        }
        if (unbiased >= -14) { // normal half
            int halfExponent = unbiased + 15;
            int halfMantissa = mantissa >>> 13;
            int rest = mantissa & 0x1FFF;
            int bits = (halfExponent << 10) | halfMantissa;
            if (rest > 0x1000 || (rest == 0x1000 && (halfMantissa & 1) == 1)) {
                bits++; // may carry into the exponent, up to infinity: that is the correct rounding
            }
            return (short) (sign | bits);
        }
        if (unbiased < -25) { // below half the smallest subnormal
            return (short) sign;
        }
        // subnormal half: shift the full significand (with its implicit 1) into place, rounding to nearest even
        int significand = mantissa | 0x800000;
        int shift = -unbiased - 14 + 13; // 14..24 bits
        int halfMantissa = significand >>> shift;
        int rest = significand & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || (rest == halfway && (halfMantissa & 1) == 1)) {
            halfMantissa++;
        }
        return (short) (sign | halfMantissa);
    }

    /** Widens bfloat16 bits to float: bfloat16 is the top half of a float. */
    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Narrows float to bfloat16 bits, round to nearest even (NaN stays NaN). */
    static short floatToBf16(float value) {
        int f = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((f >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((f >>> 16) & 1);
        return (short) ((f + rounding) >>> 16);
    }
}
