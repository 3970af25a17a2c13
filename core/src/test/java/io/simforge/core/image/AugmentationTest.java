package io.simforge.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Training augmentations worked by hand: colour jitter's three factors, and crops with mirroring off. */
class AugmentationTest {
    /** A Random whose nextDouble() returns the given values in turn. */
    private static Random draws(double... values) {
        return new Random() {
            private int i;

            @Override
            public double nextDouble() {
                return values[i++];
            }
        };
    }

    @Test
    void colourJitterScalesBrightnessThenContrastThenSaturation() {
        // One RGB pixel (100, 50, 0) and one (0, 0, 0); j = 0.5 with draws 1, 0.5, 0 → brightness 1.5, contrast 1,
        // saturation 0.5.
        float[] x = {100, 0, 50, 0, 0, 0};
        Images.colorJitter(x, 0, 3, 1, 2, 0.5f, draws(1, 0.5, 0));
        // Brightness: (150, 75, 0) and (0, 0, 0). Contrast 1 changes nothing. Saturation 0.5 moves each channel half
        // way to the pixel's gray 0.299·150 + 0.587·75 + 0.114·0 = 88.875.
        double g = 0.299 * 150 + 0.587 * 75;
        assertArrayEquals(new float[] {(float) ((150 + g) / 2), 0, (float) ((75 + g) / 2), 0, (float) (g / 2), 0}, x,
                1e-4f);
    }

    @Test
    void contrastPivotsOnTheMeanGrayAndValuesStayInRange() {
        float[] x = {10, 250};
        Images.colorJitter(x, 0, 1, 1, 2, 0.9f, draws(0.5, 1, 0.5)); // brightness 1, contrast 1.9
        double mean = 130;
        assertEquals((float) Math.max(0, (10 - mean) * 1.9 + mean), x[0], 1e-4f);
        assertEquals(255f, x[1], 0f, "clamped");
        float[] same = {1, 2, 3};
        Images.colorJitter(same, 0, 1, 1, 3, 0f, new Random(3));
        assertArrayEquals(new float[] {1, 2, 3}, same, "j = 0 changes nothing");
    }

    @Test
    void withoutFlipTheSameSeedGivesTheSameCropUnmirrored() {
        BufferedImage img = new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 20; x++) {
            for (int y = 0; y < 10; y++) {
                img.setRGB(x, y, (x * 12) << 16 | (y * 25) << 8);
            }
        }
        for (long seed = 0; seed < 20; seed++) {
            BufferedImage plain = Images.randomResizedCrop(img, 8, 8, 0.5, false, new Random(seed));
            BufferedImage maybe = Images.randomResizedCrop(img, 8, 8, 0.5, true, new Random(seed));
            BufferedImage mirrored = Images.flip(plain);
            boolean same = equal(plain, maybe);
            assertTrue(same || equal(mirrored, maybe), "seed " + seed + ": the same crop, mirrored or not");
        }
    }

    private static boolean equal(BufferedImage a, BufferedImage b) {
        for (int x = 0; x < a.getWidth(); x++) {
            for (int y = 0; y < a.getHeight(); y++) {
                if (a.getRGB(x, y) != b.getRGB(x, y)) {
                    return false;
                }
            }
        }
        return true;
    }
}
