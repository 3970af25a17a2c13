package io.simforge.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePreprocessorTest {
    @TempDir
    Path dir;

    /** 64 wide × 32 high: red, then green in the middle half, then blue. */
    private static BufferedImage stripes() {
        BufferedImage img = new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, x < 16 ? 0xff0000 : x < 48 ? 0x00ff00 : 0x0000ff);
            }
        }
        return img;
    }

    private static final float[] ZERO = {0, 0, 0};
    private static final float[] ONE = {1, 1, 1};

    @Test
    void shorterSideThenCentreCropKeepsTheMiddle() {
        // Shorter side 32 → 16 keeps 32×16; the centre 16×16 is columns 8–23, i.e. the original 16–47: green.
        Preprocessing pre = new Preprocessing(3, 16, 16, 1f, ZERO, ONE, 16);
        float[] x = new float[3 * 256];
        new ImagePreprocessor(pre).toInput(stripes(), x, 0);
        for (int p = 0; p < 256; p++) {
            assertTrue(x[p] < 60 && x[256 + p] > 200 && x[512 + p] < 60, "pixel " + p + " is green: " + x[p] + ","
                    + x[256 + p] + "," + x[512 + p]);
        }
        // Resized straight to 16×16 instead, the red and blue stripes stay in view.
        Preprocessing stretch = new Preprocessing(3, 16, 16, 1f, ZERO, ONE);
        new ImagePreprocessor(stretch).toInput(stripes(), x, 0);
        assertTrue(x[0] > 200 && x[15 + 512] > 200, "left edge red, right edge blue");
    }

    @Test
    void colourToGrayUsesLumaAndNormalisationFollowsTheMetadata() {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xff0000);
        img.setRGB(1, 0, 0xffffff);
        Preprocessing pre = new Preprocessing(1, 1, 2, 1f / 255f, new float[] {0.5f}, new float[] {0.25f});
        float[] x = new float[2];
        new ImagePreprocessor(pre).toInput(img, x, 0);
        assertEquals((0.299f - 0.5f) / 0.25f, x[0], 1e-4);
        assertEquals((1f - 0.5f) / 0.25f, x[1], 1e-4);
        new ImagePreprocessor(pre, false).toInput(img, x, 0);
        assertEquals(0.299f * 255, x[0], 1e-3, "raw pixel values for 8-bit-input models");
    }

    @Test
    void anUnreadableFileIsAnIoErrorNamingIt() throws IOException {
        Path bad = dir.resolve("bad.jpg");
        Files.writeString(bad, "not a jpeg");
        IOException e = assertThrows(IOException.class, () -> ImagePreprocessor.decode(bad));
        assertTrue(e.getMessage().contains("bad.jpg"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Preprocessing(3, 16, 16, 1f, ZERO, ONE, 8),
                "resizing below the crop size is refused");
    }
}
