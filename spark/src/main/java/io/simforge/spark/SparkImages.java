package io.simforge.spark;

import java.awt.image.BufferedImage;
import java.io.IOException;
import org.apache.spark.sql.Row;

/**
 * Images as Spark's {@code image} source holds them (a struct of origin, height, width, nChannels, mode and data:
 * rows of 8-bit pixels, channels in OpenCV's order — gray, BGR or BGRA) turned back into {@link BufferedImage}s, so
 * they go through the same resize and normalisation as decoded files.
 */
final class SparkImages {
    private SparkImages() {}

    static BufferedImage toBufferedImage(Row image) throws IOException {
        String origin = image.getAs("origin");
        int height = image.<Integer>getAs("height");
        int width = image.<Integer>getAs("width");
        int channels = image.<Integer>getAs("nChannels");
        byte[] data = image.getAs("data");
        if (height <= 0 || width <= 0 || data == null || data.length == 0) {
            throw new IOException("Spark's image source could not decode " + origin
                    + " (read it with option(\"dropInvalid\", true) to skip such files, or use binaryFile)");
        }
        if ((channels != 1 && channels != 3 && channels != 4) || (long) height * width * channels != data.length) {
            throw new IOException(origin + ": an image struct of " + width + "×" + height + "×" + channels
                    + " holds " + data.length + " bytes");
        }
        if (channels == 1) {
            BufferedImage gray = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
            gray.getRaster().setDataElements(0, 0, width, height, data);
            return gray;
        }
        BufferedImage rgb = new BufferedImage(width, height, channels == 4 ? BufferedImage.TYPE_INT_ARGB
                : BufferedImage.TYPE_INT_RGB);
        int[] pixels = new int[width * height];
        for (int p = 0, o = 0; p < pixels.length; p++, o += channels) {
            int b = data[o] & 0xff;
            int g = data[o + 1] & 0xff;
            int r = data[o + 2] & 0xff;
            int a = channels == 4 ? data[o + 3] & 0xff : 0xff;
            pixels[p] = a << 24 | r << 16 | g << 8 | b;
        }
        rgb.setRGB(0, 0, width, height, pixels, 0, width);
        return rgb;
    }
}
