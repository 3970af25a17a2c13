package io.simforge.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CMYK and YCCK JPEGs decode to RGB with the right colours. The files (32×32, quadrants white, cyan, black,
 * yellow; see README.md beside them) were written by Pillow and ImageMagick, the way such files reach users
 * from print workflows and product catalogues. {@code cmyk-ps-profile.jpg} carries an ICC profile that the
 * JDK's own reader cannot open ("Can not access specified profile"): it is why TwelveMonkeys' JPEG reader is
 * on the class path.
 */
class CmykDecodeTest {
    @ParameterizedTest
    @ValueSource(strings = {"cmyk-pil.jpg", "cmyk-adobe.jpg", "ycck-adobe.jpg", "cmyk-ps-profile.jpg"})
    void decodesToRgbWithTheRightColours(String name) throws Exception {
        BufferedImage img = Images.decode(file(name));
        assertEquals(ColorSpace.TYPE_RGB, img.getColorModel().getColorSpace().getType(), name);
        assertEquals(32, img.getWidth());
        int[] white = rgb(img, 8, 8);
        int[] cyan = rgb(img, 24, 8);
        int[] black = rgb(img, 8, 24);
        int[] yellow = rgb(img, 24, 24);
        assertTrue(white[0] > 235 && white[1] > 235 && white[2] > 235, name + " white " + str(white));
        assertTrue(cyan[0] < 40 && cyan[1] > 150 && cyan[2] > 200, name + " cyan " + str(cyan));
        assertTrue(black[0] < 70 && black[1] < 70 && black[2] < 70, name + " black " + str(black));
        assertTrue(yellow[0] > 220 && yellow[1] > 220 && yellow[2] < 60, name + " yellow " + str(yellow));

        // What training and evaluation read after the evaluation transform: the same colours.
        float[] chw = new float[3 * 16 * 16];
        Images.pixels(Images.resizeAndCentreCrop(img, 16, 16, 16), 3, chw, 0);
        int cyanAt = 4 * 16 + 12; // row 4, column 12: inside the cyan quadrant after halving
        assertTrue(chw[cyanAt] < 40 && chw[256 + cyanAt] > 150 && chw[512 + cyanAt] > 200, name);
    }

    private static Path file(String name) throws URISyntaxException {
        return Path.of(CmykDecodeTest.class.getResource(name).toURI());
    }

    private static int[] rgb(BufferedImage img, int x, int y) {
        int v = img.getRGB(x, y);
        return new int[] {(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};
    }

    private static String str(int[] c) {
        return "(" + c[0] + "," + c[1] + "," + c[2] + ")";
    }
}
