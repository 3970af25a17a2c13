package io.simforge.cli;

import io.simforge.core.model.ModelSettings;
import io.simforge.infer.Embedder;
import io.simforge.infer.PartialSettings;
import java.io.PrintStream;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * How to run a model that does not describe itself (no simforge metadata): one spelling for {@code embed},
 * {@code eval}, {@code search}, {@code verify} and {@code adopt}. Each flag wins over what a settings file beside the
 * model ({@code <model>.simforge.json}, {@code preprocessor_config.json}) or its metadata says.
 */
final class ModelSettingsOptions {
    @Option(names = "--input-name", paramLabel = "NAME", description = "Model settings: the graph input to feed (when "
            + "the model has several).")
    String inputName;

    @Option(names = "--output-name", paramLabel = "NAME", description = "Model settings: the graph output holding the "
            + "embeddings (when the model has several).")
    String outputName;

    @Option(names = "--input-size", split = "x", paramLabel = "H[xW]", converter = Ranges.Positive.class,
            description = "Model settings: the image size the model takes, e.g. 224 or 224x192 (default: the graph's).")
    int[] inputSize;

    @Option(names = "--resize-shorter-side", paramLabel = "N", converter = Ranges.NonNegative.class,
            description = "Model settings: resize the shorter side to N, then take the centre --input-size (0: resize "
                    + "straight to --input-size).")
    Integer resizeShorterSide;

    @Option(names = "--scale", converter = Ranges.PositiveNumber.class, description = "Model settings: pixel values "
            + "0-255 are multiplied by this before mean and std (default 1/255).")
    Float scale;

    @Option(names = "--mean", split = ",", converter = Ranges.Finite.class, description = "Model settings: per-channel "
            + "mean subtracted after scaling, e.g. 0.485,0.456,0.406.")
    float[] mean;

    @Option(names = "--std", split = ",", converter = Ranges.PositiveNumber.class, description = "Model settings: "
            + "per-channel standard deviation divided by, e.g. 0.229,0.224,0.225.")
    float[] std;

    @Option(names = "--channel-order", paramLabel = "rgb|bgr|gray", converter = ChannelOrders.class,
            description = "Model settings: the channels the model takes, in order (default: rgb for 3, gray for 1).")
    ModelSettings.ChannelOrder channelOrder;

    @Option(names = "--input-layout", paramLabel = "nchw|nhwc", converter = Layouts.class, description = "Model settings: "
            + "channels first (PyTorch) or last (TensorFlow); default: what the input's shape shows.")
    ModelSettings.Layout layout;

    @Option(names = "--token-pooling", paramLabel = "none|cls|mean", converter = Poolings.class, description = "Model "
            + "settings: how an output of one vector per token becomes one embedding: the first (CLS) token or the mean.")
    ModelSettings.Pooling pooling;

    @Option(names = "--l2-normalize", negatable = true, description = "Model settings: divide each embedding by its "
            + "L2 norm (default on for models without simforge metadata; --no-l2-normalize to keep them raw).")
    Boolean l2Normalize;

    /** The settings these flags give (the rest from the model's files). */
    PartialSettings overrides() {
        return new PartialSettings(inputName, outputName, null, inputSize == null ? null : inputSize[0],
                inputSize == null ? null : inputSize[inputSize.length > 1 ? 1 : 0], resizeShorterSide, scale, mean, std,
                channelOrder, layout, pooling, l2Normalize);
    }

    /** Says which settings a model runs with, when they did not all come from its own metadata. */
    static void print(Embedder embedder, PrintStream out) {
        if (!embedder.settingsSource().equals("simforge metadata")) {
            out.println("Model settings (from " + embedder.settingsSource() + "): " + embedder.settings().describe());
        }
        embedder.notes().forEach(n -> out.println("Note: " + n));
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String typed) {
        try {
            return Enum.valueOf(type, typed.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + typed + "' is not one of " + java.util.Arrays.toString(
                    type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }

    static final class ChannelOrders implements ITypeConverter<ModelSettings.ChannelOrder> {
        @Override
        public ModelSettings.ChannelOrder convert(String typed) {
            return parse(ModelSettings.ChannelOrder.class, typed);
        }
    }

    static final class Layouts implements ITypeConverter<ModelSettings.Layout> {
        @Override
        public ModelSettings.Layout convert(String typed) {
            return parse(ModelSettings.Layout.class, typed);
        }
    }

    static final class Poolings implements ITypeConverter<ModelSettings.Pooling> {
        @Override
        public ModelSettings.Pooling convert(String typed) {
            return parse(ModelSettings.Pooling.class, typed);
        }
    }
}
