package io.simforge.datasets;

import io.simforge.core.image.PixelSource;
import io.simforge.core.data.DatasetException;

import java.util.Arrays;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Labelled images held in memory as unsigned 8-bit pixels in CHW order, one image after another.
 * Small datasets (Fashion-MNIST and the like) fit comfortably; larger ones stream from disk in their own
 * readers.
 */
public final class ImageDataset implements PixelSource {
    private final byte[] pixels;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;

    public ImageDataset(byte[] pixels, int[] labels, int channels, int height, int width) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image shape must be positive: " + channels + "x" + height + "x" + width);
        }
        long expected = (long) labels.length * channels * height * width;
        if (pixels.length != expected) {
            throw new DatasetException("images and labels disagree: " + labels.length + " labels need "
                    + expected + " pixel bytes of shape " + channels + "x" + height + "x" + width
                    + " but " + pixels.length + " were given");
        }
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** Reads an images IDX file (N×H×W, grayscale) and its labels IDX file (N). */
    public static ImageDataset fromIdx(IdxReader.IdxArray images, IdxReader.IdxArray labels, String name) {
        if (images.dims().length != 3) {
            throw new DatasetException(name + ": the images file has " + images.dims().length
                    + " dimensions; expected 3 (count, rows, columns). Are the images and labels files swapped?");
        }
        if (labels.dims().length != 1) {
            throw new DatasetException(name + ": the labels file has " + labels.dims().length
                    + " dimensions; expected 1. Are the images and labels files swapped?");
        }
        if (images.count() != labels.count()) {
            throw new DatasetException(name + ": " + images.count() + " images but " + labels.count()
                    + " labels. Use the labels file that belongs to this images file.");
        }
        int[] y = new int[labels.count()];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.data()[i] & 0xff;
        }
        return new ImageDataset(images.data(), y, 1, images.dims()[1], images.dims()[2]);
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    public int imageSize() {
        return channels * height * width;
    }

    public int label(int i) {
        return labels[i];
    }

    /** A copy of all labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** The sorted distinct labels. */
    public Set<Integer> classes() {
        TreeSet<Integer> set = new TreeSet<>();
        for (int y : labels) {
            set.add(y);
        }
        return set;
    }

    /** Image {@code i} as a picture (grayscale, or RGB from three planes), for reports. */
    public java.awt.image.BufferedImage picture(int i) {
        int n = height * width;
        int base = i * imageSize();
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(width, height,
                channels == 3 ? java.awt.image.BufferedImage.TYPE_INT_RGB : java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int p = 0; p < n; p++) {
            int x = p % width;
            int y = p / width;
            if (channels == 3) {
                int r = pixels[base + p] & 0xff;
                int g = pixels[base + n + p] & 0xff;
                int b = pixels[base + 2 * n + p] & 0xff;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            } else {
                img.getRaster().setSample(x, y, 0, pixels[base + p] & 0xff);
            }
        }
        return img;
    }

    /** Copies image {@code i}'s raw pixels (0..255) into {@code out} at {@code offset} as floats. */
    @Override
    public void copyPixels(int i, float[] out, int offset) {
        int n = imageSize();
        int base = i * n;
        for (int p = 0; p < n; p++) {
            out[offset + p] = pixels[base + p] & 0xff;
        }
    }

    /** The items whose label is in {@code keep}, in their original order. */
    public ImageDataset withClasses(Collection<Integer> keep) {
        Set<Integer> wanted = new TreeSet<>(keep);
        int n = imageSize();
        int count = 0;
        for (int y : labels) {
            if (wanted.contains(y)) {
                count++;
            }
        }
        if (count == 0) {
            throw new DatasetException("no items with classes " + wanted + "; the dataset has classes " + classes());
        }
        byte[] px = new byte[count * n];
        int[] y = new int[count];
        int j = 0;
        for (int i = 0; i < labels.length; i++) {
            if (wanted.contains(labels[i])) {
                System.arraycopy(pixels, i * n, px, j * n, n);
                y[j++] = labels[i];
            }
        }
        return new ImageDataset(px, y, channels, height, width);
    }

    /** The first {@code count} items of each class, in their original order. */
    public ImageDataset firstPerClass(int count) {
        java.util.Map<Integer, Integer> seen = new java.util.HashMap<>();
        boolean[] keep = new boolean[labels.length];
        for (int i = 0; i < labels.length; i++) {
            keep[i] = seen.merge(labels[i], 1, Integer::sum) <= count;
        }
        return select(keep);
    }

    /** The last {@code count} items of each class, in their original order (disjoint from
     * {@code firstPerClass(n)} when each class holds at least {@code n + count} items). */
    public ImageDataset lastPerClass(int count) {
        java.util.Map<Integer, Integer> seen = new java.util.HashMap<>();
        boolean[] keep = new boolean[labels.length];
        for (int i = labels.length - 1; i >= 0; i--) {
            keep[i] = seen.merge(labels[i], 1, Integer::sum) <= count;
        }
        return select(keep);
    }

    private ImageDataset select(boolean[] keep) {
        int n = imageSize();
        int[] idx = new int[labels.length];
        int m = 0;
        for (int i = 0; i < labels.length; i++) {
            if (keep[i]) {
                idx[m++] = i;
            }
        }
        byte[] px = new byte[m * n];
        int[] y = new int[m];
        for (int j = 0; j < m; j++) {
            System.arraycopy(pixels, idx[j] * n, px, j * n, n);
            y[j] = labels[idx[j]];
        }
        return new ImageDataset(px, y, channels, height, width);
    }

    @Override
    public String toString() {
        return "ImageDataset[" + size() + " images " + channels + "x" + height + "x" + width
                + ", classes " + Arrays.toString(classes().toArray()) + "]";
    }
}
