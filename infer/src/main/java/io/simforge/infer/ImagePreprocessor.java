package io.simforge.infer;

import io.simforge.core.model.Preprocessing;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Turns an image file or a decoded picture into a model input exactly as the model's metadata describes:
 * converted to its channel count (grayscale by luminance, or RGB), resized (bilinear) straight to its
 * input height × width, or by its shorter side and then centre-cropped, scaled, and normalised per
 * channel (CHW, row-major).
 */
public final class ImagePreprocessor {
    private final Preprocessing pre;
    private final boolean normalise;

    public ImagePreprocessor(Preprocessing preprocessing) {
        this(preprocessing, true);
    }

    /**
     * @param normalise false for a model that takes raw 8-bit pixels and normalises in its graph: the
     *     input is then the pixel values 0–255 (see {@link Embedder#imagePreprocessor()})
     */
    public ImagePreprocessor(Preprocessing preprocessing, boolean normalise) {
        if (preprocessing.channels() != 1 && preprocessing.channels() != 3) {
            throw new IllegalArgumentException("images need 1 or 3 channels, the model takes " + preprocessing.channels());
        }
        this.pre = preprocessing;
        this.normalise = normalise;
    }

    /** Decodes an image file (JPEG, PNG, BMP, GIF, WBMP: what the JDK's ImageIO reads). */
    public static BufferedImage decode(Path file) throws IOException {
        BufferedImage img;
        try (InputStream in = Files.newInputStream(file)) {
            img = ImageIO.read(in);
        } catch (RuntimeException e) {
            // Some decoders throw unchecked exceptions on damaged data.
            throw new IOException("cannot decode " + file + ": " + e, e);
        }
        if (img == null) {
            throw new IOException("cannot decode " + file + ": not an image in a format the JDK reads (JPEG, PNG, BMP, GIF)");
        }
        return img;
    }

    /** Writes the model input for {@code img} into {@code out} at {@code offset} ({@code imageSize()} floats). */
    public void toInput(BufferedImage img, float[] out, int offset) {
        BufferedImage sized = pre.resizeShorterSide() > 0 ? resizeAndCrop(img) : resize(img, pre.width(), pre.height());
        int h = pre.height();
        int w = pre.width();
        int plane = h * w;
        if (pre.channels() == 1) {
            // Gray rasters are read as stored (getRGB would apply a gamma curve to them); colour is turned
            // to luma with ITU-R 601 weights, as PIL's convert("L") does.
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
        if (normalise) {
            pre.apply(out, offset);
        }
    }

    public int inputSize() {
        return pre.imageSize();
    }

    /** Shorter side to {@code resizeShorterSide} (aspect kept), then the centre height × width. */
    private BufferedImage resizeAndCrop(BufferedImage img) {
        double f = pre.resizeShorterSide() / (double) Math.min(img.getWidth(), img.getHeight());
        int w = Math.max(pre.width(), (int) Math.round(img.getWidth() * f));
        int h = Math.max(pre.height(), (int) Math.round(img.getHeight() * f));
        BufferedImage resized = resize(img, w, h);
        return resized.getSubimage((w - pre.width()) / 2, (h - pre.height()) / 2, pre.width(), pre.height());
    }

    private static BufferedImage resize(BufferedImage img, int w, int h) {
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
}
