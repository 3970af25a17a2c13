package io.simforge.datasets.emoji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Iconify icons become complete SVG documents, and they render the same bytes every time. */
class IconifyRasterTest {
    private static final String SET = """
            {"prefix": "t", "width": 24, "height": 24,
             "icons": {
               "left-half": {"body": "<rect x=\\"0\\" y=\\"0\\" width=\\"12\\" height=\\"24\\" fill=\\"#ff0000\\"/>"},
               "wide": {"body": "<rect width=\\"32\\" height=\\"16\\" fill=\\"#0000ff\\"/>", "width": 32, "height": 16},
               "offset": {"body": "<path d=\\"M0 0h8v8H0z\\"/>", "left": -2, "top": 1, "width": 12, "height": 12}
             },
             "aliases": {
               "right-half": {"parent": "left-half", "hFlip": true},
               "flipped-twice": {"parent": "right-half", "hFlip": true},
               "turned": {"parent": "left-half", "rotate": 1},
               "loop-a": {"parent": "loop-b"}, "loop-b": {"parent": "loop-a"},
               "orphan": {"parent": "missing"}
             }}
            """;

    private static IconifySet set() {
        return IconifySet.parse(SET.getBytes(StandardCharsets.UTF_8), "test:icons.json");
    }

    @Test
    void wrapsBodiesWithTheSetsOrTheIconsOwnBox() {
        IconifySet s = set();
        assertEquals("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"24\" "
                + "height=\"24\" viewBox=\"0 0 24 24\"><rect x=\"0\" y=\"0\" width=\"12\" height=\"24\" fill=\"#ff0000\"/></svg>",
                IconifySet.svg(s.icon("left-half")));
        assertTrue(IconifySet.svg(s.icon("wide")).contains("width=\"32\" height=\"16\" viewBox=\"0 0 32 16\""));
        assertTrue(IconifySet.svg(s.icon("offset")).contains("viewBox=\"-2 1 12 12\""));
    }

    @Test
    void aliasesFlipAndRotateTheirParent() {
        IconifySet s = set();
        assertTrue(IconifySet.svg(s.icon("right-half")).contains("<g transform=\"translate(24 0) scale(-1 1)\">"));
        assertEquals(IconifySet.svg(s.icon("left-half")), IconifySet.svg(s.icon("flipped-twice")), "two flips cancel");
        assertTrue(IconifySet.svg(s.icon("turned")).contains("rotate(90 12 12)"));

        EmojiRasterizer r = new EmojiRasterizer(24);
        BufferedImage left = r.renderSvg(IconifySet.svg(s.icon("left-half")));
        BufferedImage right = r.renderSvg(IconifySet.svg(s.icon("right-half")));
        assertEquals(0xff0000, left.getRGB(3, 12) & 0xffffff);
        assertEquals(0xffffff, left.getRGB(20, 12) & 0xffffff, "white background");
        assertEquals(0xffffff, right.getRGB(3, 12) & 0xffffff);
        assertEquals(0xff0000, right.getRGB(20, 12) & 0xffffff, "mirrored");
        BufferedImage turned = r.renderSvg(IconifySet.svg(s.icon("turned")));
        assertEquals(0xff0000, turned.getRGB(12, 3) & 0xffffff, "rotated a quarter turn clockwise: top half");
        assertEquals(0xffffff, turned.getRGB(12, 20) & 0xffffff);
    }

    @Test
    void aNonSquareIconIsScaledToFitAndCentred() {
        BufferedImage img = new EmojiRasterizer(32).renderSvg(IconifySet.svg(set().icon("wide")));
        assertEquals(0xffffff, img.getRGB(16, 2) & 0xffffff, "band above");
        assertEquals(0x0000ff, img.getRGB(16, 16) & 0xffffff);
        assertEquals(0x0000ff, img.getRGB(1, 16) & 0xffffff, "full width");
        assertEquals(0xffffff, img.getRGB(16, 29) & 0xffffff, "band below");
    }

