package io.simforge.core.format;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.simforge.core.io.Json;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A format of a file simforge writes: its name ({@code simforge-<kind>}), the version this simforge writes (and
 * reads up to), and the older spellings of a version it still reads. Every file starts with the same header,
 * checked by one reader:
 * <ul>
 *   <li>a JSON file's first two members are {@code "format": "simforge-<kind>"} and {@code "version": N}
 *       ({@link #write}, {@link #read(Path)});
 *   <li>a JSON-lines file's first line is that object ({@link #header}, {@link #checkHeader(JsonObject, String)});
 *   <li>a binary file starts with a header of magic, name and version, and ends with a footer holding a CRC32 of
 *       everything before it ({@link FormatOutput}, {@link FormatInput});
 *   <li>an ONNX model has them as metadata, {@code simforge.format} and {@code simforge.version}
 *       ({@link #checkHeader(Function, String)}).
 * </ul>
 * A file of another format is refused as foreign, one of a newer version with the same message for every format
 * ({@link FormatException}). Files written before they had the header are read through {@link #withLegacyVersionKey}
 * and {@link #withUnversionedAsVersion1}.
 *
 * <pre>{@code
 * static final Format CONFIG = Format.of("simforge-train-config", 2).withUnversionedAsVersion1();
 * CONFIG.write(file, config);                       // {"format": "simforge-train-config", "version": 2, ...}
 * TrainConfig c = CONFIG.read(file, TrainConfig.class);
 * JsonObject o = CONFIG.read(file);                  // o.get("version"): the version the file was written in
 * }</pre>
 */
public final class Format {
    /** The header member that names the format. */
    public static final String FORMAT_KEY = "format";
    /** The header member that holds the version. */
    public static final String VERSION_KEY = "version";
    private static final Pattern NAME = Pattern.compile("simforge-[a-z0-9]+(-[a-z0-9]+)*");

    private final String name;
    private final int version;
    private final List<String> legacyVersionKeys;
    private final boolean unversionedIsVersion1;

    private Format(String name, int version, List<String> legacyVersionKeys, boolean unversionedIsVersion1) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a format's name is simforge-<kind> in lower case, got '" + name + "'");
        }
        if (version < 1) {
            throw new IllegalArgumentException("a format's version is positive, got " + version);
        }
        this.name = name;
        this.version = version;
        this.legacyVersionKeys = List.copyOf(legacyVersionKeys);
        this.unversionedIsVersion1 = unversionedIsVersion1;
    }

    /** The format {@code name} ({@code simforge-<kind>}), written at {@code version} and read up to it. */
    public static Format of(String name, int version) {
        return new Format(name, version, List.of(), false);
    }

    /**
     * This format, also reading files written before the header that kept their version under {@code key}
     * ({@code formatVersion}, {@code format_version}, or {@code version} without a format) as that version.
     */
    public Format withLegacyVersionKey(String key) {
        List<String> keys = new ArrayList<>(legacyVersionKeys);
        keys.add(key);
        return new Format(name, version, keys, unversionedIsVersion1);
    }

    /** This format, also reading a file with no header at all (written before files had one) as version 1. */
    public Format withUnversionedAsVersion1() {
        return new Format(name, version, legacyVersionKeys, true);
    }

    /** {@code simforge-<kind>}. */
    public String name() {
        return name;
    }

    /** The version this simforge writes, and the newest it reads. */
    public int version() {
        return version;
    }

    /** The format as messages name it: "simforge saved model" for {@code simforge-saved-model}. */
    public String kind() {
        return name.replace('-', ' ');
    }

    /** The header object, {@code {"format": name, "version": version}}: a JSON-lines file's first line. */
    public JsonObject header() {
        JsonObject o = new JsonObject();
        o.addProperty(FORMAT_KEY, name);
        o.addProperty(VERSION_KEY, version);
        return o;
    }

    /**
     * Writes {@code value} (a {@link JsonObject}, a record, any object that is a JSON object to Gson) to
     * {@code file} atomically, as pretty JSON after the header. Members of {@code value} named {@code format} or
     * {@code version} are left out: the header says them.
     */
    public void write(Path file, Object value) throws IOException {
        JsonElement tree = Json.toJsonTree(value);
        if (!tree.isJsonObject()) {
            throw new IllegalArgumentException("a " + kind() + " file holds a JSON object, not " + tree);
        }
        JsonObject out = header();
        for (Map.Entry<String, JsonElement> e : tree.getAsJsonObject().entrySet()) {
            if (!e.getKey().equals(FORMAT_KEY) && !e.getKey().equals(VERSION_KEY)) {
                out.add(e.getKey(), e.getValue());
            }
        }
        Json.write(file, out);
    }

    /**
     * Reads a JSON file of this format, header checked. The result starts with the header as this version writes
     * it, {@code version} being the version the file was written in (a legacy spelling is replaced by it).
     *
     * @throws FormatException when the file is of another format, newer, or has a malformed header
     */
    public JsonObject read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw FormatException.foreign(file.toString(), this, "it is not UTF-8 text");
        }
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw FormatException.foreign(file.toString(), this, "it is not a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw FormatException.foreign(file.toString(), this, "it is not JSON (" + e.getMessage() + ")");
        }
        int found = checkHeader(o, file.toString());
        JsonObject out = header();
        out.addProperty(VERSION_KEY, found);
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (!e.getKey().equals(FORMAT_KEY) && !e.getKey().equals(VERSION_KEY)
                    && !legacyVersionKeys.contains(e.getKey())) {
                out.add(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /**
     * Reads a JSON file of this format as a {@code type} (a record with an {@code int version} component learns the
     * version the file was written in).
     *
     * @throws FormatException as {@link #read(Path)}, or when the content does not fit {@code type}
     */
    public <T> T read(Path file, Class<T> type) throws IOException {
        JsonObject o = read(file);
        try {
            return Json.fromJson(o, type);
        } catch (JsonParseException e) {
            throw FormatException.damaged(file.toString(), "its content does not fit a " + type.getSimpleName() + " ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * Checks the header members of a JSON object, such as a JSON-lines file's first line.
     *
     * @param source the file, as messages name it
     * @return the version the object was written in
     */
    public int checkHeader(JsonObject object, String source) throws FormatException {
        return checkHeader(key -> {
            JsonElement e = object.get(key);
            return e == null || e.isJsonNull() ? null : e.isJsonPrimitive() ? e.getAsString() : e.toString();
        }, source);
    }

    /**
     * Checks a header kept outside JSON, such as an ONNX model's metadata.
     *
     * @param members a header member's text by its key ({@value #FORMAT_KEY}, {@value #VERSION_KEY}, a legacy
     *     version key), or null when absent
     * @param source the file, as messages name it
     * @return the version the file was written in
     */
    public int checkHeader(Function<String, String> members, String source) throws FormatException {
        String declared = members.apply(FORMAT_KEY);
        if (declared != null) {
            if (!declared.equals(name)) {
                throw FormatException.foreign(source, this, "it is a '" + declared + "' file");
            }
            return checkVersion(source, parseVersion(source, members.apply(VERSION_KEY)), 1);
        }
        for (String key : legacyVersionKeys) {
            String legacy = members.apply(key);
            if (legacy != null) {
                return checkVersion(source, parseVersion(source, legacy), 1);
            }
        }
        if (unversionedIsVersion1) {
            return 1;
        }
        throw FormatException.foreign(source, this, "it does not name its format");
    }

    private static int parseVersion(String source, String text) throws FormatException {
        if (text == null) {
            throw FormatException.damaged(source, "it names its format but no version");
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw FormatException.damaged(source, "its version is '" + text + "', not a whole number");
        }
    }

    /**
     * Checks a version read from a header whose layout was introduced in version {@code oldest}.
     *
     * @return {@code found}, when this simforge reads it
     */
    int checkVersion(String source, int found, int oldest) throws FormatException {
        if (found > version) {
            throw FormatException.newer(source, this, found);
        }
        if (found < 1) {
            throw FormatException.damaged(source, "its version is " + found);
        }
        if (found < oldest) {
            throw FormatException.damaged(source, "its header says version " + found + ", but versions before "
                    + oldest + " were written without that header");
        }
        return found;
    }

    @Override
    public String toString() {
        return name + " version " + version;
    }
}
