package io.simforge.datasets.emoji;

import com.google.gson.JsonObject;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/** Tiny stand-ins for the emoji npm packages: tar.gz files as npm pack writes them, and their catalogue entries. */
final class FakePackages {
    private FakePackages() {}

    /** Writes a ustar tar.gz; names longer than 100 bytes get a PAX header, as npm's tar does. */
    static void writeTgz(Path file, Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            if (name.length > 100) {
                String rec = " path=" + e.getKey() + "\n";
                int len = rec.length() + 1;
                while ((len + rec).getBytes(StandardCharsets.UTF_8).length != len) {
                    len = (len + rec).getBytes(StandardCharsets.UTF_8).length;
                }
                byte[] pax = (len + rec).getBytes(StandardCharsets.UTF_8);
                writeEntry(tar, "PaxHeader/x", (byte) 'x', pax);
                writeEntry(tar, e.getKey().substring(0, 99), (byte) '0', e.getValue());
            } else {
                writeEntry(tar, e.getKey(), (byte) '0', e.getValue());
            }
        }
        tar.write(new byte[1024]);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(tar.toByteArray());
        }
    }

    private static void writeEntry(ByteArrayOutputStream tar, String name, byte type, byte[] data) throws IOException {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, data.length);
        octal(h, 136, 12, 0);
        h[156] = type;
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        tar.write(h);
        tar.write(data);
        tar.write(new byte[(512 - data.length % 512) % 512]);
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = String.format("%0" + (len - 1) + "o", v);
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
        h[off + len - 1] = 0;
    }

    /** A simple icon body: a coloured shape on the set's 16×16 grid. */
    static String body(String colour, int shape) {
        return switch (shape % 3) {
            case 0 -> "<circle cx=\"8\" cy=\"8\" r=\"6\" fill=\"" + colour + "\"/>";
            case 1 -> "<rect x=\"2\" y=\"3\" width=\"12\" height=\"10\" fill=\"" + colour + "\"/>";
            default -> "<path d=\"M8 1L15 15H1z\" fill=\"" + colour + "\"/>";
        };
    }

    /** An Iconify package: icons (name → body), aliases (name → parent), chars (code points → name). */
    static Path iconify(Path dir, String npmName, String version, String license, String author,
            Map<String, String> icons, Map<String, String> aliases, Map<String, String> chars) throws IOException {
        JsonObject iconsJson = new JsonObject();
        iconsJson.addProperty("prefix", npmName.substring(npmName.indexOf('/') + 1));
        JsonObject ic = new JsonObject();
        icons.forEach((n, b) -> {
            JsonObject o = new JsonObject();
            o.addProperty("body", b);
            ic.add(n, o);
        });
        iconsJson.add("icons", ic);
        JsonObject al = new JsonObject();
        aliases.forEach((n, p) -> {
            JsonObject o = new JsonObject();
            o.addProperty("parent", p);
            al.add(n, o);
        });
        iconsJson.add("aliases", al);
        iconsJson.addProperty("width", 16);
        iconsJson.addProperty("height", 16);
        JsonObject charsJson = new JsonObject();
        chars.forEach(charsJson::addProperty);
        JsonObject info = new JsonObject();
        info.addProperty("name", npmName);
        JsonObject auth = new JsonObject();
        auth.addProperty("name", author);
        info.add("author", auth);
        JsonObject lic = new JsonObject();
        lic.addProperty("title", license);
        lic.addProperty("spdx", license);
        info.add("license", lic);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("package/package.json", packageJson(npmName, version, license));
        files.put("package/icons.json", iconsJson.toString().getBytes(StandardCharsets.UTF_8));
        files.put("package/chars.json", charsJson.toString().getBytes(StandardCharsets.UTF_8));
        files.put("package/info.json", info.toString().getBytes(StandardCharsets.UTF_8));
        files.put("package/README.md", "fake".getBytes(StandardCharsets.UTF_8));
        Path tgz = dir.resolve(npmName.replaceFirst("^@", "").replace('/', '-') + "-" + version + ".tgz");
        writeTgz(tgz, files);
        return tgz;
    }

    /** An emoji-datasource package: 16×16 PNGs named by code points under package/img/NAME/64/. */
    static Path pngPackage(Path dir, String npmName, String version, String vendor, Map<String, Color> images)
            throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("package/package.json", packageJson(npmName, version, "MIT"));
        for (Map.Entry<String, Color> e : images.entrySet()) {
            BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
            Graphics2D g = img.createGraphics();
            g.setColor(e.getValue());
            g.fillOval(2, 2, 12, 12);
            g.dispose();
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(img, "png", png);
            files.put("package/img/" + vendor + "/64/" + e.getKey() + ".png", png.toByteArray());
        }
        files.put("package/img/" + vendor + "/sheets/ignored.png", new byte[] {1, 2, 3});
        Path tgz = dir.resolve(npmName + "-" + version + ".tgz");
        writeTgz(tgz, files);
        return tgz;
    }

    static byte[] packageJson(String name, String version, String license) {
        return ("{\"name\":\"" + name + "\",\"version\":\"" + version + "\",\"license\":\"" + license + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A catalogue entry for a fake package, pinned to the tarball's actual SHA-256. */
    static EmojiStyle style(String id, String npmName, String version, Path tgz, EmojiStyle.Format format,
            String design, List<String> mapThrough, String license, String imageFolder) {
        return new EmojiStyle(id, "Fake " + id, npmName, version, EmojiDatasetBuilder.sha256(tgz), format, design,
                new ArrayList<>(mapThrough), format == EmojiStyle.Format.ICONIFY ? license : "MIT", license,
                format == EmojiStyle.Format.ICONIFY ? null : "Fake Vendor Inc.", "https://example.org/" + id + "/LICENSE",
                "https://example.org/" + id, imageFolder, true);
    }
}
