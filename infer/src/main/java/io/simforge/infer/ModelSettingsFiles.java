package io.simforge.infer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.simforge.core.error.InvalidInputException;
import io.simforge.core.error.SimforgeException;
import io.simforge.core.format.Format;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.ModelSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where a model's {@link ModelSettings} come from, in order: settings given in code or as flags; a simforge model's
 * metadata (an export, or a model written by {@code simforge adopt}); the sidecar {@code <model>.simforge.json} beside
 * the model ({@link #SIDECAR}); Hugging Face's {@code preprocessor_config.json} beside it; and what the graph makes
 * certain. Every source but the graph is read strictly: an unknown key or a value of the wrong kind is refused naming
 * the file and the key.
 */
public final class ModelSettingsFiles {
    /**
     * The sidecar: {@code {"format": "simforge-model-settings", "version": 1, "input": "pixels", "output":
     * "embedding", "input_kind": "image", "height": 224, "width": 224, "resize_shorter_side": 256, "scale": 0.0039215686,
     * "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "channel_order": "rgb", "layout": "nchw",
     * "pooling": "none", "l2_normalize": true}}, every key optional.
     */
    public static final Format SIDECAR = Format.of("simforge-model-settings", 1);
    /** Hugging Face's image processor settings, as Optimum and {@code save_pretrained} write them. */
    public static final String HUGGING_FACE_FILE = "preprocessor_config.json";
    private static final Set<String> SIDECAR_KEYS = Set.of("input", "output", "input_kind", "height", "width",
            "resize_shorter_side", "scale", "mean", "std", "channel_order", "layout", "pooling", "l2_normalize");

    private ModelSettingsFiles() {}

    /** Settings and where they came from, with notes for the user (e.g. a resampling filter simforge does not use). */
    public record Resolved(ModelSettings settings, String source, List<String> notes) {}

    /** The sidecar settings file of {@code model}: {@code net.onnx} → {@code net.simforge.json}. */
    public static Path sidecarOf(Path model) {
        String name = model.getFileName().toString();
        String stem = name.toLowerCase(Locale.ROOT).endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
        return model.resolveSibling(stem + ".simforge.json");
    }

    /**
     * Resolves a model's settings from every source (see the class comment).
     *
     * @param overrides settings given as flags or in code, which win field by field
     */
    static Resolved resolve(Path model, Map<String, String> props, List<ForeignModel.Port> inputs,
            List<ForeignModel.Port> outputs, PartialSettings overrides) {
        if (ModelMetadata.isSimforgeModel(props)) {
            ModelSettings fromMetadata;
            try {
                fromMetadata = ModelSettings.fromMetadata(props, model.toString());
            } catch (IllegalArgumentException e) {
                throw new EmbedderException(e.getMessage(), e);
            }
            if (overrides.isEmpty()) {
                return new Resolved(fromMetadata, "simforge metadata", List.of());
            }
            return new Resolved(overrides.over(PartialSettings.of(fromMetadata)).complete(model, inputs, outputs),
                    "flags over simforge metadata", List.of());
        }
        List<String> sources = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        PartialSettings layers = overrides;
        if (!overrides.isEmpty()) {
            sources.add("flags");
        }
        Path sidecar = sidecarOf(model);
        if (Files.isRegularFile(sidecar)) {
            layers = layers.over(readSidecar(sidecar));
            sources.add(sidecar.getFileName().toString());
        }
        Path hf = model.resolveSibling(HUGGING_FACE_FILE);
        if (Files.isRegularFile(hf)) {
            layers = layers.over(readHuggingFace(hf, notes));
            sources.add(HUGGING_FACE_FILE);
        }
        sources.add("the graph");
        return new Resolved(layers.complete(model, inputs, outputs), String.join(" over ", sources), notes);
    }

    /**
     * Reads a sidecar settings file ({@link #SIDECAR}).
     *
     * @throws SimforgeException naming the file and the key when it is not one or holds a wrong value
     */
    public static PartialSettings readSidecar(Path file) {
        JsonObject o;
        try {
            o = SIDECAR.read(file);
        } catch (IOException e) {
            throw SimforgeException.of(e);
        }
        for (String key : o.keySet()) {
            if (!key.equals(Format.FORMAT_KEY) && !key.equals(Format.VERSION_KEY) && !SIDECAR_KEYS.contains(key)) {
                throw new InvalidInputException(file + ": unknown key '" + key + "'; the keys are " + SIDECAR_KEYS);
            }
        }
        Reader r = new Reader(file, o);
        return new PartialSettings(r.string("input"), r.string("output"),
                r.enumValue("input_kind", ModelMetadata.InputKind.class), r.positive("height"), r.positive("width"),
                r.nonNegative("resize_shorter_side"), r.number("scale"), r.floats("mean"), r.floats("std"),
                r.enumValue("channel_order", ModelSettings.ChannelOrder.class),
                r.enumValue("layout", ModelSettings.Layout.class), r.enumValue("pooling", ModelSettings.Pooling.class),
                r.bool("l2_normalize"));
    }

    /** Writes {@code settings} as a sidecar file (atomically), every key given. */
    public static void writeSidecar(Path file, ModelSettings settings) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("input", settings.inputName());
        m.put("output", settings.outputName());
        m.put("input_kind", settings.inputKind().name().toLowerCase(Locale.ROOT));
        if (settings.preprocessing() != null) {
            m.put("height", settings.preprocessing().height());
            m.put("width", settings.preprocessing().width());
            m.put("resize_shorter_side", settings.preprocessing().resizeShorterSide());
            m.put("scale", settings.preprocessing().scale());
            m.put("mean", settings.preprocessing().mean());
            m.put("std", settings.preprocessing().std());
            m.put("channel_order", settings.channelOrder().name().toLowerCase(Locale.ROOT));
            m.put("layout", settings.layout().name().toLowerCase(Locale.ROOT));
        }
        m.put("pooling", settings.pooling().name().toLowerCase(Locale.ROOT));
        m.put("l2_normalize", settings.l2Normalize());
        SIDECAR.write(file, m);
    }

    /**
     * Reads Hugging Face's {@code preprocessor_config.json}: {@code size} ({@code shortest_edge}, or {@code height}
     * and {@code width}), {@code do_center_crop} with {@code crop_size}, {@code do_rescale} with
     * {@code rescale_factor}, {@code do_normalize} with {@code image_mean} and {@code image_std}, {@code resample}.
     * Other keys (the processor's class, text settings) are ignored.
     *
     * @param notes gets a line for what simforge does differently (its resize is always bilinear)
     */
    public static PartialSettings readHuggingFace(Path file, List<String> notes) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw new InvalidInputException(file + " is not a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new InvalidInputException(file + " is not UTF-8 text", e);
        } catch (IOException e) {
            throw SimforgeException.of(e);
        } catch (JsonParseException e) {
            throw new InvalidInputException(file + " is not JSON: " + e.getMessage(), e);
        }
        Reader r = new Reader(file, o);
        boolean resize = r.flag("do_resize", true);
        boolean crop = r.flag("do_center_crop", false);
        Integer height = null;
        Integer width = null;
        Integer shorter = null;
        if (resize && o.has("size")) {
            int[] size = r.size("size");
            if (size.length == 1) {
                shorter = size[0];
                height = size[0];
                width = size[0];
            } else {
                height = size[0];
                width = size[1];
                shorter = 0;
            }
        }
        if (crop && o.has("crop_size")) {
            int[] c = r.size("crop_size");
            if (shorter != null && shorter == 0) {
                throw new InvalidInputException(file + ": a resize to a fixed height and width followed by a centre "
                        + "crop is not a preprocessing simforge runs; give \"size\": {\"shortest_edge\": N} instead, or "
                        + "the settings as flags");
            }
            height = c[0];
            width = c.length == 1 ? c[0] : c[1];
        }
        Float scale = r.flag("do_rescale", true) ? (o.has("rescale_factor") ? r.number("rescale_factor") : 1f / 255f)
                : 1f;
        float[] mean = null;
        float[] std = null;
        if (r.flag("do_normalize", true)) {
            mean = r.floats("image_mean");
            std = r.floats("image_std");
        } else {
            mean = new float[] {0f};
            std = new float[] {1f};
        }
        if (o.has("resample")) {
            int resample = r.nonNegative("resample");
            if (resample != 2) {
                notes.add(file.getFileName() + " asks for resampling filter " + resample + " (PIL: 0 nearest, 2 "
                        + "bilinear, 3 bicubic); simforge resizes bilinearly, so embeddings of images that need "
                        + "resizing differ slightly from the model's own pipeline");
            }
        }
        return new PartialSettings(null, null, null, height, width, shorter, scale, mean, std, null, null, null, null);
    }

    /** Typed reads of one JSON object's members, each error naming the file and the key. */
    private record Reader(Path file, JsonObject o) {
        private InvalidInputException wrong(String key, String expected) {
            return new InvalidInputException(file + ": \"" + key + "\" is " + o.get(key) + ", not " + expected);
        }

        String string(String key) {
            if (!o.has(key)) {
                return null;
            }
            JsonElement e = o.get(key);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().isBlank()) {
                throw wrong(key, "a name");
            }
            return e.getAsString();
        }

        Float number(String key) {
            if (!o.has(key)) {
                return null;
            }
            JsonElement e = o.get(key);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() || !Float.isFinite(e.getAsFloat())) {
                throw wrong(key, "a number");
            }
            return e.getAsFloat();
        }

        Integer positive(String key) {
            Integer v = integer(key);
            if (v != null && v <= 0) {
                throw wrong(key, "a positive whole number");
            }
            return v;
        }

        Integer nonNegative(String key) {
            Integer v = integer(key);
            if (v != null && v < 0) {
                throw wrong(key, "a whole number, 0 or more");
            }
            return v;
        }

        private Integer integer(String key) {
            Float f = number(key);
            if (f == null) {
                return null;
            }
            if (f != Math.rint(f) || Math.abs(f) > 1 << 20) {
                throw wrong(key, "a whole number up to " + (1 << 20));
            }
            return f.intValue();
        }

        boolean flag(String key, boolean absent) {
            Boolean b = bool(key);
            return b == null ? absent : b;
        }

        Boolean bool(String key) {
            if (!o.has(key)) {
                return null;
            }
            JsonElement e = o.get(key);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
                throw wrong(key, "true or false");
            }
            return e.getAsBoolean();
        }

        float[] floats(String key) {
            if (!o.has(key)) {
                return null;
            }
            JsonElement e = o.get(key);
            if (e.isJsonPrimitive()) {
                return new float[] {number(key)};
            }
            if (!e.isJsonArray() || e.getAsJsonArray().isEmpty() || e.getAsJsonArray().size() > 4) {
                throw wrong(key, "a number or a list of 1 to 4 numbers");
            }
            float[] out = new float[e.getAsJsonArray().size()];
            for (int i = 0; i < out.length; i++) {
                JsonElement x = e.getAsJsonArray().get(i);
                if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber() || !Float.isFinite(x.getAsFloat())) {
                    throw wrong(key, "a list of numbers");
                }
                out[i] = x.getAsFloat();
            }
            return out;
        }

        <E extends Enum<E>> E enumValue(String key, Class<E> type) {
            String s = string(key);
            if (s == null) {
                return null;
            }
            try {
                return Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw wrong(key, "one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
            }
        }

        /** Hugging Face's sizes: a number, {"shortest_edge": N}, or {"height": H, "width": W}. */
        int[] size(String key) {
            JsonElement e = o.get(key);
            if (e.isJsonPrimitive()) {
                return new int[] {positive(key)};
            }
            if (!e.isJsonObject()) {
                throw wrong(key, "a size");
            }
            Reader inner = new Reader(file, e.getAsJsonObject());
            Integer shortest = inner.positive("shortest_edge");
            Integer h = inner.positive("height");
            Integer w = inner.positive("width");
            if (shortest != null) {
                return new int[] {shortest};
            }
            if (h != null && w != null) {
                return new int[] {h, w};
            }
            throw wrong(key, "{\"shortest_edge\": N} or {\"height\": H, \"width\": W}");
        }
    }
}
