package io.simforge.core.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** One JSON configuration for the whole project: pretty, stable field order, no HTML escaping. */
public final class Json {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
            .serializeSpecialFloatingPointValues().create();

    private Json() {}

    public static String toJson(Object value) {
        return GSON.toJson(value);
    }

    public static <T> T fromJson(String json, Class<T> type) {
        return GSON.fromJson(json, type);
    }

    public static JsonElement toJsonTree(Object value) {
        return GSON.toJsonTree(value);
    }

    public static <T> T fromJson(JsonElement json, Class<T> type) {
        return GSON.fromJson(json, type);
    }

    public static void write(Path file, Object value) throws IOException {
        AtomicFiles.writeString(file, toJson(value) + "\n");
    }

    public static <T> T read(Path file, Class<T> type) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            T value = GSON.fromJson(text, type);
            if (value == null) {
                throw new IOException(file + " is empty; expected a JSON " + type.getSimpleName());
            }
            return value;
        } catch (JsonParseException e) {
            throw new IOException(file + " is not valid JSON for " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
