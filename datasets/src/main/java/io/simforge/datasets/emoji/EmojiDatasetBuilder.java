package io.simforge.datasets.emoji;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.simforge.core.data.DatasetException;
import io.simforge.core.io.AtomicFiles;
import io.simforge.core.io.Json;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Builds the cross-style emoji retrieval dataset from emoji npm tarballs that are already on disk (fetched by
 * {@code tools/fetch-emoji-packages.sh}): nothing is downloaded here.
 *
 * <p>A class is one emoji (a normalised code-point sequence, see {@link EmojiSequences}) drawn by at least
 * {@link Builder#optMinStyles three} styles; each style contributes one image per class. Classes are split
 * half/half into {@code train} and {@code test} by a hash of the sequence, so test classes are never seen in
 * training (the SOP situation: many classes, few images each). The result:
 *
 * <pre>
 * root/train/&lt;class&gt;/&lt;style&gt;.png    (readable by ImageList.fromFolder(root/train))
 * root/test/&lt;class&gt;/&lt;style&gt;.png
 * root/classes.tsv                  class → split, code points, emoji, name, styles
 * root/manifest.json                "format": "simforge-emoji-dataset", "version": 1, packages, counts
 * root/LICENSE, root/ATTRIBUTION    one section per style
 * </pre>
 *
 * <pre>{@code
 * EmojiDatasetBuilder.Summary s = EmojiDatasetBuilder.builder()
 *         .setPackages(Path.of("emoji-packages"))
 *         .setOutput(Path.of("data/emoji"))
 *         .optSize(64)
 *         .build()   // checks styles, licences' pins, tarballs and their SHA-256
 *         .run();
 * }</pre>
 *
 * The output is built in a staging folder beside the target and moved into place at the end, so a reader never
 * sees half a dataset; a rerun with the same inputs writes byte-identical files.
 */
public final class EmojiDatasetBuilder {
    /** The manifest's {@code format}. */
    public static final String FORMAT = "simforge-emoji-dataset";
    /** The manifest's {@code version}: the layout and files described above. */
    public static final int VERSION = 1;

    private final Path packages;
    private final Path output;
    private final int size;
    private final List<EmojiStyle> styles;
    private final Map<String, EmojiStyle> catalogue;
    private final int minStyles;
    private final Consumer<String> progress;

    private EmojiDatasetBuilder(Builder b, List<EmojiStyle> styles, Map<String, EmojiStyle> catalogue) {
        this.packages = b.packages;
        this.output = b.output;
        this.size = b.size;
        this.styles = styles;
        this.catalogue = catalogue;
        this.minStyles = b.minStyles;
        this.progress = b.progress;
    }

    /** A new builder with the defaults: 64×64, the catalogue's default styles, classes in at least 3 styles. */
    public static Builder builder() {
        return new Builder();
    }

    /** The styles this build uses, in order. */
    public List<EmojiStyle> styles() {
        return styles;
    }

    /**
     * What a build produced.
     *
     * @param classes split → number of classes
     * @param images split → number of images
     * @param imagesPerStyle style → number of images (both splits)
     * @param excluded why → number of sequences left out (over all chosen styles)
     * @param belowMinStyles sequences drawn by fewer than the minimum number of styles
     * @param failures images that could not be rendered (left out; listed in the manifest)
     * @param seconds wall-clock time of {@link #run()}
     */
    public record Summary(Path output, int size, List<String> styles, Map<String, Integer> classes,
            Map<String, Integer> images, Map<String, Integer> imagesPerStyle, Map<String, Integer> excluded,
            int belowMinStyles, int failures, double seconds) {}

    /** Configures a build; {@link #build()} checks everything that can be checked before any work. */
    public static final class Builder {
        private Path packages;
        private Path output;
        private int size = 64;
        private List<String> styleIds;
        private List<EmojiStyle> catalogue;
        private int minStyles = 3;
        private Consumer<String> progress = s -> {};

        private Builder() {}

        /** The folder holding the npm tarballs ({@code tools/fetch-emoji-packages.sh DIR}). Required. */
        public Builder setPackages(Path dir) {
            this.packages = dir;
            return this;
        }

        /** The dataset folder to write (replaced when it already holds an emoji dataset). Required. */
        public Builder setOutput(Path dir) {
            this.output = dir;
            return this;
        }

        /** Image side in pixels: 64 (default) or 128 (any of 16–512 works; PNG styles need ≤ 64). */
        public Builder optSize(int size) {
            this.size = size;
            return this;
        }

        /** The styles to use, by id (default: {@link EmojiStyle#defaultIds()}). */
        public Builder optStyles(String... ids) {
            return optStyles(List.of(ids));
        }

        /** The styles to use, by id (default: {@link EmojiStyle#defaultIds()}). */
        public Builder optStyles(List<String> ids) {
            this.styleIds = List.copyOf(ids);
            return this;
        }

        /** The smallest number of styles (designs) that must draw an emoji for it to be a class (default 3). */
        public Builder optMinStyles(int n) {
            this.minStyles = n;
            return this;
        }

        /** Styles to choose from instead of the bundled catalogue (tests, or pins of newer packages). */
        public Builder optCatalogue(List<EmojiStyle> styles) {
            this.catalogue = List.copyOf(styles);
            return this;
        }

        /** Receives one line now and then while building (default: nothing). */
        public Builder optProgress(Consumer<String> progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Checks the settings, that every tarball needed is in the packages folder with its pinned SHA-256, and that
         * the output is free to write.
         *
         * @throws IllegalArgumentException naming every problem and its fix
         */
        public EmojiDatasetBuilder build() {
            List<String> p = new ArrayList<>();
            Map<String, EmojiStyle> known = new LinkedHashMap<>();
            for (EmojiStyle s : catalogue != null ? catalogue : EmojiStyle.catalogue()) {
                if (known.put(s.id(), s) != null) {
                    p.add("the catalogue lists style " + s.id() + " twice");
                }
            }
            List<String> ids = styleIds != null ? styleIds
                    : known.values().stream().filter(EmojiStyle::isDefault).map(EmojiStyle::id).toList();
            List<EmojiStyle> chosen = new ArrayList<>();
            Map<String, String> designs = new TreeMap<>();
            for (String id : ids) {
                EmojiStyle s = known.get(id);
                if (s == null) {
                    p.add("unknown style '" + id + "': choose from " + String.join(", ", known.keySet()));
                } else if (chosen.contains(s)) {
                    p.add("style " + id + " is listed twice");
                } else {
                    String other = designs.put(s.design(), id);
                    if (other != null) {
                        p.add("styles " + other + " and " + id + " draw the same artwork (" + s.design()
                                + "): a design counts once, choose one of them");
                    }
                    chosen.add(s);
                }
            }
            if (packages == null) {
                p.add("no packages folder: call setPackages(DIR) with the folder tools/fetch-emoji-packages.sh filled");
            } else if (!Files.isDirectory(packages)) {
                p.add("packages folder " + packages + " does not exist: run tools/fetch-emoji-packages.sh " + packages
                        + " first (it needs npm)");
            }
            if (output == null) {
                p.add("no output folder: call setOutput(DIR)");
            }
            if (size < 16 || size > 512) {
                p.add("size must be 16–512 pixels (64 or 128 are the usual), got " + size);
            }
            if (minStyles < 2) {
                p.add("minStyles must be at least 2 (a class needs a query and something to find), got " + minStyles);
            } else if (!chosen.isEmpty() && minStyles > chosen.size()) {
                p.add("minStyles " + minStyles + " is more than the " + chosen.size() + " styles chosen");
            }
            for (EmojiStyle s : chosen) {
                if (s.format() == EmojiStyle.Format.EMOJI_DATASOURCE && size > 64) {
                    p.add("style " + s.id() + " is 64×64 PNG and would be blurred up to " + size + "×" + size
                            + ": leave it out or use size 64 (its design's SVG set renders sharp at any size)");
                }
                if (!EmojiStyle.ALLOWED_LICENSES.contains(s.artworkLicense())) {
                    p.add("style " + s.id() + " has artwork licence " + s.artworkLicense() + ", not one that allows "
                            + "this use (" + String.join(", ", new TreeSet<>(EmojiStyle.ALLOWED_LICENSES)) + ")");
                }
            }
            // Every tarball read: the chosen styles and those whose chars.json they map through.
            Set<EmojiStyle> needed = new LinkedHashSet<>();
            for (EmojiStyle s : chosen) {
                needed.add(s);
                for (String ref : s.mapThrough()) {
                    EmojiStyle r = known.get(ref);
                    if (r == null || r.format() != EmojiStyle.Format.ICONIFY || !r.mapThrough().isEmpty()) {
                        p.add("style " + s.id() + " maps its names through '" + ref
                                + "', which is not an Iconify style of the catalogue with its own chars.json");
                    } else {
                        needed.add(r);
                    }
                }
            }
            if (p.isEmpty()) {
                for (EmojiStyle s : needed) {
                    Path tgz = packages.resolve(s.tarballName());
                    if (!Files.isRegularFile(tgz)) {
                        p.add(tgz + " is missing (" + s.npmPackage() + "@" + s.version() + ", style " + s.id()
                                + "): run tools/fetch-emoji-packages.sh " + packages + " to fetch the pinned packages");
                        continue;
                    }
                    String got = sha256(tgz);
                    if (!got.equals(s.sha256())) {
                        p.add(tgz + " has SHA-256 " + got + " but " + s.sha256() + " is pinned for "
                                + s.npmPackage() + "@" + s.version() + ": delete it and fetch it again with "
                                + "tools/fetch-emoji-packages.sh");
                    }
                }
                p.addAll(outputProblems(output));
            }
            if (!p.isEmpty()) {
                throw new IllegalArgumentException("cannot build the emoji dataset:\n  - " + String.join("\n  - ", p));
            }
            return new EmojiDatasetBuilder(this, List.copyOf(chosen), known);
        }

        private static List<String> outputProblems(Path out) {
            if (!Files.exists(out)) {
                return List.of();
            }
            if (!Files.isDirectory(out)) {
                return List.of("output " + out + " is a file: give a folder");
            }
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isEmpty()) {
                    return List.of();
                }
            } catch (IOException e) {
                return List.of("cannot list output " + out + ": " + e.getMessage());
            }
            Path manifest = out.resolve("manifest.json");
            try {
                if (Files.isRegularFile(manifest) && FORMAT.equals(JsonParser.parseString(Files.readString(manifest))
                        .getAsJsonObject().get("format").getAsString())) {
                    return List.of();
                }
            } catch (IOException | RuntimeException e) {
                // not ours: fall through
            }
            return List.of("output " + out + " is not empty and is not an emoji dataset (no manifest.json with format "
                    + FORMAT + "): choose an empty or new folder, so nothing else is replaced");
        }
    }

    /** One loaded package. */
    private record Loaded(EmojiStyle style, String holder, IconifySet icons, Map<String, String> chars,
            Map<String, byte[]> pngs) {}

    /**
     * Reads the tarballs, maps code points to images, renders every class's images and writes the dataset.
     *
     * @throws IOException when a tarball cannot be read or the output cannot be written
     * @throws DatasetException when a package is malformed or states another licence than pinned
     */
    public Summary run() throws IOException {
        long t0 = System.nanoTime();
        Map<String, Loaded> loaded = new LinkedHashMap<>();
        for (EmojiStyle s : catalogue.values()) {
            boolean needed = styles.contains(s) || styles.stream().anyMatch(c -> c.mapThrough().contains(s.id()));
            if (needed) {
                progress.accept("reading " + s.tarballName());
                loaded.put(s.id(), load(s));
            }
        }
        // sequence → (style → icon name or PNG path), styles in the build's order
        Map<String, Map<String, String>> bySequence = new TreeMap<>();
        Map<String, Map<String, String>> mappings = new LinkedHashMap<>();
        for (EmojiStyle s : styles) {
            Map<String, String> m = mapping(loaded.get(s.id()), loaded);
            mappings.put(s.id(), m);
            progress.accept(s.id() + ": " + m.size() + " emoji with code points");
        }
        Map<EmojiSequences.Exclusion, Integer> excluded = new EnumMap<>(EmojiSequences.Exclusion.class);
        for (EmojiStyle s : styles) {
            mappings.get(s.id()).forEach((seq, ref) -> bySequence.computeIfAbsent(seq, k -> new LinkedHashMap<>())
                    .put(s.id(), ref));
        }
        List<String> candidates = new ArrayList<>();
        int belowMin = 0;
        for (Map.Entry<String, Map<String, String>> e : bySequence.entrySet()) {
            EmojiSequences.Exclusion why = EmojiSequences.exclusion(e.getKey());
            if (why != null) {
                excluded.merge(why, 1, Integer::sum);
            } else if (e.getValue().size() < minStyles) {
                belowMin++;
            } else {
                candidates.add(e.getKey());
            }
        }
        Map<String, String> names = classNames(loaded);

        Path staging = output.toAbsolutePath().normalize().resolveSibling("." + output.getFileName() + ".building-"
                + Long.toHexString(System.nanoTime()));
        boolean done = false;
        try {
            Files.createDirectories(staging);
            EmojiRasterizer raster = new EmojiRasterizer(size);
            Map<String, Integer> classes = new LinkedHashMap<>();
            Map<String, Integer> images = new LinkedHashMap<>();
            Map<String, Map<String, Integer>> perSplitStyle = new LinkedHashMap<>();
            for (String split : List.of("train", "test")) {
                classes.put(split, 0);
                images.put(split, 0);
                Map<String, Integer> z = new LinkedHashMap<>();
                styles.forEach(s -> z.put(s.id(), 0));
                perSplitStyle.put(split, z);
            }
            List<Map<String, String>> failures = new ArrayList<>();
            StringBuilder tsv = new StringBuilder("# " + FORMAT + " classes, version " + VERSION
                    + ": one line per class; code points after normalisation (lower-case, VS16 removed)\n"
                    + "class\tsplit\tcode_points\temoji\tname\tstyles\n");
            int done2 = 0;
            for (String seq : candidates) {
                Map<String, byte[]> rendered = new LinkedHashMap<>();
                for (Map.Entry<String, String> e : bySequence.get(seq).entrySet()) {
                    Loaded l = loaded.get(e.getKey());
                    try {
                        BufferedImage img = l.icons() != null
                                ? raster.renderSvg(IconifySet.svg(l.icons().icon(e.getValue())))
                                : raster.renderBitmap(l.pngs().get(e.getValue()));
                        if (isBlank(img)) {
                            throw new IllegalArgumentException("rendered as a blank white image");
                        }
                        rendered.put(e.getKey(), EmojiRasterizer.png(img));
                    } catch (IOException | RuntimeException ex) {
                        Map<String, String> f = new LinkedHashMap<>();
                        f.put("class", seq);
                        f.put("style", e.getKey());
                        f.put("icon", e.getValue());
                        f.put("error", String.valueOf(ex.getMessage()));
                        failures.add(f);
                    }
                }
                if (rendered.size() < minStyles) {
                    belowMin++;
                    continue;
                }
                String split = EmojiSequences.split(seq);
                Path dir = staging.resolve(split).resolve(seq);
                Files.createDirectories(dir);
                for (Map.Entry<String, byte[]> r : rendered.entrySet()) {
                    // Plain writes: the whole staging folder is moved into place at the end.
                    Files.write(dir.resolve(r.getKey() + ".png"), r.getValue());
                    perSplitStyle.get(split).merge(r.getKey(), 1, Integer::sum);
                }
                classes.merge(split, 1, Integer::sum);
                images.merge(split, rendered.size(), Integer::sum);
                tsv.append(seq).append('\t').append(split).append('\t').append(EmojiSequences.display(seq)).append('\t')
                        .append(EmojiSequences.text(seq)).append('\t').append(names.getOrDefault(seq, ""))
                        .append('\t').append(String.join(",", rendered.keySet())).append('\n');
                if (++done2 % 250 == 0) {
                    progress.accept("rendered " + done2 + " of " + candidates.size() + " classes");
                }
            }
            Map<String, Integer> perStyle = new LinkedHashMap<>();
            styles.forEach(s -> perStyle.put(s.id(), perSplitStyle.get("train").get(s.id())
                    + perSplitStyle.get("test").get(s.id())));
            Map<String, Integer> excludedByName = new LinkedHashMap<>();
            excluded.forEach((k, v) -> excludedByName.put(k.name().toLowerCase(Locale.ROOT).replace('_', '-'), v));

            AtomicFiles.writeString(staging.resolve("classes.tsv"), tsv.toString());
            Json.write(staging.resolve("manifest.json"), manifest(loaded, mappings, classes, images, perSplitStyle,
                    excludedByName, belowMin, failures));
            AtomicFiles.writeString(staging.resolve("LICENSE"), licenseText(loaded));
            AtomicFiles.writeString(staging.resolve("ATTRIBUTION"), attributionText(loaded));
            replace(staging, output.toAbsolutePath().normalize());
            done = true;
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Summary(output, size, styles.stream().map(EmojiStyle::id).toList(), classes, images, perStyle,
                    excludedByName, belowMin, failures.size(), seconds);
        } finally {
            if (!done) {
                deleteTree(staging);
            }
        }
    }

    // ---- reading packages ----

    private Loaded load(EmojiStyle s) throws IOException {
        Path tgz = packages.resolve(s.tarballName());
        String where = tgz.getFileName().toString();
        Map<String, byte[]> files;
        if (s.format() == EmojiStyle.Format.ICONIFY) {
            files = TarGz.read(tgz, n -> n.equals("package/package.json") || n.equals("package/icons.json")
                    || n.equals("package/chars.json") || n.equals("package/info.json"));
        } else {
            files = TarGz.read(tgz, n -> n.equals("package/package.json")
                    || (n.startsWith(s.imageFolder()) && n.endsWith(".png") && n.indexOf('/', s.imageFolder().length()) < 0));
        }
        JsonObject pkg = json(files, "package/package.json", where);
        checkField(pkg, "name", s.npmPackage(), where, s);
        checkField(pkg, "version", s.version(), where, s);
        String pkgLicense = pkg.has("license") ? pkg.get("license").getAsString() : "(none)";
        if (!pkgLicense.equals(s.packageLicense())) {
            throw new DatasetException(where + ": package.json states licence " + pkgLicense + ", but "
                    + s.packageLicense() + " is pinned for style " + s.id() + ": review the package's licence before "
                    + "using it, then update emoji-styles.json");
        }
        if (s.format() == EmojiStyle.Format.ICONIFY) {
            // Iconify keeps the set's own licence and author in info.json (older sets: "info" inside icons.json).
            JsonObject info = files.containsKey("package/info.json") ? json(files, "package/info.json", where)
                    : infoFromIcons(files, where);
            String spdx = info.has("license") ? info.getAsJsonObject("license").get("spdx").getAsString() : "(none)";
            if (!spdx.equals(s.artworkLicense())) {
                throw new DatasetException(where + ": the icon set states licence " + spdx + ", but "
                        + s.artworkLicense() + " is pinned for style " + s.id() + ": review it before using it, then "
                        + "update emoji-styles.json");
            }
            String holder = s.copyrightHolder() != null ? s.copyrightHolder()
                    : info.has("author") ? info.getAsJsonObject("author").get("name").getAsString() : "(not stated)";
            byte[] icons = files.get("package/icons.json");
            byte[] chars = files.get("package/chars.json");
            if (icons == null) {
                throw new DatasetException(where + " has no package/icons.json: not an Iconify JSON package; check "
                        + "the pin for style " + s.id());
            }
            try {
                IconifySet set = IconifySet.parse(icons, where + ":package/icons.json");
                Map<String, String> map = chars == null ? Map.of()
                        : IconifySet.parseChars(chars, where + ":package/chars.json");
                return new Loaded(s, holder, set, map, null);
            } catch (IllegalArgumentException e) {
                throw new DatasetException(e.getMessage() + ": the tarball is malformed; fetch it again", e);
            }
        }
        Map<String, byte[]> pngs = new TreeMap<>(files);
        pngs.remove("package/package.json");
        if (pngs.isEmpty()) {
            throw new DatasetException(where + " has no PNG files under " + s.imageFolder() + ": check imageFolder of "
                    + "style " + s.id());
        }
        return new Loaded(s, s.copyrightHolder() != null ? s.copyrightHolder() : "(not stated)", null, Map.of(), pngs);
    }

    private static JsonObject infoFromIcons(Map<String, byte[]> files, String where) {
        byte[] icons = files.get("package/icons.json");
        try {
            JsonObject o = JsonParser.parseString(new String(icons, StandardCharsets.UTF_8)).getAsJsonObject();
            if (o.has("info")) {
                return o.getAsJsonObject("info");
            }
        } catch (RuntimeException e) {
            throw new DatasetException(where + ":package/icons.json is not valid JSON (" + e.getMessage()
                    + "): the tarball is malformed; fetch it again", e);
        }
        throw new DatasetException(where + " states no licence for its icons (no info.json, no \"info\" in "
                + "icons.json): it cannot be used without one");
    }

    private static JsonObject json(Map<String, byte[]> files, String name, String where) {
        byte[] b = files.get(name);
        if (b == null) {
            throw new DatasetException(where + " has no " + name + ": not an npm package tarball; fetch it again");
        }
        try {
            return JsonParser.parseString(new String(b, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new DatasetException(where + ":" + name + " is not a JSON object (" + e.getMessage() + ")", e);
        }
    }

    private static void checkField(JsonObject pkg, String field, String expected, String where, EmojiStyle s) {
        String got = pkg.has(field) ? pkg.get(field).getAsString() : "(none)";
        if (!got.equals(expected)) {
            throw new DatasetException(where + ": package.json " + field + " is " + got + ", expected " + expected
                    + " for style " + s.id());
        }
    }

    // ---- code points → images ----

    /** Normalised sequence → icon name (Iconify) or tarball path (PNG) for one style. */
    private static Map<String, String> mapping(Loaded l, Map<String, Loaded> all) {
        Map<String, String> out = new TreeMap<>();
        if (l.pngs() != null) {
            String folder = l.style().imageFolder();
            for (String path : l.pngs().keySet()) {
                String file = path.substring(folder.length(), path.length() - ".png".length());
                String seq = EmojiSequences.normalise(file);
                if (seq != null && (!out.containsKey(seq) || file.contains("fe0f"))) {
                    out.put(seq, path);
                }
            }
            return out;
        }
        if (l.style().mapThrough().isEmpty()) {
            return fromChars(l.chars(), l.icons());
        }
        // No code points of its own: match its icon names with the names the reference sets give code points.
        Map<String, Set<String>> exact = new TreeMap<>();
        Map<String, Set<String>> squashed = new TreeMap<>();
        for (String ref : l.style().mapThrough()) {
            Loaded r = all.get(ref);
            fromChars(r.chars(), r.icons()).forEach((seq, name) -> {
                exact.computeIfAbsent(name, k -> new TreeSet<>()).add(seq);
                squashed.computeIfAbsent(squash(name), k -> new TreeSet<>()).add(seq);
                int[] cps = EmojiSequences.codePoints(seq);
                String unicodeName = cps.length == 1 ? Character.getName(cps[0]) : null;
                if (unicodeName != null) {
                    squashed.computeIfAbsent(squash(unicodeName), k -> new TreeSet<>()).add(seq);
                }
            });
        }
        Map<String, Boolean> names = l.icons().names();
        // Exact names first (icons before aliases), then names that match without hyphens or as Unicode names.
        for (boolean squash : new boolean[] {false, true}) {
            for (String name : names.keySet()) {
                Set<String> hits = squash ? squashed.get(squash(name)) : exact.get(name);
                if (hits != null && hits.size() == 1) {
                    out.putIfAbsent(hits.iterator().next(), name);
                }
            }
        }
        return out;
    }

    /** Normalised sequence → icon name from a chars.json; an emoji-presentation key (with fe0f) wins a tie. */
    private static Map<String, String> fromChars(Map<String, String> chars, IconifySet icons) {
        Map<String, String> out = new TreeMap<>();
        Set<String> fromFe0f = new HashSet<>();
        for (Map.Entry<String, String> e : chars.entrySet()) {
            String seq = EmojiSequences.normalise(e.getKey());
            if (seq == null || !icons.has(e.getValue())) {
                continue;
            }
            boolean fe0f = e.getKey().toLowerCase(Locale.ROOT).contains("fe0f");
            if (!out.containsKey(seq) || (fe0f && !fromFe0f.contains(seq))) {
                out.put(seq, e.getValue());
                if (fe0f) {
                    fromFe0f.add(seq);
                }
            }
        }
        return out;
    }

    private static String squash(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    /** A name per sequence: the icon name of the first loaded style with its own chars.json that has it. */
    private static Map<String, String> classNames(Map<String, Loaded> loaded) {
        Map<String, String> out = new TreeMap<>();
        for (Loaded l : loaded.values()) {
            if (l.icons() != null && l.style().mapThrough().isEmpty()) {
                fromChars(l.chars(), l.icons()).forEach(out::putIfAbsent);
            }
        }
        return out;
    }

    private static boolean isBlank(BufferedImage img) {
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xffffff) != 0xffffff) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---- the files beside the images ----

    private Map<String, Object> manifest(Map<String, Loaded> loaded, Map<String, Map<String, String>> mappings,
            Map<String, Integer> classes, Map<String, Integer> images, Map<String, Map<String, Integer>> perSplitStyle,
            Map<String, Integer> excluded, int belowMin, List<Map<String, String>> failures) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("version", VERSION);
        m.put("size", size);
        m.put("minStyles", minStyles);
        m.put("layout", "<split>/<class>/<style>.png; class = normalised code points (lower-case hex joined by '-', "
                + "fe0f removed)");
        m.put("splitRule", "v" + EmojiSequences.SPLIT_RULE_VERSION + ": train when the lowest bit of the first byte of "
                + "SHA-256(class name, UTF-8) is 0, else test");
        m.put("excludedRule", "skin-tone variants (1f3fb-1f3ff), gender variants (ZWJ + 2640/2642, or 1f468/1f469 + "
                + "ZWJ + ...), private-use code points");
        m.put("rasterizer", "JSVG " + jsvgVersion() + " (SVG) / Java2D bicubic (PNG); white background, anti-aliased");
        List<Map<String, Object>> st = new ArrayList<>();
        for (EmojiStyle s : styles) {
            Loaded l = loaded.get(s.id());
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", s.id());
            o.put("package", s.npmPackage());
            o.put("version", s.version());
            o.put("tarball", s.tarballName());
            o.put("sha256", s.sha256());
            o.put("design", s.design());
            o.put("license", s.artworkLicense());
            o.put("copyrightHolder", l.holder());
            o.put("codePointsFrom", s.mapThrough().isEmpty() ? (l.pngs() != null ? "file names" : "chars.json")
                    : "icon names matched with chars.json of " + String.join(", ", s.mapThrough()));
            o.put("mappedEmoji", mappings.get(s.id()).size());
            Map<String, Integer> counts = new LinkedHashMap<>(); // ordered: the manifest must be byte-stable
            counts.put("train", perSplitStyle.get("train").get(s.id()));
            counts.put("test", perSplitStyle.get("test").get(s.id()));
            o.put("images", counts);
            st.add(o);
        }
        m.put("styles", st);
        List<Map<String, Object>> refs = new ArrayList<>();
        for (Loaded l : loaded.values()) {
            if (!styles.contains(l.style())) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("id", l.style().id());
                r.put("package", l.style().npmPackage());
                r.put("version", l.style().version());
                r.put("tarball", l.style().tarballName());
                r.put("sha256", l.style().sha256());
                r.put("use", "its chars.json names give other styles' icons their code points; no images");
                refs.add(r);
            }
        }
        m.put("referencePackages", refs);
        m.put("classes", classes);
        m.put("images", images);
        m.put("excludedSequences", excluded);
        m.put("belowMinStyles", belowMin);
        m.put("failures", failures);
        return m;
    }

    private String licenseText(Map<String, Loaded> loaded) {
        StringBuilder b = new StringBuilder();
        b.append("simforge emoji dataset (").append(FORMAT).append(", version ").append(VERSION).append(")\n\n");
        b.append("This folder is a compilation of emoji images from several artwork sets. Each image keeps the\n")
                .append("licence of the set it was drawn from; the file name of an image (<style>.png) names its set.\n")
                .append("See ATTRIBUTION for the copyright holders, sources and changes made.\n\n");
        for (EmojiStyle s : styles) {
            b.append(String.format(Locale.ROOT, "%-24s %-14s %s%n", s.id() + ".png", s.artworkLicense(), s.licenseUrl()));
        }
        if (styles.stream().anyMatch(s -> s.artworkLicense().equals("CC-BY-SA-4.0"))) {
            b.append("\nImages under CC-BY-SA-4.0 are adaptations (rasterised, resized): share them under the same "
                    + "licence.\n");
        }
        for (EmojiStyle s : styles) {
            if (s.artworkLicense().equals("MIT")) {
                b.append("\n---- ").append(s.id()).append(": MIT License ----\n\n").append(mitText(loaded.get(s.id()).holder()));
            }
        }
        if (styles.stream().anyMatch(s -> s.artworkLicense().equals("Apache-2.0"))) {
            b.append("\n---- Apache License 2.0 (")
                    .append(String.join(", ", styles.stream().filter(s -> s.artworkLicense().equals("Apache-2.0"))
                            .map(EmojiStyle::id).toList()))
                    .append(") ----\n").append(resource("Apache-2.0.txt"));
        }
        return b.toString();
    }

    private String attributionText(Map<String, Loaded> loaded) {
        StringBuilder b = new StringBuilder();
        b.append("Attribution for the simforge emoji dataset (").append(FORMAT).append(", version ").append(VERSION)
                .append(")\n");
        String changes = "rasterised from SVG with JSVG " + jsvgVersion() + " onto a white background at " + size + "×"
                + size + " pixels (scaled to fit, anti-aliased), saved as PNG; Iconify alias flips and rotations "
                + "applied; one image per emoji and style, renamed <class>/<style>.png";
        for (EmojiStyle s : styles) {
            Loaded l = loaded.get(s.id());
            b.append("\n== ").append(s.id()).append(": ").append(s.title()).append(" ==\n");
            b.append("Licence:          ").append(s.artworkLicense()).append(" (").append(s.licenseUrl()).append(")\n");
            b.append("Copyright holder: ").append(l.holder()).append('\n');
            b.append("Source:           ").append(s.source()).append('\n');
            b.append("Package:          ").append(s.npmPackage()).append('@').append(s.version()).append(" (npm, ")
                    .append(s.packageLicense()).append(" package licence; sha256 ").append(s.sha256()).append(")\n");
            b.append("Changes made:     ").append(l.pngs() != null ? "composited onto a white background"
                    + (size == 64 ? "" : " and resized to " + size + "×" + size) + ", saved as PNG; renamed "
                    + "<class>/<style>.png" : changes).append('\n');
        }
        return b.toString();
    }

    private static String mitText(String holder) {
        return "Copyright (c) " + holder + "\n\n"
                + "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
                + "of this software and associated documentation files (the \"Software\"), to deal\n"
                + "in the Software without restriction, including without limitation the rights\n"
                + "to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
                + "copies of the Software, and to permit persons to whom the Software is\n"
                + "furnished to do so, subject to the following conditions:\n\n"
                + "The above copyright notice and this permission notice shall be included in all\n"
                + "copies or substantial portions of the Software.\n\n"
                + "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n"
                + "IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\n"
                + "FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\n"
                + "AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\n"
                + "LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\n"
                + "OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\n"
                + "SOFTWARE.\n";
    }

    private static String resource(String name) {
        try (InputStream in = EmojiDatasetBuilder.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the simforge-datasets jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    /** JSVG's version, from its jar manifest when it has one. */
    private static String jsvgVersion() {
        Package p = com.github.weisj.jsvg.parser.SVGLoader.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v != null ? v : "2.0.0";
    }

    // ---- files ----

    static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            byte[] buf = new byte[1 << 16];
            while (in.read(buf) >= 0) {
                // digesting
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Moves the finished staging folder to {@code target}, replacing an earlier emoji dataset there. */
    private static void replace(Path staging, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + Long.toHexString(System.nanoTime()));
            Files.move(target, old);
        }
        try {
            Files.move(staging, target);
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, target); // put the earlier dataset back
            }
            throw e;
        }
        if (old != null) {
            deleteTree(old);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
