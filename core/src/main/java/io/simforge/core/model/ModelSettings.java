package io.simforge.core.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How to run an embedding model: which graph input and output, what an item is (an image of C×H×W after
 * {@link Preprocessing}, or a vector of D values), how the image reaches the graph ({@link Layout}, {@link
 * ChannelOrder}), and how the graph's output becomes one embedding ({@link Pooling} of a token output, L2
 * normalisation by the runtime). One value for every source: a simforge model's metadata ({@link #fromMetadata}),
 * flags, a sidecar JSON or Hugging Face's {@code preprocessor_config.json} (both read by {@code infer.ModelSettingsFiles}),
 * and what {@code simforge adopt} writes back into a model ({@link #toMetadata}).
 *
 * @param inputName the graph input to feed
 * @param outputName the graph output that holds the embeddings (or the tokens to pool)
 * @param inputKind images (float, or 8-bit pixels the graph normalises itself) or vectors
 * @param itemShape one item as simforge prepares it: C,H,W for images (whatever the layout), D for vectors
 * @param layout how an image's axes are ordered in the graph's input
 * @param channelOrder GRAY, RGB, or BGR (channels swapped before the graph)
 * @param preprocessing how an image becomes C×H×W values; null for vectors
 * @param pooling how a {@code [batch, tokens, size]} output becomes {@code [batch, size]}; NONE for a 2-D output
 * @param l2Normalize whether the runtime divides each embedding by its L2 norm (for a graph that does not)
 * @param embeddingSize the size of one embedding, 0 when only the graph knows it (read when the model is opened)
 */
public record ModelSettings(String inputName, String outputName, ModelMetadata.InputKind inputKind, int[] itemShape,
        Layout layout, ChannelOrder channelOrder, Preprocessing preprocessing, Pooling pooling, boolean l2Normalize,
        int embeddingSize) {

    /** Axis order of an image input: channels first (PyTorch, simforge) or last (TensorFlow, Keras). */
    public enum Layout { NCHW, NHWC }

    /** The channels an image input takes, in order. BGR models (OpenCV, Caffe) get R and B swapped. */
    public enum ChannelOrder {
        GRAY, RGB, BGR;

        /** The number of channels. */
        public int channels() {
            return this == GRAY ? 1 : 3;
        }
    }

    /** How a token output {@code [batch, tokens, size]} becomes one embedding per item. */
    public enum Pooling {
        /** The output is already {@code [batch, size]}. */
        NONE,
        /** The first token (BERT's and ViT's CLS token). */
        CLS,
        /** The mean over tokens (of {@code last_hidden_state}). */
        MEAN
    }

    /** Metadata keys added in version 4 of {@code simforge-model}, for settings a simforge export never needs. */
    public static final String KEY_POOLING = ModelMetadata.PREFIX + "pooling";
    public static final String KEY_L2_NORMALIZE = ModelMetadata.PREFIX + "l2_normalize";

    public ModelSettings {
        if (inputName == null || inputName.isBlank() || outputName == null || outputName.isBlank()) {
            throw new IllegalArgumentException("model settings need the input and output names");
        }
        itemShape = itemShape.clone();
        if (inputKind.isImage()) {
            if (itemShape.length != 3 || preprocessing == null) {
                throw new IllegalArgumentException("an image model needs a C,H,W item shape and its preprocessing");
            }
            if (itemShape[0] != channelOrder.channels()) {
                throw new IllegalArgumentException("channel order " + channelOrder + " has " + channelOrder.channels()
                        + " channel(s), but the items have " + itemShape[0]);
            }
        } else if (itemShape.length != 1 || itemShape[0] <= 0) {
            throw new IllegalArgumentException("a vector model needs a one-dimensional item shape, got "
                    + Arrays.toString(itemShape));
        }
        if (embeddingSize < 0) {
            throw new IllegalArgumentException("embedding size must be positive (or 0: read from the model), got "
                    + embeddingSize);
        }
    }

    /** A simforge model's settings, from its metadata: NCHW, no pooling, normalised by the graph when it says so. */
    public static ModelSettings of(ModelMetadata m) {
        ChannelOrder order = m.inputKind().isImage() ? parseChannelOrder(m.channelOrder(), m.itemShape()[0])
                : ChannelOrder.GRAY;
        return new ModelSettings(m.inputName(), m.outputName(), m.inputKind(), m.itemShape(), Layout.NCHW, order,
                m.preprocessing(), Pooling.NONE, false, m.embeddingSize());
    }

    /**
     * A model's settings from its {@code simforge.*} metadata, versions 1 to 4 (version 4 adds the layout,
     * BGR, pooling and runtime L2 normalisation that adopted models may need).
     *
     * @throws IllegalArgumentException as {@link ModelMetadata#fromMap}
     */
    public static ModelSettings fromMetadata(Map<String, String> props, String source) {
        ModelMetadata m = ModelMetadata.fromMap(props, source);
        try {
            return fromMetadata(props, source, m);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source)) {
                throw e;
            }
            throw new IllegalArgumentException(source + ": its metadata is inconsistent (" + e.getMessage() + ")", e);
        }
    }

    private static ModelSettings fromMetadata(Map<String, String> props, String source, ModelMetadata m) {
        ModelSettings s = of(m);
        Layout layout = parse(Layout.class, props.getOrDefault(ModelMetadata.KEY_INPUT_LAYOUT, "NCHW"),
                ModelMetadata.KEY_INPUT_LAYOUT, source, m.inputKind().isImage() ? Layout.NCHW : null);
        Pooling pooling = parse(Pooling.class, props.getOrDefault(KEY_POOLING, "none"), KEY_POOLING, source, null);
        boolean l2 = Boolean.parseBoolean(props.getOrDefault(KEY_L2_NORMALIZE, "false"));
        return new ModelSettings(s.inputName, s.outputName, s.inputKind, s.itemShape, layout == null ? Layout.NCHW
                : layout, s.channelOrder, s.preprocessing, pooling, l2, s.embeddingSize);
    }

    /**
     * The {@code simforge.*} metadata for these settings ({@code embeddingSize} must be known): version 3 keys,
     * and version 4 when the settings need its keys (NHWC, BGR, pooling, runtime L2 normalisation).
     *
     * @param producer what wrote the metadata
     * @param graphNormalizes whether the graph's outputs already have unit length
     */
    public Map<String, String> toMetadata(String producer, boolean graphNormalizes) {
        if (embeddingSize <= 0) {
            throw new IllegalStateException("the embedding size is not known yet");
        }
        ModelMetadata m = toModelMetadata(producer, graphNormalizes, null);
        Map<String, String> out = new LinkedHashMap<>(m.toMap());
        if (inputKind.isImage()) {
            out.put(ModelMetadata.KEY_INPUT_LAYOUT, layout.name());
        }
        if (needsVersion4()) {
            out.put(ModelMetadata.KEY_VERSION, "4");
            out.put(KEY_POOLING, pooling.name().toLowerCase(Locale.ROOT));
            out.put(KEY_L2_NORMALIZE, Boolean.toString(l2Normalize));
        }
        return out;
    }

    /** The {@link ModelMetadata} view of these settings (NCHW facts; the rest is in {@link #toMetadata}). */
    public ModelMetadata toModelMetadata(String producer, boolean graphNormalizes, String training) {
        return new ModelMetadata(ModelMetadata.WRITTEN_VERSION, producer, embeddingSize, graphNormalizes || l2Normalize,
                inputKind, itemShape, inputKind.isImage() ? channelOrder.name() : "none", preprocessing, inputName,
                outputName, training);
    }

    /** Whether a simforge before metadata version 4 would run these settings wrongly (and so must refuse them). */
    public boolean needsVersion4() {
        return layout != Layout.NCHW || channelOrder == ChannelOrder.BGR || pooling != Pooling.NONE || l2Normalize;
    }

    /** Values per item. */
    public int itemSize() {
        return Arrays.stream(itemShape).reduce(1, Math::multiplyExact);
    }

    /** These settings with the embedding size known. */
    public ModelSettings withEmbeddingSize(int size) {
        return new ModelSettings(inputName, outputName, inputKind, itemShape, layout, channelOrder, preprocessing,
                pooling, l2Normalize, size);
    }

    /** One line, for what a command prints before it runs a model. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("input '").append(inputName).append("' ");
        if (inputKind.isImage()) {
            sb.append(layout).append(' ').append(channelOrder).append(' ').append(itemShape[1]).append('×')
                    .append(itemShape[2]).append(inputKind == ModelMetadata.InputKind.IMAGE_UINT8 ? " (8-bit)" : "")
                    .append(", ").append(preprocessing.describe());
        } else {
            sb.append(itemShape[0]).append("-d vectors");
        }
        sb.append("; output '").append(outputName).append("'");
        if (pooling != Pooling.NONE) {
            sb.append(", ").append(pooling == Pooling.CLS ? "CLS token" : "mean of the tokens");
        }
        sb.append(l2Normalize ? ", L2-normalised by simforge" : "");
        if (embeddingSize > 0) {
            sb.append(", ").append(embeddingSize).append("-d embeddings");
        }
        return sb.toString();
    }

    private static ChannelOrder parseChannelOrder(String value, int channels) {
        if (value == null || value.isBlank() || value.equalsIgnoreCase("none")) {
            return channels == 1 ? ChannelOrder.GRAY : ChannelOrder.RGB;
        }
        try {
            return ChannelOrder.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("channel order '" + value + "' is not GRAY, RGB or BGR");
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value, String key, String source, E fallback) {
        if (value.equalsIgnoreCase("ND")) {
            return fallback; // a vector model's layout
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": metadata '" + key + "' is '" + value + "'; expected one of "
                    + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSettings s && s.inputName.equals(inputName) && s.outputName.equals(outputName)
                && s.inputKind == inputKind && Arrays.equals(s.itemShape, itemShape) && s.layout == layout
                && s.channelOrder == channelOrder && java.util.Objects.equals(s.preprocessing, preprocessing)
                && s.pooling == pooling && s.l2Normalize == l2Normalize && s.embeddingSize == embeddingSize;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(inputName, outputName, inputKind, Arrays.hashCode(itemShape), layout,
                channelOrder, preprocessing, pooling, l2Normalize, embeddingSize);
    }

    @Override
    public String toString() {
        return "ModelSettings[" + describe() + "]";
    }
}
