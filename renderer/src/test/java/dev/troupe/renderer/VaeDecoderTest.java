package dev.troupe.renderer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class VaeDecoderTest {

    @Test
    void mapsMinusOneToOneOntoBytesPlanarToInterleaved() {
        // [1, 3, 1, 2]: R plane, G plane, B plane
        float[] planes = {-1f, 1f, 0f, 2f, Float.NaN, -0.5f};
        RgbImage image = VaeDecoder.toRgb(planes, 2, 1);
        // pixel 0: R=-1 -> 0, G=0 -> 128 (127.5 rounds up), B=NaN -> 0; pixel 1: R=1 -> 255, G=2 clamps to 255, B=-0.5 -> 64
        assertThat(image.rgbAt(0, 0)).isEqualTo(0x008000);
        assertThat(image.rgbAt(1, 0)).isEqualTo(0xFFFF40);
    }
}
