package io.simforge.datasets.emoji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.simforge.core.data.DatasetException;
import io.simforge.core.data.ImageList;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The builder on a tiny replica: three fake Iconify styles (alpha and beta with their own chars.json, gamma with
 * names only, mapped through alpha's) and a fake PNG package (delta), a handful of emoji each.
 */
class EmojiDatasetBuilderTest {
    @TempDir
    Path dir;

    private Path packages;
    private List<EmojiStyle> catalogue;

    /** The classes alpha+beta+gamma must give: each drawn by all three, none of them a variant. */
    private static final Set<String> CLASSES = Set.of("1f600", "2764", "1f436", "1f44d", "1f46e", "1f9d1-200d-1f692");

    @BeforeEach
    void packages() throws IOException {
        packages = Files.createDirectories(dir.resolve("packages"));
        Map<String, String> alphaChars = new LinkedHashMap<>();
        alphaChars.put("1f600", "grinning-face");
        alphaChars.put("2764-fe0f", "red-heart");
        alphaChars.put("1f436", "dog-face");
        alphaChars.put("1f431", "cat-face");
        alphaChars.put("1f44d", "thumbs-up");
        alphaChars.put("1f44d-1f3fd", "thumbs-up-medium-skin-tone");
        alphaChars.put("1f46e", "police-officer");
        alphaChars.put("1f46e-200d-2640-fe0f", "woman-police-officer");
        alphaChars.put("1f9d1-200d-1f692", "firefighter");
        alphaChars.put("1f468-200d-1f692", "man-firefighter");
        alphaChars.put("e000", "private-thing");
        Map<String, String> alphaIcons = icons(alphaChars.values(), "#d02020");
        Path a = FakePackages.iconify(packages, "@fake/alpha", "1.0.0", "Apache-2.0", "Alpha Corp", alphaIcons,
                Map.of("heart", "red-heart"), alphaChars);

        Map<String, String> betaChars = new LinkedHashMap<>();
        alphaChars.forEach((k, v) -> betaChars.put(k.toUpperCase(), "b-" + v)); // upper case, other names
        betaChars.put("2764", "b-red-heart"); // without fe0f: the same emoji after normalisation
        betaChars.remove("2764-FE0F");
        Path b = FakePackages.iconify(packages, "@fake/beta", "2.1.0", "CC-BY-4.0", "Beta Studio",
                icons(betaChars.values(), "#2040c0"), Map.of(), betaChars);

        // gamma: no code points of its own; names as alpha's, one without hyphens, one alias, one unmatched.
        List<String> gammaNames = List.of("grinning-face", "dogface", "thumbs-up", "thumbs-up-medium-skin-tone",
                "police-officer", "woman-police-officer", "firefighter", "man-firefighter", "private-thing", "unknown-thing");
        Path g = FakePackages.iconify(packages, "@fake/gamma", "0.3.0", "CC-BY-SA-4.0", "Gamma Collective",
                icons(gammaNames, "#20a040"), Map.of("red-heart", "dogface"), Map.of());

        Map<String, Color> deltaImages = new LinkedHashMap<>();
        deltaImages.put("1f600", Color.ORANGE);
        deltaImages.put("2764-fe0f", Color.RED);
        deltaImages.put("1f431", Color.GRAY);
        deltaImages.put("1f436", Color.DARK_GRAY);
        Path d = FakePackages.pngPackage(packages, "fake-delta", "16.0.0", "delta", deltaImages);

        catalogue = List.of(
                FakePackages.style("alpha", "@fake/alpha", "1.0.0", a, EmojiStyle.Format.ICONIFY, "alpha", List.of(),
                        "Apache-2.0", null),
                FakePackages.style("beta", "@fake/beta", "2.1.0", b, EmojiStyle.Format.ICONIFY, "beta", List.of(),
                        "CC-BY-4.0", null),
                FakePackages.style("gamma", "@fake/gamma", "0.3.0", g, EmojiStyle.Format.ICONIFY, "gamma",
                        List.of("alpha"), "CC-BY-SA-4.0", null),
                FakePackages.style("delta", "fake-delta", "16.0.0", d, EmojiStyle.Format.EMOJI_DATASOURCE, "delta",
                        List.of(), "Apache-2.0", "package/img/delta/64/"),
                FakePackages.style("alpha-png", "fake-delta", "16.0.0", d, EmojiStyle.Format.EMOJI_DATASOURCE, "alpha",
                        List.of(), "Apache-2.0", "package/img/delta/64/"));
    }

    private static Map<String, String> icons(Iterable<String> names, String colour) {
        Map<String, String> out = new TreeMap<>();
        int i = 0;
        for (String n : names) {
            out.put(n, FakePackages.body(colour, i++));
        }
        return out;
    }

    private EmojiDatasetBuilder.Builder builder(Path out, String... styles) {
        return EmojiDatasetBuilder.builder().setPackages(packages).setOutput(out).optSize(32).optCatalogue(catalogue)
                .optStyles(styles);
    }

    private static Map<String, String> classSplits(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String split : List.of("train", "test")) {
            Path s = root.resolve(split);
            if (Files.isDirectory(s)) {
                try (Stream<Path> l = Files.list(s)) {
                    l.forEach(c -> out.put(c.getFileName().toString(), split));
                }
            }
        }
        return out;
    }

    @Test
    void mapsNormalisesAndKeepsOnlyEmojiDrawnByThreeStylesWithoutVariants() throws IOException {
        Path out = dir.resolve("ds");
        EmojiDatasetBuilder.Summary s = builder(out, "alpha", "beta", "gamma").build().run();
        Map<String, String> splits = classSplits(out);
        assertEquals(CLASSES, splits.keySet(), "skin tones, gender variants, private use and 2-style emoji are out");
        for (String c : CLASSES) {
            assertEquals(EmojiSequences.split(c), splits.get(c), c);
            for (String style : List.of("alpha", "beta", "gamma")) {
                assertTrue(Files.isRegularFile(out.resolve(splits.get(c)).resolve(c).resolve(style + ".png")), c + "/" + style);
            }
        }
        assertEquals(Map.of("skin-tone", 1, "gender", 2, "private-use", 1), s.excluded());
        assertEquals(1, s.belowMinStyles(), "cat face: alpha and beta only");
        assertEquals(0, s.failures());
        assertEquals(CLASSES.size() * 3, s.images().get("train") + s.images().get("test"));
        assertEquals(Map.of("alpha", 6, "beta", 6, "gamma", 6), s.imagesPerStyle());

        JsonObject m = JsonParser.parseString(Files.readString(out.resolve("manifest.json"))).getAsJsonObject();
        assertEquals(EmojiDatasetBuilder.FORMAT, m.get("format").getAsString());
        assertEquals(1, m.get("version").getAsInt());
        assertEquals(32, m.get("size").getAsInt());
        assertEquals(3, m.getAsJsonArray("styles").size());
        JsonObject gamma = m.getAsJsonArray("styles").get(2).getAsJsonObject();
        assertEquals("0.3.0", gamma.get("version").getAsString());
        assertEquals(catalogue.get(2).sha256(), gamma.get("sha256").getAsString());
        assertTrue(gamma.get("codePointsFrom").getAsString().contains("alpha"));
        assertEquals(s.classes().get("train"), m.getAsJsonObject("classes").get("train").getAsInt());

        List<String> tsv = Files.readAllLines(out.resolve("classes.tsv"));
        assertTrue(tsv.get(0).startsWith("# simforge-emoji-dataset classes, version 1"), tsv.get(0));
        assertEquals("class\tsplit\tcode_points\temoji\tname\tstyles", tsv.get(1));
        String heart = tsv.stream().filter(l -> l.startsWith("2764\t")).findFirst().orElseThrow();
        assertEquals("2764\ttest\tU+2764\t\u2764\tred-heart\talpha,beta,gamma", heart);
        assertEquals(2 + CLASSES.size(), tsv.size());
    }

    @Test
    void theLayoutIsReadByImageListFromFolder() throws IOException {
        Path out = dir.resolve("ds");
        builder(out, "alpha", "beta", "gamma").build().run();
        Map<String, String> splits = classSplits(out);
        for (String split : List.of("train", "test")) {
            ImageList list = ImageList.fromFolder(out.resolve(split));
            List<String> expected = splits.entrySet().stream().filter(e -> e.getValue().equals(split))
                    .map(Map.Entry::getKey).sorted().toList();
            assertEquals(expected, list.classNames());
            assertEquals(expected.size() * 3, list.size());
            for (int i = 0; i < list.size(); i++) {
                assertEquals(list.ids().get(i).substring(0, list.ids().get(i).indexOf('/')),
                        list.classNames().get(list.labels()[i]));
                BufferedImage img = ImageIO.read(list.file(i).toFile());
                assertEquals(32, img.getWidth());
                assertEquals(32, img.getHeight());
            }
        }
    }

    @Test
    void addingAStyleAddsClassesButMovesNone() throws IOException {
        Path three = dir.resolve("three");
        Path four = dir.resolve("four");
        builder(three, "alpha", "beta", "gamma").build().run();
        builder(four, "alpha", "beta", "gamma", "delta").build().run();
        Map<String, String> before = classSplits(three);
        Map<String, String> after = classSplits(four);
        before.forEach((c, split) -> assertEquals(split, after.get(c), c + " moved"));
        assertEquals(Set.of("1f431"), after.keySet().stream().filter(c -> !before.containsKey(c)).collect(Collectors.toSet()),
                "the cat face now has three styles");
        assertTrue(Files.isRegularFile(four.resolve(after.get("2764")).resolve("2764").resolve("delta.png")),
                "2764-fe0f.png is the heart");
        // The same class's image from the same style is the same in both builds.
        assertArrayEquals(Files.readAllBytes(three.resolve(before.get("1f600")).resolve("1f600/alpha.png")),
                Files.readAllBytes(four.resolve(after.get("1f600")).resolve("1f600/alpha.png")));
    }

    @Test
    void aRebuildWritesByteIdenticalFiles() throws IOException {
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");
        builder(first, "alpha", "beta", "gamma", "delta").build().run();
        builder(second, "alpha", "beta", "gamma", "delta").build().run();
        Map<String, byte[]> a = files(first);
        Map<String, byte[]> b = files(second);
        assertEquals(a.keySet(), b.keySet());
        a.forEach((name, bytes) -> assertArrayEquals(bytes, b.get(name), name + " differs between two builds"));
        // Rebuilding into the same folder replaces the dataset there.
        builder(first, "alpha", "beta", "gamma").build().run();
        assertFalse(Files.exists(first.resolve(classSplits(first).getOrDefault("1f431", "train")).resolve("1f431")));
        try (Stream<Path> l = Files.list(dir)) {
            assertEquals(List.of(), l.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList(),
                    "no staging or old folders are left behind");
        }
    }

    private static Map<String, byte[]> files(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> w = Files.walk(root)) {
            for (Path p : w.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    @Test
    void writesLicenceAndAttributionForEveryStyle() throws IOException {
        Path out = dir.resolve("ds");
        builder(out, "alpha", "beta", "gamma", "delta").build().run();
        String license = Files.readString(out.resolve("LICENSE"));
        String attribution = Files.readString(out.resolve("ATTRIBUTION"));
        for (String s : List.of("alpha", "beta", "gamma", "delta")) {
            assertTrue(license.contains(s + ".png"), "LICENSE lists " + s);
            assertTrue(attribution.contains("== " + s + ": Fake " + s + " =="), "ATTRIBUTION has a section for " + s);
            assertTrue(attribution.contains("https://example.org/" + s), "source URL of " + s);
        }
        assertTrue(attribution.contains("Copyright holder: Alpha Corp"), "holder as the package states it");
        assertTrue(attribution.contains("Copyright holder: Gamma Collective"));
        assertTrue(attribution.contains("Copyright holder: Fake Vendor Inc."), "PNG set: holder from the catalogue");
        assertTrue(attribution.contains("rasterised from SVG"));
        assertTrue(attribution.contains("32×32"));
        assertTrue(license.contains("Apache License"), "the Apache-2.0 text is included");
        assertTrue(license.contains("CC-BY-SA-4.0") && license.contains("same licence"), "share-alike is stated");
        assertTrue(license.contains("version 1") && attribution.contains("version 1"));
    }

    @Test
    void refusesWhatItCannotBuildWithAMessageThatSaysWhatToDo() throws IOException {
        Path out = dir.resolve("ds");
        String msg = assertThrows(IllegalArgumentException.class,
                () -> builder(out, "alpha", "alpha-png", "beta").build()).getMessage();
        assertTrue(msg.contains("same artwork") && msg.contains("alpha-png"), msg);

        msg = assertThrows(IllegalArgumentException.class, () -> builder(out, "alpha", "nope", "beta").build()).getMessage();
        assertTrue(msg.contains("unknown style 'nope'") && msg.contains("alpha, beta, gamma"), msg);

        msg = assertThrows(IllegalArgumentException.class,
                () -> builder(out, "alpha", "beta", "delta").optSize(128).build()).getMessage();
        assertTrue(msg.contains("delta") && msg.contains("64"), msg);

        msg = assertThrows(IllegalArgumentException.class, () -> builder(out, "alpha", "beta").build()).getMessage();
        assertTrue(msg.contains("minStyles 3"), msg);

        Files.delete(packages.resolve("fake-beta-2.1.0.tgz"));
        msg = assertThrows(IllegalArgumentException.class, () -> builder(out, "alpha", "beta", "gamma").build())
                .getMessage();
        assertTrue(msg.contains("fake-beta-2.1.0.tgz is missing") && msg.contains("tools/fetch-emoji-packages.sh"), msg);

        // A tarball with other bytes than pinned: beta written again with other icons.
        FakePackages.iconify(packages, "@fake/beta", "2.1.0", "CC-BY-4.0", "Beta Studio", Map.of("x", "<g/>"), Map.of(),
                Map.of("1f600", "x"));
        msg = assertThrows(IllegalArgumentException.class, () -> builder(out, "alpha", "beta", "gamma").build())
                .getMessage();
        assertTrue(msg.contains("fake-beta-2.1.0.tgz has SHA-256") && msg.contains("is pinned"), msg);

        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        msg = assertThrows(IllegalArgumentException.class, () -> builder(out, "alpha", "gamma", "delta").build())
                .getMessage();
        assertTrue(msg.contains("not an emoji dataset"), msg);
        assertTrue(Files.exists(out.resolve("notes.txt")));
    }

    @Test
    void refusesAPackageWhoseLicenceIsNotThePinnedOneOrNotAllowed() throws IOException {
        // The package now says it is under another licence than the pin: stop and ask for a review.
        Path tgz = FakePackages.iconify(packages, "@fake/alpha", "1.0.0", "LicenseRef-Proprietary", "Alpha Corp",
                Map.of("grinning-face", "<g/>"), Map.of(), Map.of("1f600", "grinning-face"));
        List<EmojiStyle> cat = new ArrayList<>(catalogue);
        EmojiStyle a = catalogue.get(0);
        cat.set(0, new EmojiStyle(a.id(), a.title(), a.npmPackage(), a.version(), EmojiDatasetBuilder.sha256(tgz),
                a.format(), a.design(), a.mapThrough(), a.packageLicense(), a.artworkLicense(), a.copyrightHolder(),
                a.licenseUrl(), a.source(), a.imageFolder(), true));
        EmojiDatasetBuilder b = EmojiDatasetBuilder.builder().setPackages(packages).setOutput(dir.resolve("ds"))
                .optCatalogue(cat).optStyles("alpha", "gamma", "delta").build();
        DatasetException e = assertThrows(DatasetException.class, b::run);
        assertTrue(e.getMessage().contains("states licence LicenseRef-Proprietary") && e.getMessage().contains("review"),
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("ds")), "nothing is written");

        // A style pinned with a licence that does not allow this use is refused before any work.
        cat.set(0, new EmojiStyle(a.id(), a.title(), a.npmPackage(), a.version(), a.sha256(), a.format(), a.design(),
                a.mapThrough(), "LicenseRef-Apple", "LicenseRef-Apple", null, a.licenseUrl(), a.source(), null, true));
        String msg = assertThrows(IllegalArgumentException.class, () -> EmojiDatasetBuilder.builder()
                .setPackages(packages).setOutput(dir.resolve("ds")).optCatalogue(cat).optStyles("alpha", "beta", "gamma")
                .build()).getMessage();
        assertTrue(msg.contains("LicenseRef-Apple") && msg.contains("not one that allows"), msg);
    }

    @Test
    void aMalformedIconsJsonIsNamed() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("package/package.json", FakePackages.packageJson("@fake/beta", "2.1.0", "CC-BY-4.0"));
        files.put("package/info.json", "{\"license\":{\"spdx\":\"CC-BY-4.0\"},\"author\":{\"name\":\"B\"}}".getBytes());
        files.put("package/icons.json", "{\"prefix\": \"beta\", \"icons\": [1, 2".getBytes());
        files.put("package/chars.json", "{}".getBytes());
        Path tgz = packages.resolve("fake-beta-2.1.0.tgz");
        FakePackages.writeTgz(tgz, files);
        List<EmojiStyle> cat = new ArrayList<>(catalogue);
        EmojiStyle b = catalogue.get(1);
        cat.set(1, new EmojiStyle(b.id(), b.title(), b.npmPackage(), b.version(), EmojiDatasetBuilder.sha256(tgz),
                b.format(), b.design(), b.mapThrough(), b.packageLicense(), b.artworkLicense(), null, b.licenseUrl(),
                b.source(), null, true));
        EmojiDatasetBuilder builder = EmojiDatasetBuilder.builder().setPackages(packages).setOutput(dir.resolve("ds"))
                .optCatalogue(cat).optStyles("alpha", "beta", "gamma").build();
        DatasetException e = assertThrows(DatasetException.class, builder::run);
        assertTrue(e.getMessage().contains("fake-beta-2.1.0.tgz:package/icons.json is not valid JSON")
                && e.getMessage().contains("fetch it again"), e.getMessage());

        Path broken = packages.resolve("broken.tgz");
        Files.write(broken, new byte[] {1, 2, 3, 4});
        IOException io = assertThrows(IOException.class, () -> TarGz.read(broken, n -> true));
        assertTrue(io.getMessage().contains("not a gzip file"), io.getMessage());
    }

    @Test
    void longTarPathsInPaxHeadersAreRead() throws IOException {
        String longName = "package/" + "d".repeat(120) + "/1f600.png";
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("package/a.txt", "a".getBytes());
        files.put(longName, "png".getBytes());
        Path tgz = dir.resolve("long.tgz");
        FakePackages.writeTgz(tgz, files);
        Map<String, byte[]> read = TarGz.read(tgz, n -> true);
        assertEquals(List.of("package/a.txt", longName), new ArrayList<>(read.keySet()));
        assertArrayEquals("png".getBytes(), read.get(longName));
    }
}
