package io.simforge.datasets.emoji;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One emoji style: a pinned npm package that draws emoji in one design, and what the builder needs to know about
 * it. The bundled catalogue ({@link #catalogue()}) is read from {@code emoji-styles.json}, the same file
 * {@code tools/fetch-emoji-packages.sh} reads its pins from.
 *
 * @param id the style's name: the image file name in each class folder ({@code <id>.png})
 * @param title a human name, for the attribution file
 * @param npmPackage the npm package, e.g. {@code @iconify-json/noto}
 * @param version the pinned package version
 * @param sha256 the pinned SHA-256 of the {@code npm pack} tarball, lower-case hex
 * @param format how the package holds its images
 * @param design the artwork it draws; two styles of one design (Noto as SVG and as PNG) are never used together,
 *     so that a design counts once
 * @param mapThrough empty: the package's own {@code chars.json} maps code points to icons; otherwise the styles
 *     whose {@code chars.json} names are matched against this package's icon names (its own {@code chars.json}
 *     is empty)
 * @param packageLicense the SPDX id that package.json's {@code license} field must state
 * @param artworkLicense the SPDX id of the images' licence (Iconify: {@code info.json} {@code license.spdx}, which
 *     must state it too)
 * @param copyrightHolder for packages whose metadata does not name the artwork's holder; null: read it from the
 *     package ({@code info.json} {@code author.name})
 * @param licenseUrl where the licence is published
 * @param source the artwork's home
 * @param imageFolder {@link Format#EMOJI_DATASOURCE}: the folder inside the tarball holding {@code <code points>.png}
 * @param isDefault part of the default selection
 */
public record EmojiStyle(String id, String title, String npmPackage, String version, String sha256, Format format,
        String design, List<String> mapThrough, String packageLicense, String artworkLicense, String copyrightHolder,
        String licenseUrl, String source, String imageFolder, boolean isDefault) {

    /** The artwork licences that allow this use (redistributing resized copies, with attribution). */
    public static final Set<String> ALLOWED_LICENSES = Set.of("Apache-2.0", "MIT", "CC-BY-4.0", "CC-BY-SA-4.0");

    /** How a package holds its images. */
    public enum Format {
        /** An Iconify JSON set: SVG bodies in {@code icons.json}, {@code chars.json} maps code points to names. */
        ICONIFY,
        /** An emoji-datasource package: {@code <code points>.png} files under {@link #imageFolder}. */
        EMOJI_DATASOURCE;

        static Format parse(String s) {
            return switch (s) {
                case "iconify" -> ICONIFY;
                case "emoji-datasource" -> EMOJI_DATASOURCE;
                default -> throw new IllegalArgumentException("unknown emoji package format '" + s
                        + "': expected iconify or emoji-datasource");
            };
        }
    }

    public EmojiStyle {
        if (id == null || !id.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("style id '" + id + "' must be lower-case letters, digits and '-'");
        }
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("style " + id + ": sha256 must be 64 lower-case hex digits");
        }
        mapThrough = List.copyOf(mapThrough);
        if (format == Format.EMOJI_DATASOURCE && (imageFolder == null || !imageFolder.endsWith("/"))) {
            throw new IllegalArgumentException("style " + id + ": an emoji-datasource package needs an imageFolder "
                    + "ending in '/'");
        }
    }

    /**
     * The file name {@code npm pack} gives this package's tarball: {@code @scope/name} becomes
     * {@code scope-name-VERSION.tgz}.
     */
    public String tarballName() {
        return npmPackage.replaceFirst("^@", "").replace('/', '-') + "-" + version + ".tgz";
    }

    /** The bundled, pinned catalogue, in its file's order. */
    public static List<EmojiStyle> catalogue() {
        try (InputStream in = EmojiStyle.class.getResourceAsStream("emoji-styles.json")) {
            if (in == null) {
                throw new IllegalStateException("emoji-styles.json is missing from the simforge-datasets jar");
            }
            return parseCatalogue(new String(in.readAllBytes(), StandardCharsets.UTF_8), "emoji-styles.json");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled emoji-styles.json: " + e.getMessage(), e);
        }
    }

    /** The ids of the catalogue's default styles (the SVG sets: the PNG sets repeat two of their designs). */
    public static List<String> defaultIds() {
        return catalogue().stream().filter(EmojiStyle::isDefault).map(EmojiStyle::id).toList();
    }

    /** Parses a {@code simforge-emoji-styles} version-1 document. */
    static List<EmojiStyle> parseCatalogue(String json, String source) {
        JsonObject doc = JsonParser.parseString(json).getAsJsonObject();
        if (!"simforge-emoji-styles".equals(string(doc, "format")) || doc.get("version").getAsInt() != 1) {
            throw new IllegalArgumentException(source + " is not a version-1 simforge-emoji-styles file");
        }
        List<EmojiStyle> out = new ArrayList<>();
        for (JsonElement e : doc.getAsJsonArray("styles")) {
            JsonObject s = e.getAsJsonObject();
            List<String> through = new ArrayList<>();
            JsonArray a = s.has("mapThrough") ? s.getAsJsonArray("mapThrough") : new JsonArray();
            a.forEach(x -> through.add(x.getAsString()));
            out.add(new EmojiStyle(string(s, "id"), string(s, "title"), string(s, "package"), string(s, "version"),
                    string(s, "sha256").toLowerCase(Locale.ROOT), Format.parse(string(s, "format")), string(s, "design"),
                    through, string(s, "packageLicense"), string(s, "artworkLicense"), string(s, "copyrightHolder"),
                    string(s, "licenseUrl"), string(s, "source"), string(s, "imageFolder"),
                    s.has("default") && s.get("default").getAsBoolean()));
        }
        return List.copyOf(out);
    }

    private static String string(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : null;
    }
}
