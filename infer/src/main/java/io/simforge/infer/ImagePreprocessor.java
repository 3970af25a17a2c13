package io.simforge.infer;

import io.simforge.core.image.Images;
import io.simforge.core.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

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
        return Images.decode(file);
    }

    /** Writes the model input for {@code img} into {@code out} at {@code offset} ({@code imageSize()} floats). */
    public void toInput(BufferedImage img, float[] out, int offset) {
        BufferedImage sized = pre.resizeShorterSide() > 0
                ? Images.resizeAndCentreCrop(img, pre.resizeShorterSide(), pre.width(), pre.height())
                : Images.resize(img, pre.width(), pre.height());
        Images.pixels(sized, pre.channels(), out, offset);
        if (normalise) {
            pre.apply(out, offset);
        }
    }

    public int inputSize() {
        return pre.imageSize();
    }
}
