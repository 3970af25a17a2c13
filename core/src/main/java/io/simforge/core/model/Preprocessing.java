package io.simforge.core.model;

import java.util.Arrays;

/**
 * How an image becomes a model's input: resized — with {@code resizeShorterSide} 0, straight to
 * height × width; otherwise its shorter side to that many pixels (aspect kept) and then the centre
 * height × width cut out — then {@code x = (pixel * scale - mean[c]) / std[c]}, laid out NCHW. The exporter
 * writes this into the ONNX model's metadata and the inference side applies it, so the two can never
 * drift apart.
 */
public record Preprocessing(int channels, int height, int width, float scale, float[] mean, float[] std,
        int resizeShorterSide) {

    /** Images resized straight to height × width. */
    public Preprocessing(int channels, int height, int width, float scale, float[] mean, float[] std) {
        this(channels, height, width, scale, mean, std, 0);
    }

    public Preprocessing {
        if (resizeShorterSide < 0 || (resizeShorterSide > 0 && resizeShorterSide < Math.min(height, width))) {
            throw new IllegalArgumentException("resizeShorterSide must be 0 (resize straight to the input size) or at "
                    + "least the input's shorter side " + Math.min(height, width) + ", got " + resizeShorterSide);
        }
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("input shape must be positive: " + channels + "x" + height + "x" + width);
        }
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("mean and std need one value per channel (" + channels + "), got "
                    + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be positive, got " + Arrays.toString(std));
            }
        }
    }

    /** Fashion-MNIST's statistics over its training split, pixels scaled to [0, 1]. */
    public static Preprocessing fashionMnist() {
        return new Preprocessing(1, 28, 28, 1f / 255f, new float[] {0.2860f}, new float[] {0.3530f});
    }

    /**
     * RGB images at {@code size}×{@code size} for a network that expects ImageNet's statistics (torchvision's
     * mean and std, pixels scaled to [0, 1]); evaluation resizes the shorter side to {@code size × 256/224}
     * and takes the centre, the usual protocol.
     */
    public static Preprocessing imagenet(int size) {
        return new Preprocessing(3, size, size, 1f / 255f, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f}, Math.round(size * 256f / 224f));
    }

    /** The same preprocessing with another resize (0: straight to height × width). */
    public Preprocessing withResizeShorterSide(int side) {
        return new Preprocessing(channels, height, width, scale, mean, std, side);
    }

    public int imageSize() {
        return channels * height * width;
    }

    /** Normalises one image's raw CHW pixels (0..255 as floats) in place. */
    public void apply(float[] chw, int offset) {
        int plane = height * width;
        for (int c = 0; c < channels; c++) {
            float m = mean[c];
            float inv = 1f / std[c];
            int base = offset + c * plane;
            for (int p = 0; p < plane; p++) {
                chw[base + p] = (chw[base + p] * scale - m) * inv;
            }
        }
    }

    /** In words: "resize to 28×28, scale 1/255, mean [0.286], std [0.353]". */
    public String describe() {
        return (resizeShorterSide > 0 ? "shorter side to " + resizeShorterSide + " then centre " + width + "×" + height
                : "resize to " + width + "×" + height) + ", scale " + scale + ", mean " + Arrays.toString(mean)
                + ", std " + Arrays.toString(std);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && p.channels == channels && p.height == height && p.width == width
                && p.scale == scale && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std)
                && p.resizeShorterSide == resizeShorterSide;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new float[] {channels, height, width, scale}) * 31 * 31
                + Arrays.hashCode(mean) * 31 + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Preprocessing[" + channels + "x" + height + "x" + width + (resizeShorterSide > 0 ? ", resize shorter side to "
                + resizeShorterSide + " then centre crop" : "") + ", scale=" + scale + ", mean=" + Arrays.toString(mean)
                + ", std=" + Arrays.toString(std) + "]";
    }
}
