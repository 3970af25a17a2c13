package io.simforge.train;

import io.simforge.core.data.ImageList;
import io.simforge.core.image.Images;
import io.simforge.core.image.PixelSource;
import io.simforge.core.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run watches while it trains: leave-one-out Recall@1/2/4/8, P@1, MAP@R and R-Precision of preprocessed
 * inputs (classes the network does not train on), before training, every {@code every} iterations and after the
 * last one. It picks the best weights (kept as {@code model-best}) and drives early stopping; it never changes
 * the training itself.
 *
 * @param inputs preprocessed, row-major {@code labels.length × item size}
 */
public record Validation(float[] inputs, int[] labels, int every) {
    /** At most this many images are decoded for validation from image files. */
    public static final int MAX_IMAGES = 2000;

    public Validation {
        if (every <= 0) {
            throw new IllegalArgumentException("validation interval must be positive, got " + every);
        }
        if (labels.length < 2) {
            throw new IllegalArgumentException("validation needs at least 2 images, got " + labels.length);
        }
    }

    /** In-memory images, preprocessed once. */
    public static Validation of(PixelSource images, int[] labels, Preprocessing pre, int every) {
        return new Validation(images.inputs(pre), labels, every);
    }

    /**
     * Image files: the first {@code perClass} readable images of each class (at most {@value #MAX_IMAGES} in all),
     * with the evaluation transform the exported model will use. Unreadable files are skipped with a warning.
     */
    public static Validation ofImages(ImageList list, Preprocessing pre, int perClass, int every) {
        Map<Integer, Integer> taken = new HashMap<>();
        List<float[]> inputs = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < list.size() && inputs.size() < MAX_IMAGES; i++) {
            int y = list.labels()[i];
            if (taken.getOrDefault(y, 0) >= perClass) {
                continue;
            }
            float[] x = new float[pre.imageSize()];
            try {
                BufferedImage img = Images.decode(list.file(i));
                Images.pixels(Images.resizeAndCentreCrop(img, pre.resizeShorterSide(), pre.width(), pre.height()),
                        pre.channels(), x, 0);
            } catch (IOException e) {
                System.getLogger(Validation.class.getName()).log(System.Logger.Level.WARNING,
                        "validation skips " + e.getMessage());
                continue;
            }
            pre.apply(x, 0);
            inputs.add(x);
            labels.add(y);
            taken.merge(y, 1, Integer::sum);
        }
        float[] all = new float[inputs.size() * pre.imageSize()];
        for (int i = 0; i < inputs.size(); i++) {
            System.arraycopy(inputs.get(i), 0, all, i * pre.imageSize(), pre.imageSize());
        }
        return new Validation(all, labels.stream().mapToInt(Integer::intValue).toArray(), every);
    }
}
