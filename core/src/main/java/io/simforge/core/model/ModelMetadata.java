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
     * {@code simforge.version}; models of versions 1 and 2 still load.
     */
    public static final Format FORMAT = Format.of("simforge-model", 3).withLegacyVersionKey("format_version");
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
        if (embeddingSize <= 0) {
            throw new IllegalArgumentException("embedding size must be positive, got " + embeddingSize);
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
        m.put(KEY_VERSION, Integer.toString(FORMAT.version()));
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
        return new ModelMetadata(v, m.getOrDefault(KEY_PRODUCER, "unknown"),
                parseInt(m, KEY_EMBEDDING_SIZE, source),
                Boolean.parseBoolean(require(m, KEY_NORMALIZED, source)), kind, shape,
                m.getOrDefault(KEY_CHANNEL_ORDER, kind.isImage() ? "GRAY" : "none"), pre,
                require(m, KEY_INPUT_NAME, source), require(m, KEY_OUTPUT_NAME, source), m.get(KEY_TRAINING));
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
