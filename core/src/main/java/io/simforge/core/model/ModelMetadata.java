package io.simforge.core.model;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.simforge.core.format.Format;
import io.simforge.core.format.FormatException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The facts an exported embedding model carries in its ONNX {@code metadata_props}: what the input is,
 * how to preprocess it, what comes out. Written by {@code export}, read back by {@code infer}; the keys
 * and their meaning are documented in {@code docs/model-format.md}.
 *
 * <p>Versioned ({@link #FORMAT}, simforge's common header as the keys {@code simforge.format} and
 * {@code simforge.version}): a reader accepts every version up to its own and refuses newer ones with a message
 * that says to upgrade. {@code formatVersion} is the version the metadata was read from; {@link #toMap} writes the
 * current one.
 */
public record ModelMetadata(
        int formatVersion,
        String producer,
        int embeddingSize,
        boolean normalized,
        InputKind inputKind,
        int[] itemShape,
        String channelOrder,
        Preprocessing preprocessing,
        String inputName,
        String outputName,
        String training) {

    /**
     * Version 1: the keys below, with the version under {@code simforge.format_version}. Version 2 added
     * {@code image_uint8} inputs. Version 3 moved to the common header, {@code simforge.format} and
     * {@code simforge.version}; models of versions 1 and 2 still load. Version 4 adds the keys an adopted foreign
     * model may need ({@link ModelSettings}: NHWC layout, BGR, pooling, runtime L2 normalisation); it is written only
     * when a model needs them, so simforge's own exports stay version 3.
     */
    public static final Format FORMAT = Format.of("simforge-model", 4).withLegacyVersionKey("format_version");
    /** The version {@link #toMap} writes: the newest whose keys every simforge export can be described with. */
    public static final int WRITTEN_VERSION = 3;
    /** The most values one item or one embedding may have (a damaged or hostile file claims more). */
    public static final int MAX_VALUES = 1 << 26;
    public static final String PREFIX = "simforge.";
    /** The ONNX operator sets simforge exports at (default domain), and so the ones a simforge model declares. */
    public static final int MIN_OPSET = 13;
    public static final int MAX_OPSET = 21;
    public static final String KEY_FORMAT = PREFIX + Format.FORMAT_KEY;
    public static final String KEY_VERSION = PREFIX + Format.VERSION_KEY;
    public static final String KEY_PRODUCER = PREFIX + "producer";
    public static final String KEY_EMBEDDING_SIZE = PREFIX + "embedding_size";
    public static final String KEY_NORMALIZED = PREFIX + "normalized";
    public static final String KEY_INPUT_KIND = PREFIX + "input_kind";
    public static final String KEY_INPUT_SHAPE = PREFIX + "input_shape";
    /** NCHW for images, ND for vectors: how the input's dimensions are ordered (informational). */
    public static final String KEY_INPUT_LAYOUT = PREFIX + "input_layout";
    public static final String KEY_CHANNEL_ORDER = PREFIX + "channel_order";
    public static final String KEY_PREPROCESSING = PREFIX + "preprocessing";
    public static final String KEY_INPUT_NAME = PREFIX + "input_name";
    public static final String KEY_OUTPUT_NAME = PREFIX + "output_name";
    public static final String KEY_TRAINING = PREFIX + "training";
    /** SHA-256 of the weights (every initialiser's name and bytes, in graph order), written by the exporter. */
    public static final String KEY_WEIGHTS_SHA256 = PREFIX + "weights_sha256";
    /** The export options (opset, BatchNorm folding, weight precision), written by the exporter. */
    public static final String KEY_EXPORT_OPTIONS = PREFIX + "export_options";

    /**
     * What a model consumes: images (NCHW floats after preprocessing), images as raw 8-bit pixels (NCHW
     * uint8; the graph does the preprocessing itself, so an app only decodes and resizes), or plain
     * feature vectors.
     */
    public enum InputKind {
        IMAGE, IMAGE_UINT8, VECTOR;

        public boolean isImage() {
            return this != VECTOR;
        }
    }

    public ModelMetadata {
        if (embeddingSize <= 0 || embeddingSize > MAX_VALUES) {
            throw new IllegalArgumentException("embedding size must be from 1 to " + MAX_VALUES + ", got "
                    + embeddingSize);
        }
        long values = 1;
        for (int d : itemShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("input shape " + Arrays.toString(itemShape) + " has a dimension "
                        + "that is not positive");
            }
            values *= d;
            if (values > MAX_VALUES) {
                throw new IllegalArgumentException("input shape " + Arrays.toString(itemShape) + " has more than "
                        + MAX_VALUES + " values per item");
            }
        }
        if (inputKind.isImage() && (itemShape.length != 3 || preprocessing == null)) {
            throw new IllegalArgumentException("an image model needs a C,H,W item shape and its preprocessing");
        }
        if (inputKind == InputKind.VECTOR && itemShape.length != 1) {
            throw new IllegalArgumentException("a vector model needs a one-dimensional item shape");
        }
    }

    /** Number of input values per item. */
    public int itemSize() {
        return Arrays.stream(itemShape).reduce(1, (a, b) -> a * b);
    }

    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(KEY_FORMAT, FORMAT.name());
        m.put(KEY_VERSION, Integer.toString(WRITTEN_VERSION));
        m.put(KEY_PRODUCER, producer);
        m.put(KEY_EMBEDDING_SIZE, Integer.toString(embeddingSize));
        m.put(KEY_NORMALIZED, Boolean.toString(normalized));
        m.put(KEY_INPUT_KIND, inputKind.name().toLowerCase());
        m.put(KEY_INPUT_SHAPE, joinInts(itemShape));
        m.put(KEY_INPUT_LAYOUT, inputKind.isImage() ? "NCHW" : "ND");
        m.put(KEY_CHANNEL_ORDER, channelOrder);
        m.put(KEY_INPUT_NAME, inputName);
        m.put(KEY_OUTPUT_NAME, outputName);
        if (preprocessing != null) {
            JsonObject p = new JsonObject();
            p.addProperty("resize_shorter_side", preprocessing.resizeShorterSide());
            p.addProperty("centre_crop", preprocessing.resizeShorterSide() > 0);
            p.addProperty("scale", preprocessing.scale());
            p.add("mean", floats(preprocessing.mean()));
            p.add("std", floats(preprocessing.std()));
            m.put(KEY_PREPROCESSING, p.toString());
        }
        if (training != null) {
            m.put(KEY_TRAINING, training);
        }
        return m;
    }

    /**
     * Whether a model's metadata claims to be simforge's (it names the format, or has the version key of versions 1
     * and 2), so that {@link #fromMap} applies rather than settings from elsewhere.
     */
    public static boolean isSimforgeModel(Map<String, String> m) {
        return m.containsKey(KEY_FORMAT) || m.containsKey(PREFIX + "format_version");
    }

    /**
     * Reads the metadata of a model; {@code source} names the file in error messages.
     *
     * @throws IllegalArgumentException naming the missing or malformed key and what to do about it (a
     *     {@link FormatException} as its cause when the header is foreign, newer or damaged)
     */
    public static ModelMetadata fromMap(Map<String, String> m, String source) {
        int v;
        try {
            v = FORMAT.checkHeader(key -> m.get(PREFIX + key), source);
        } catch (FormatException e) {
            throw new IllegalArgumentException(e.getMessage() + (e.problem() != FormatException.Problem.FOREIGN ? ""
                    : ". Export the model with `simforge export`, which records the input shape, preprocessing and "
                    + "embedding size the runtime needs."), e);
        }
        InputKind kind;
        try {
            kind = InputKind.valueOf(require(m, KEY_INPUT_KIND, source).toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": metadata '" + KEY_INPUT_KIND + "' must be 'image', "
                    + "'image_uint8' or 'vector'");
        }
        int[] shape = parseInts(require(m, KEY_INPUT_SHAPE, source), KEY_INPUT_SHAPE, source);
        if (shape.length != (kind.isImage() ? 3 : 1)) {
            throw new IllegalArgumentException(source + ": metadata '" + KEY_INPUT_SHAPE + "' is '" + m.get(KEY_INPUT_SHAPE)
                    + "', but " + (kind.isImage() ? "an image model's items are C,H,W" : "a vector model's items are D")
                    + "; re-export the model.");
        }
        Preprocessing pre = null;
        if (kind.isImage()) {
            try {
                JsonObject p = JsonParser.parseString(require(m, KEY_PREPROCESSING, source)).getAsJsonObject();
                float[] mean = toFloats(p.getAsJsonArray("mean"));
                float[] std = toFloats(p.getAsJsonArray("std"));
                int resize = p.has("resize_shorter_side") ? p.get("resize_shorter_side").getAsInt() : 0;
                pre = new Preprocessing(shape[0], shape[1], shape[2], p.get("scale").getAsFloat(), mean, std, resize);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(source + ": metadata '" + KEY_PREPROCESSING
                        + "' is malformed (" + e.getMessage() + "); re-export the model.", e);
            }
        }
        try {
            return new ModelMetadata(v, m.getOrDefault(KEY_PRODUCER, "unknown"),
                    parseInt(m, KEY_EMBEDDING_SIZE, source),
                    Boolean.parseBoolean(require(m, KEY_NORMALIZED, source)), kind, shape,
                    m.getOrDefault(KEY_CHANNEL_ORDER, kind.isImage() ? "GRAY" : "none"), pre,
                    require(m, KEY_INPUT_NAME, source), require(m, KEY_OUTPUT_NAME, source), m.get(KEY_TRAINING));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source)) {
                throw e;
            }
            throw new IllegalArgumentException(source + ": its metadata is inconsistent (" + e.getMessage()
                    + "); re-export the model.", e);
        }
    }

    private static String require(Map<String, String> m, String key, String source) {
        String value = m.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(source + ": metadata key '" + key + "' is missing; re-export the "
                    + "model with `simforge export`.");
        }
        return value;
    }

    private static int parseInt(Map<String, String> m, String key, String source) {
        String value = require(m, key, source);
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": metadata '" + key + "' is '" + value + "', not an integer");
        }
    }

    private static int[] parseInts(String value, String key, String source) {
        try {
            return Arrays.stream(value.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": metadata '" + key + "' is '" + value
                    + "', not a comma-separated list of integers");
        }
    }

    private static String joinInts(int[] values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ",").append(values[i]);
        }
        return sb.toString();
    }

    private static com.google.gson.JsonArray floats(float[] values) {
        com.google.gson.JsonArray a = new com.google.gson.JsonArray();
        for (float f : values) {
            a.add(f);
        }
        return a;
    }

    private static float[] toFloats(com.google.gson.JsonArray a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelMetadata x && toMap().equals(x.toMap()) && formatVersion == x.formatVersion;
    }

    @Override
    public int hashCode() {
        return toMap().hashCode();
    }
}