    @Test
    void brokenNamesAndJsonAreReported() {
        IconifySet s = set();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.icon("loop-a")).getMessage().contains("loop"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.icon("orphan")).getMessage()
                .contains("no icon or alias 'missing' (parent of 'orphan')"));
        String msg = assertThrows(IllegalArgumentException.class,
                () -> IconifySet.parse("{\"prefix\":\"x\"}".getBytes(StandardCharsets.UTF_8), "p.tgz:icons.json"))
                .getMessage();
        assertEquals("p.tgz:icons.json has no \"icons\" object: not an Iconify icon set", msg);
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> IconifySet.parseChars("[1]".getBytes(StandardCharsets.UTF_8), "c.json")).getMessage()
                .startsWith("c.json is not a JSON object of code points"));
    }

    @Test
    void renderingIsDeterministicAndAntiAliased() throws IOException {
        String svg = IconifySet.svg(new IconifySet.Icon("<defs><radialGradient id=\"g\"><stop offset=\"0\" "
                + "stop-color=\"#ffcc00\"/><stop offset=\"1\" stop-color=\"#ff6600\"/></radialGradient></defs>"
                + "<circle cx=\"8\" cy=\"8\" r=\"7\" fill=\"url(#g)\" stroke=\"#333\" stroke-width=\"0.5\"/>",
                0, 0, 16, 16, 0, false, false));
        byte[] a = EmojiRasterizer.png(new EmojiRasterizer(64).renderSvg(svg));
        byte[] b = EmojiRasterizer.png(new EmojiRasterizer(64).renderSvg(svg));
        assertArrayEquals(a, b, "the same SVG gives the same PNG bytes");
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(a));
        assertEquals(64, img.getWidth());
        Set<Integer> edge = new HashSet<>();
        for (int x = 0; x < 64; x++) {
            edge.add(img.getRGB(x, 32) & 0xffffff);
        }
        assertTrue(edge.size() > 10, "a gradient with anti-aliased edges has many colours: " + edge.size());
        assertEquals(0xffffff, img.getRGB(0, 0) & 0xffffff);
    }

    @Test
    void pngsAreCompositedOverWhite(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        BufferedImage src = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        src.setRGB(8, 8, 0xff00ff00);
        Path f = dir.resolve("x.png");
        ImageIO.write(src, "png", f.toFile());
        BufferedImage img = new EmojiRasterizer(16).renderBitmap(Files.readAllBytes(f));
        assertEquals(0xffffff, img.getRGB(0, 0) & 0xffffff, "transparent becomes white");
        assertEquals(0x00ff00, img.getRGB(8, 8) & 0xffffff);
        assertThrows(IOException.class, () -> new EmojiRasterizer(16).renderBitmap(new byte[] {1, 2}));
    }

    @Test
    void theBundledCatalogueIsPinnedAndLicensed() throws IOException {
        List<EmojiStyle> cat = EmojiStyle.catalogue();
        assertEquals(List.of("noto", "twemoji", "openmoji", "fluent-emoji-flat", "fxemoji", "noto-v1", "emojione-v1",
                "streamline-emojis"), EmojiStyle.defaultIds());
        Set<String> designs = new HashSet<>();
        for (EmojiStyle s : cat) {
            assertTrue(EmojiStyle.ALLOWED_LICENSES.contains(s.artworkLicense()), s.id());
            assertTrue(s.sha256().matches("[0-9a-f]{64}"), s.id());
            assertTrue(s.licenseUrl().startsWith("https://") && s.source().startsWith("https://"), s.id());
            if (s.isDefault()) {
                assertTrue(designs.add(s.design()), "two default styles draw " + s.design());
            }
            assertTrue(!s.npmPackage().contains("apple") && !s.npmPackage().contains("facebook"), s.npmPackage());
        }
        assertEquals("iconify-json-noto-1.2.9.tgz", cat.get(0).tarballName());
        assertEquals("emoji-datasource-google-16.0.0.tgz",
                cat.stream().filter(s -> s.id().equals("google-png")).findFirst().orElseThrow().tarballName());
        // The fetch script reads the same pins.
        Path script = Path.of("..", "tools", "fetch-emoji-packages.sh");
        if (Files.exists(script)) {
            assertTrue(Files.readString(script).contains("io/simforge/datasets/emoji/emoji-styles.json"));
        }
    }
}
