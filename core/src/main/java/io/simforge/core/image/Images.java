package io.simforge.core.image;

import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.ColorConvertOp;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Image operations shared by training and inference: decoding (the JDK's ImageIO, with TwelveMonkeys' JPEG
 * reader registered as a plug-in so that CMYK and YCCK JPEGs decode on every JDK), resizing (bilinear),
 * the evaluation crop (shorter side, then centre), the training augmentation (random resized crop and
 * horizontal flip), and reading pixels out as CHW floats 0–255.
 */
public final class Images {
    private Images() {}

    /**
     * Decodes an image file (JPEG including CMYK and YCCK, PNG, BMP, GIF, WBMP) into an RGB or grayscale image:
     * any other colour space (CMYK from a reader that keeps it) is converted to sRGB once here, so the crops and
     * resizes that follow work on plain RGB pixels.
     */
    public static BufferedImage decode(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return decode(in, file.toString());
        }
    }

    /**
     * As {@link #decode(Path)}, for an image held in memory (a file's bytes read by someone else, e.g. Spark's
     * {@code binaryFile} source); {@code name} names it in error messages.
     */
    public static BufferedImage decode(byte[] bytes, String name) throws IOException {
        return decode(new java.io.ByteArrayInputStream(bytes), name);
    }

    private static BufferedImage decode(InputStream in, String name) throws IOException {
        BufferedImage img;
        // Buffered in memory: ImageIO.read(InputStream) would copy every image into a temporary file first (its
        // default cache), which cost more than decoding a small PNG (docs/benchmarks.md, "On Apache Spark").
        ImageInputStream stream = new MemoryCacheImageInputStream(in);
        try {
            img = ImageIO.read(stream); // closes the stream unless it returns null
            if (img == null) {
                stream.close();
            }
        } catch (RuntimeException e) {
            // Some decoders throw unchecked exceptions on damaged data.
            throw new IOException("cannot decode " + name + ": " + e, e);
        }
        if (img == null) {
            throw new IOException("cannot decode " + name + ": not an image in a format the JDK reads (JPEG, PNG, BMP, GIF)");
        }
        int space = img.getColorModel().getColorSpace().getType();
        if (space != ColorSpace.TYPE_RGB && space != ColorSpace.TYPE_GRAY) {
            img = new ColorConvertOp(null).filter(img,
                    new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB));
        }
        return img;
    }

    /** Bilinear resize to exactly {@code w × h} (the same image when it already has that size). */
    public static BufferedImage resize(BufferedImage img, int w, int h) {
        if (img.getWidth() == w && img.getHeight() == h) {
            return img;
        }
        int type = img.getType() == BufferedImage.TYPE_BYTE_GRAY || img.getType() == BufferedImage.TYPE_USHORT_GRAY
                ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB;
        BufferedImage out = new BufferedImage(w, h, type);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(img, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Shorter side to {@code shorter} (aspect kept), then the centre {@code w × h}: the evaluation transform. */
    public static BufferedImage resizeAndCentreCrop(BufferedImage img, int shorter, int w, int h) {
        double f = shorter / (double) Math.min(img.getWidth(), img.getHeight());
        int rw = Math.max(w, (int) Math.round(img.getWidth() * f));
        int rh = Math.max(h, (int) Math.round(img.getHeight() * f));
        BufferedImage resized = resize(img, rw, rh);
        return resized.getSubimage((rw - w) / 2, (rh - h) / 2, w, h);
    }

    /**
     * The training transform: a random crop covering {@code minArea}–100 % of the image with an aspect ratio
     * between 3/4 and 4/3 (log-uniform), resized to {@code w × h}, mirrored left-right half of the time.
     * After 10 failed draws it falls back to the centre crop of the largest allowed aspect, as torchvision does.
     */
    public static BufferedImage randomResizedCrop(BufferedImage img, int w, int h, double minArea, Random random) {
        return randomResizedCrop(img, w, h, minArea, true, random);
    }

    /**
     * As {@link #randomResizedCrop(BufferedImage, int, int, double, Random)}, mirroring half of the crops only when
     * {@code flip} (the random draws are the same either way, so a seed picks the same crops).
     */
    public static BufferedImage randomResizedCrop(BufferedImage img, int w, int h, double minArea, boolean flip,
            Random random) {
        int iw = img.getWidth();
        int ih = img.getHeight();
        double area = (double) iw * ih;
        int cw = iw;
        int ch = ih;
        int x0 = 0;
        int y0 = 0;
        boolean found = false;
        for (int attempt = 0; attempt < 10 && !found; attempt++) {
            double target = area * (minArea + (1 - minArea) * random.nextDouble());
            double ratio = Math.exp(Math.log(3 / 4.0) + (Math.log(4 / 3.0) - Math.log(3 / 4.0)) * random.nextDouble());
            int tw = (int) Math.round(Math.sqrt(target * ratio));
            int th = (int) Math.round(Math.sqrt(target / ratio));
            if (tw > 0 && th > 0 && tw <= iw && th <= ih) {
                cw = tw;
                ch = th;
                x0 = random.nextInt(iw - tw + 1);
                y0 = random.nextInt(ih - th + 1);
                found = true;
            }
        }
        if (!found) {
            double ratio = iw / (double) ih;
            if (ratio < 3 / 4.0) {
                ch = (int) Math.round(iw / (3 / 4.0));
            } else if (ratio > 4 / 3.0) {
                cw = (int) Math.round(ih * (4 / 3.0));
            }
            x0 = (iw - cw) / 2;
            y0 = (ih - ch) / 2;
        }
        BufferedImage out = resize(img.getSubimage(x0, y0, cw, ch), w, h);
        boolean mirror = random.nextBoolean();
        return flip && mirror ? flip(out) : out;
    }

    /** Left-right mirror image. */
    public static BufferedImage flip(BufferedImage img) {
        int w = img.getWidth();
        BufferedImage out = new BufferedImage(w, img.getHeight(), img.getType() == BufferedImage.TYPE_BYTE_GRAY
                ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        if (out.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            var src = img.getRaster();
            var dst = out.getRaster();
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < w; x++) {
                    dst.setSample(w - 1 - x, y, 0, src.getSample(x, y, 0));
                }
            }
        } else {
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < w; x++) {
                    out.setRGB(w - 1 - x, y, img.getRGB(x, y));
                }
            }
        }
        return out;
    }

    /**
     * Writes the pixels of an image already sized {@code w × h} as CHW floats 0–255: 1 channel (gray rasters
     * read as stored, since getRGB would apply a gamma curve; colour turned to luma with ITU-R 601 weights,
     * as PIL's convert("L") does) or 3 (RGB).
     */
    public static void pixels(BufferedImage sized, int channels, float[] out, int offset) {
        int h = sized.getHeight();
        int w = sized.getWidth();
        int plane = h * w;
        if (channels == 1) {
            int type = sized.getType();
            var raster = sized.getRaster();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v;
                    if (type == BufferedImage.TYPE_BYTE_GRAY) {
                        v = raster.getSample(x, y, 0);
                    } else if (type == BufferedImage.TYPE_USHORT_GRAY) {
                        v = raster.getSample(x, y, 0) / 257f;
                    } else {
                        int rgb = sized.getRGB(x, y);
                        v = 0.299f * ((rgb >> 16) & 0xff) + 0.587f * ((rgb >> 8) & 0xff) + 0.114f * (rgb & 0xff);
                    }
                    out[offset + y * w + x] = v;
                }
            }
        } else if (sized.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            var raster = sized.getRaster(); // gray into RGB: the stored value in all three channels
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = raster.getSample(x, y, 0);
                    out[offset + y * w + x] = v;
                    out[offset + plane + y * w + x] = v;
                    out[offset + 2 * plane + y * w + x] = v;
                }
            }
        } else {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = sized.getRGB(x, y);
                    out[offset + y * w + x] = (rgb >> 16) & 0xff;
                    out[offset + plane + y * w + x] = (rgb >> 8) & 0xff;
                    out[offset + 2 * plane + y * w + x] = rgb & 0xff;
                }
            }
        }
    }

    /**
     * Colour jitter on raw pixels (0–255, CHW, in place), as torchvision's {@code ColorJitter(j, j, j)}: brightness,
     * then contrast (around the image's mean gray), then saturation (around each pixel's gray), each by a factor drawn
     * from [1 − j, 1 + j]; values clamped to 0–255. Gray images get brightness and contrast only.
     */
    public static void colorJitter(float[] chw, int offset, int channels, int height, int width, float j, Random random) {
        double brightness = 1 + j * (2 * random.nextDouble() - 1);
        double contrast = 1 + j * (2 * random.nextDouble() - 1);
        double saturation = 1 + j * (2 * random.nextDouble() - 1);
        int plane = height * width;
        int n = channels * plane;
        for (int i = 0; i < n; i++) {
            chw[offset + i] = (float) Math.min(255, chw[offset + i] * brightness);
        }
        double mean = 0;
        for (int p = 0; p < plane; p++) {
            mean += gray(chw, offset, channels, plane, p);
        }
        mean /= plane;
        for (int i = 0; i < n; i++) {
            chw[offset + i] = (float) Math.max(0, Math.min(255, (chw[offset + i] - mean) * contrast + mean));
        }
        if (channels == 3) {
            for (int p = 0; p < plane; p++) {
                double g = gray(chw, offset, channels, plane, p);
                for (int c = 0; c < 3; c++) {
                    int i = offset + c * plane + p;
                    chw[i] = (float) Math.max(0, Math.min(255, (chw[i] - g) * saturation + g));
                }
            }
        }
    }

    /** ITU-R 601 luma of pixel {@code p} (the channel itself for gray images). */
    private static double gray(float[] chw, int offset, int channels, int plane, int p) {
        if (channels != 3) {
            return chw[offset + p];
        }
        return 0.299 * chw[offset + p] + 0.587 * chw[offset + plane + p] + 0.114 * chw[offset + 2 * plane + p];
    }
}
