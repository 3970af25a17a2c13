package io.simforge.infer;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.ModelSettings;
import io.simforge.core.model.Preprocessing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Some of a model's {@link ModelSettings}, each field null when this source does not say it: what flags, a sidecar
 * JSON or Hugging Face's {@code preprocessor_config.json} give. Layers combine with {@link #over}, the first
 * winning field by field; {@link #complete} fills what the graph makes certain (a single input or output, sizes and
 * layout from fixed dimensions) and refuses, listing every missing setting and how to give it, what it cannot.
 *
 * @param resizeShorterSide 0 to resize straight to height × width; more to resize the shorter side, then take the
 *     centre
 */
public record PartialSettings(String inputName, String outputName, ModelMetadata.InputKind inputKind,
        Integer height, Integer width, Integer resizeShorterSide, Float scale, float[] mean, float[] std,
        ModelSettings.ChannelOrder channelOrder, ModelSettings.Layout layout, ModelSettings.Pooling pooling,
        Boolean l2Normalize) {

    /** Nothing said. */
    public static final PartialSettings NONE = new PartialSettings(null, null, null, null, null, null, null, null,
            null, null, null, null, null);

    /** Every field of complete settings (the embedding size is the graph's to say). */
    public static PartialSettings of(ModelSettings s) {
        Preprocessing p = s.preprocessing();
        return new PartialSettings(s.inputName(), s.outputName(), s.inputKind(), p == null ? null : p.height(),
                p == null ? null : p.width(), p == null ? null : p.resizeShorterSide(), p == null ? null : p.scale(),
                p == null ? null : p.mean(), p == null ? null : p.std(), s.channelOrder(), s.layout(), s.pooling(),
                s.l2Normalize());
    }

    /** This layer's fields, and {@code lower}'s where this one says nothing. */
    public PartialSettings over(PartialSettings lower) {
        return new PartialSettings(pick(inputName, lower.inputName), pick(outputName, lower.outputName),
                pick(inputKind, lower.inputKind), pick(height, lower.height), pick(width, lower.width),
                pick(resizeShorterSide, lower.resizeShorterSide), pick(scale, lower.scale), pick(mean, lower.mean),
                pick(std, lower.std), pick(channelOrder, lower.channelOrder), pick(layout, lower.layout),
                pick(pooling, lower.pooling), pick(l2Normalize, lower.l2Normalize));
    }

    private static <T> T pick(T a, T b) {
        return a != null ? a : b;
    }

    /** Whether this layer says anything. */
    public boolean isEmpty() {
        return Arrays.asList(inputName, outputName, inputKind, height, width, resizeShorterSide,
                scale, mean, std, channelOrder, layout, pooling, l2Normalize).stream().allMatch(java.util.Objects::isNull);
    }

    /**
     * Complete settings for a graph with these inputs and outputs.
     *
     * @throws EmbedderException listing every setting that is missing or contradicts the graph, with the flag and the
     *     settings-file key that give it
     */
    ModelSettings complete(Path model, List<ForeignModel.Port> inputs, List<ForeignModel.Port> outputs) {
        List<String> missing = new ArrayList<>();
        ForeignModel.Port in = choose(model, inputs, inputName, "input", "--input-name", "input", missing);
        ForeignModel.Port out = choose(model, outputs, outputName, "output", "--output-name", "output", missing);
        if (in == null || out == null) {
            throw refusal(model, inputs, outputs, missing);
        }
        long[] shape = in.shape();
        ModelMetadata.InputKind kind = inputKind != null ? inputKind : shape.length == 4
                ? ("UINT8".equals(in.type()) ? ModelMetadata.InputKind.IMAGE_UINT8 : ModelMetadata.InputKind.IMAGE)
                : ModelMetadata.InputKind.VECTOR;
        ModelSettings.Pooling pool = pooling;
        long[] outShape = out.shape();
        if (pool == null) {
            if (outShape.length == 3) {
                missing.add("pooling: output '" + out.name() + "' has one vector per token " + Arrays.toString(outShape)
                        .replace("-1", "?") + "; give --token-pooling cls or mean (\"pooling\")");
            }
            pool = ModelSettings.Pooling.NONE;
        }
        boolean l2 = l2Normalize == null || l2Normalize;
        if (!kind.isImage()) {
            if (shape.length != 2 || shape[1] <= 0) {
                missing.add("input '" + in.name() + "' has shape " + Arrays.toString(shape).replace("-1", "?")
                        + ", not [batch, values] with a fixed size: an image input has rank 4");
                throw refusal(model, inputs, outputs, missing);
            }
            if (!missing.isEmpty()) {
                throw refusal(model, inputs, outputs, missing);
            }
            return new ModelSettings(in.name(), out.name(), kind, new int[] {(int) shape[1]}, ModelSettings.Layout.NCHW,
                    ModelSettings.ChannelOrder.GRAY, null, pool, l2, 0);
        }
        if (shape.length != 4) {
            missing.add("input '" + in.name() + "' has rank " + shape.length + " " + Arrays.toString(shape)
                    .replace("-1", "?") + "; an image input is [batch, C, H, W] or [batch, H, W, C]");
            throw refusal(model, inputs, outputs, missing);
        }
        ModelSettings.Layout lay = layout;
        if (lay == null) {
            boolean first = shape[1] == 1 || shape[1] == 3;
            boolean last = shape[3] == 1 || shape[3] == 3;
            if (first != last) {
                lay = first ? ModelSettings.Layout.NCHW : ModelSettings.Layout.NHWC;
            } else {
                missing.add("layout: input " + Arrays.toString(shape).replace("-1", "?") + " could be NCHW or NHWC; "
                        + "give --input-layout nchw or nhwc (\"layout\")");
                lay = ModelSettings.Layout.NCHW;
            }
        }
        long c = lay == ModelSettings.Layout.NCHW ? shape[1] : shape[3];
        long h = lay == ModelSettings.Layout.NCHW ? shape[2] : shape[1];
        long w = lay == ModelSettings.Layout.NCHW ? shape[3] : shape[2];
        ModelSettings.ChannelOrder order = channelOrder;
        if (order == null) {
            order = c == 1 ? ModelSettings.ChannelOrder.GRAY : ModelSettings.ChannelOrder.RGB;
        }
        int hh = size(height, h, "height", "--input-size", missing);
        int ww = size(width, w, "width", "--input-size", missing);
        if (c > 0 && c != order.channels()) {
            missing.add("channels: input '" + in.name() + "' takes " + c + " channels; simforge feeds 1 (gray) or 3");
        }
        if (mean == null || std == null) {
            missing.add("normalisation: give --mean and --std (and --scale, default 1/255) or \"mean\", \"std\", "
                    + "\"scale\"; e.g. ImageNet's --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225");
        }
        if (!missing.isEmpty()) {
            throw refusal(model, inputs, outputs, missing);
        }
        try {
            Preprocessing pre = new Preprocessing(order.channels(), hh, ww, scale != null ? scale : 1 / 255f,
                    perChannel(mean, order, "mean"), perChannel(std, order, "std"),
                    resizeShorterSide == null ? 0 : resizeShorterSide);
            return new ModelSettings(in.name(), out.name(), kind, new int[] {order.channels(), hh, ww}, lay, order, pre,
                    pool, l2, 0);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(model + ": the settings do not fit together: " + e.getMessage(), e);
        }
    }

    private static float[] perChannel(float[] values, ModelSettings.ChannelOrder order, String what) {
        if (values.length == 1 && order.channels() == 3) {
            return new float[] {values[0], values[0], values[0]};
        }
        if (values.length != order.channels()) {
            throw new IllegalArgumentException(what + " has " + values.length + " values for " + order.channels()
                    + " channel(s)");
        }
        return values;
    }

    private static int size(Integer given, long graph, String what, String flag, List<String> missing) {
        if (given != null) {
            return given;
        }
        if (graph > 0) {
            return (int) graph;
        }
        missing.add(what + ": the graph leaves it open; give " + flag + " (\"height\" and \"width\")");
        return 1;
    }

    private static ForeignModel.Port choose(Path model, List<ForeignModel.Port> ports, String name, String what,
            String flag, String key, List<String> missing) {
        List<ForeignModel.Port> tensors = ports.stream().filter(ForeignModel.Port::isTensor).toList();
        if (name != null) {
            for (ForeignModel.Port p : tensors) {
                if (p.name().equals(name)) {
                    return p;
                }
            }
            missing.add(what + " '" + name + "' is not among the model's tensor " + what + "s " + tensors);
            return null;
        }
        if (tensors.size() == 1) {
            return tensors.get(0);
        }
        missing.add(what + ": the model has " + (tensors.isEmpty() ? "no tensor " + what : tensors.size() + " " + what
                + "s " + tensors) + "; pick one with " + flag + " (\"" + key + "\")");
        return null;
    }

    private static EmbedderException refusal(Path model, List<ForeignModel.Port> inputs, List<ForeignModel.Port> outputs,
            List<String> missing) {
        return new EmbedderException(model + " has no simforge metadata and its settings are incomplete. Found: inputs "
                + inputs + ", outputs " + outputs + ". Missing or wrong:\n  - " + String.join("\n  - ", missing)
                + "\nGive them as flags, in " + ModelSettingsFiles.sidecarOf(model).getFileName() + " beside the model "
                + "(docs/model-format.md), or write them into the model once with `simforge adopt`.");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PartialSettings p && java.util.Objects.equals(inputName, p.inputName)
                && java.util.Objects.equals(outputName, p.outputName) && inputKind == p.inputKind
                && java.util.Objects.equals(height, p.height) && java.util.Objects.equals(width, p.width)
                && java.util.Objects.equals(resizeShorterSide, p.resizeShorterSide)
                && java.util.Objects.equals(scale, p.scale) && Arrays.equals(mean, p.mean) && Arrays.equals(std, p.std)
                && channelOrder == p.channelOrder && layout == p.layout && pooling == p.pooling
                && java.util.Objects.equals(l2Normalize, p.l2Normalize);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(inputName, outputName, inputKind, height, width, resizeShorterSide, scale,
                Arrays.hashCode(mean), Arrays.hashCode(std), channelOrder, layout, pooling, l2Normalize);
    }
}
