package io.simforge.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.simforge.core.format.Format;
import io.simforge.core.io.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics of one evaluation, as {@code metrics.json} holds them: what was evaluated and how (the protocol),
 * the model's metrics, and the baselines' on the same items.
 *
 * <p>{@code metrics.json}: a header {@code "format": "simforge-metrics", "version": 2}, then {@code protocol},
 * {@code model} (when a model was evaluated), {@code items}, {@code learned} (metric → value), {@code baselines}
 * (name → metric → value) and any further sections a job adds. Version 1 (written by simforge 0.1:
 * {@code format_version}, {@code test_items}, training facts mixed in) still reads.
 *
 * @param model the evaluated model file, or null for ready-made embeddings
 * @param items items evaluated (queries, for the query/gallery form)
 * @param embedSeconds time spent embedding (0 for ready-made embeddings)
 * @param rejects images that could not be read and were left out
 * @param extra further sections a job adds, by key (e.g. the quickstart's held-out images)
 */
public record EvaluationResult(String protocol, String model, int items, Map<String, Double> learned,
        Map<String, Map<String, Double>> baselines, double embedSeconds, long rejects, Map<String, Object> extra) {
    /** {@code metrics.json}: version 2 added the header and left training facts to the files of training. */
    public static final Format FORMAT = Format.of("simforge-metrics", 2).withLegacyVersionKey("format_version")
            .withUnversionedAsVersion1();

    public EvaluationResult {
        learned = Collections.unmodifiableMap(new LinkedHashMap<>(learned));
        baselines = Collections.unmodifiableMap(new LinkedHashMap<>(baselines));
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** The same result with another section. */
    public EvaluationResult with(String key, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extra);
        more.put(key, value);
        return new EvaluationResult(protocol, model, items, learned, baselines, embedSeconds, rejects, more);
    }

    /** Columns for a table: the model first, then each baseline. */
    public Map<String, Map<String, Double>> columns() {
        Map<String, Map<String, Double>> c = new LinkedHashMap<>();
        c.put(baselines.isEmpty() ? "value" : "learned", learned);
        c.putAll(baselines);
        return c;
    }

    /** Writes {@code metrics.json} atomically. */
    public void write(Path file) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("protocol", protocol);
        if (model != null) {
            o.addProperty("model", model);
        }
        o.addProperty("items", items);
        o.add("learned", Json.toJsonTree(learned));
        if (!baselines.isEmpty()) {
            o.add("baselines", Json.toJsonTree(baselines));
        }
        extra.forEach((k, v) -> o.add(k, Json.toJsonTree(v)));
        FORMAT.write(file, o);
    }

    /** Reads {@code metrics.json} of version 1 or 2 (for reports); timings are not kept in the file. */
    public static EvaluationResult read(Path file) throws IOException {
        JsonObject o = FORMAT.read(file);
        Map<String, Map<String, Double>> baselines = new LinkedHashMap<>();
        if (o.has("baselines")) {
            for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("baselines").entrySet()) {
                baselines.put(e.getKey(), numbers(e.getValue().getAsJsonObject()));
            }
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        for (String key : o.keySet()) {
            if (!java.util.Set.of("format", "version", "protocol", "model", "items", "test_items",
                    "learned", "baselines").contains(key)) {
                extra.put(key, o.get(key));
            }
        }
        int items = o.has("items") ? o.get("items").getAsInt() : o.has("test_items") ? o.get("test_items").getAsInt() : 0;
        return new EvaluationResult(o.has("protocol") ? o.get("protocol").getAsString() : "",
                o.has("model") ? o.get("model").getAsString() : null, items,
                o.has("learned") ? numbers(o.getAsJsonObject("learned")) : Map.of(), baselines, 0, 0, extra);
    }

    private static Map<String, Double> numbers(JsonObject o) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (e.getValue().isJsonPrimitive() && e.getValue().getAsJsonPrimitive().isNumber()) {
                m.put(e.getKey(), e.getValue().getAsDouble());
            }
        }
        return m;
    }
}
