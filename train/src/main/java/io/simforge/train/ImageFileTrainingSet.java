package io.simforge.train;

import io.simforge.core.data.ImageList;
import io.simforge.core.image.Images;
import io.simforge.core.model.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Random;

/**
 * Image files for training: each draw decodes the file, takes a random resized crop (covering
 * {@code minArea}–100 % of the image, aspect 3/4–4/3) at the model's input size, mirrors it half of the
 * time (unless mirroring is off: for data where a mirror image is another class), optionally jitters its colours,
 * and normalises it as the model's preprocessing says. A file that cannot be read throws; the trainer
 * warns once per file, draws another image of the same class, and reports the count at the end.
 */
public final class ImageFileTrainingSet implements TrainingImages {
    private final ImageList list;
    private final Preprocessing pre;
    private final double minArea;
    private final boolean flip;
    private final float colorJitter;

    /**
     * @param minArea the smallest random crop, as a fraction of the image's area
     * @param flip mirror half of the crops
     * @param colorJitter brightness, contrast and saturation factors drawn from [1 − j, 1 + j] (0: none)
     */
    public ImageFileTrainingSet(ImageList list, Preprocessing preprocessing, double minArea, boolean flip,
            float colorJitter) {
        if (!(minArea > 0 && minArea <= 1)) {
            throw new IllegalArgumentException("the smallest crop area must be in (0, 1], got " + minArea);
        }
        if (!(colorJitter >= 0 && colorJitter < 1)) {
            throw new IllegalArgumentException("colour jitter must be in [0, 1), got " + colorJitter);
        }
        this.list = list;
        this.pre = preprocessing;
        this.minArea = minArea;
        this.flip = flip;
        this.colorJitter = colorJitter;
    }

    @Override
    public int size() {
        return list.size();
    }

    @Override
    public int label(int i) {
        return list.labels()[i];
    }

    @Override
    public int[] labels() {
        return list.labels();
    }

    @Override
    public int[] inputShape() {
        return new int[] {pre.channels(), pre.height(), pre.width()};
    }

    @Override
    public boolean slow() {
        return true;
    }

    @Override
    public void input(int i, float[] out, int offset, Random random) throws IOException {
        BufferedImage img = Images.decode(list.file(i));
        Images.pixels(Images.randomResizedCrop(img, pre.width(), pre.height(), minArea, flip, random), pre.channels(),
                out, offset);
        if (colorJitter > 0) {
            Images.colorJitter(out, offset, pre.channels(), pre.height(), pre.width(), colorJitter, random);
        }
        pre.apply(out, offset);
    }
}
