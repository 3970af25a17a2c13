package io.simforge.datasets.emoji;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An Iconify JSON icon set ({@code icons.json}, {@code chars.json}): SVG bodies without their {@code <svg>}
 * element, sizes defaulting to the set's ({@code left}/{@code top} 0, {@code width}/{@code height} 16), and aliases
 * that may flip or rotate their parent. {@link #svg} turns one icon into a complete SVG document as Iconify's own
 * {@code iconToSVG} does.
 */
final class IconifySet {
    /** One icon's resolved properties. */
    record Icon(String body, double left, double top, double width, double height, int rotate, boolean hFlip,
            boolean vFlip) {}

    private final String prefix;
    private final JsonObject icons;
    private final JsonObject aliases;
    private final double left;
    private final double top;
    private final double width;
    private final double height;

    private IconifySet(String prefix, JsonObject icons, JsonObject aliases, double left, double top, double width,
            double height) {
        this.prefix = prefix;
        this.icons = icons;
        this.aliases = aliases;
        this.left = left;
        this.top = top;
        this.width = width;
        this.height = height;
    }

    /**
     * Parses {@code icons.json}.
     *
     * @throws IllegalArgumentException saying what is wrong, when it is not an Iconify icon set
     */
    static IconifySet parse(byte[] iconsJson, String source) {
        JsonObject o;
        try {
            o = JsonParser.parseString(new String(iconsJson, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + " is not valid JSON (" + e.getMessage() + ")");
        }
        if (!o.has("icons") || !o.get("icons").isJsonObject()) {
            throw new IllegalArgumentException(source + " has no \"icons\" object: not an Iconify icon set");
        }
        JsonObject aliases = o.has("aliases") && o.get("aliases").isJsonObject() ? o.getAsJsonObject("aliases")
                : new JsonObject();
        return new IconifySet(o.has("prefix") ? o.get("prefix").getAsString() : "?", o.getAsJsonObject("icons"), aliases,
                number(o, "left", 0), number(o, "top", 0), number(o, "width", 16), number(o, "height", 16));
    }

    /**
     * Parses {@code chars.json}: code points → icon name, keys as the package writes them.
     *
     * @throws IllegalArgumentException when it is not a JSON object of strings
     */
    static Map<String, String> parseChars(byte[] charsJson, String source) {
        Map<String, String> out = new TreeMap<>();
        try {
            JsonObject o = JsonParser.parseString(new String(charsJson, StandardCharsets.UTF_8)).getAsJsonObject();
            for (Map.Entry<String, JsonElement> e : o.entrySet()) {
                out.put(e.getKey(), e.getValue().getAsString());
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + " is not a JSON object of code points → icon names ("
                    + e.getMessage() + ")");
        }
        return out;
    }

    String prefix() {
        return prefix;
    }

    /** Icon and alias names, sorted: icons first, then aliases. */
    Map<String, Boolean> names() {
        Map<String, Boolean> out = new LinkedHashMap<>();
        new TreeMap<>(icons.asMap()).keySet().forEach(n -> out.put(n, true));
        new TreeMap<>(aliases.asMap()).keySet().forEach(n -> out.putIfAbsent(n, false));
        return out;
    }

    boolean has(String name) {
        return icons.has(name) || aliases.has(name);
    }

    /**
     * The icon {@code name} with its aliases resolved: an alias's own sizes override its parent's, flips toggle
     * and rotations add up (Iconify's rules).
     *
     * @throws IllegalArgumentException when the name is unknown, an alias chain is broken or loops, or an icon has
     *     no body
     */
    Icon icon(String name) {
        int rotate = 0;
        boolean h = false;
        boolean v = false;
        Double l = null;
        Double t = null;
        Double w = null;
        Double ht = null;
        String current = name;
        for (int depth = 0; depth < 16; depth++) {
            JsonObject props;
            boolean alias = false;
            if (icons.has(current)) {
                props = icons.getAsJsonObject(current);
            } else if (aliases.has(current)) {
                props = aliases.getAsJsonObject(current);
                alias = true;
            } else {
                throw new IllegalArgumentException("icon set " + prefix + " has no icon or alias '" + current + "'"
                        + (current.equals(name) ? "" : " (parent of '" + name + "')"));
            }
            rotate += props.has("rotate") ? props.get("rotate").getAsInt() : 0;
            h ^= props.has("hFlip") && props.get("hFlip").getAsBoolean();
            v ^= props.has("vFlip") && props.get("vFlip").getAsBoolean();
            l = l != null ? l : optional(props, "left");
            t = t != null ? t : optional(props, "top");
            w = w != null ? w : optional(props, "width");
            ht = ht != null ? ht : optional(props, "height");
            if (!alias) {
                if (!props.has("body")) {
                    throw new IllegalArgumentException("icon " + prefix + ":" + current + " has no body");
                }
                return new Icon(props.get("body").getAsString(), l != null ? l : left, t != null ? t : top,
                        w != null ? w : width, ht != null ? ht : height, Math.floorMod(rotate, 4), h, v);
            }
            if (!props.has("parent")) {
                throw new IllegalArgumentException("alias " + prefix + ":" + current + " has no parent");
            }
            current = props.get("parent").getAsString();
        }
        throw new IllegalArgumentException("alias " + prefix + ":" + name + " does not resolve (a loop?)");
    }

    /** A complete SVG document for the icon, its flips and rotation applied as Iconify's {@code iconToSVG} does. */
    static String svg(Icon icon) {
        double bl = icon.left();
        double bt = icon.top();
        double bw = icon.width();
        double bh = icon.height();
        int rotate = icon.rotate();
        StringBuilder transforms = new StringBuilder();
        if (icon.hFlip()) {
            if (icon.vFlip()) {
                rotate += 2;
            } else {
                transforms.append("translate(").append(num(bw + bl)).append(' ').append(num(-bt)).append(") scale(-1 1)");
                bl = 0;
                bt = 0;
            }
        } else if (icon.vFlip()) {
            transforms.append("translate(").append(num(-bl)).append(' ').append(num(bh + bt)).append(") scale(1 -1)");
            bl = 0;
            bt = 0;
        }
        rotate = Math.floorMod(rotate, 4);
        String rotation = switch (rotate) {
            case 1 -> "rotate(90 " + num(bh / 2 + bt) + " " + num(bh / 2 + bt) + ")";
            case 2 -> "rotate(180 " + num(bw / 2 + bl) + " " + num(bh / 2 + bt) + ")";
            case 3 -> "rotate(-90 " + num(bw / 2 + bl) + " " + num(bw / 2 + bl) + ")";
            default -> "";
        };
        if (!rotation.isEmpty()) {
            transforms.insert(0, transforms.length() > 0 ? rotation + " " : rotation);
        }
        if (rotate % 2 == 1) {
            double swap = bl;
            bl = bt;
            bt = swap;
            swap = bw;
            bw = bh;
            bh = swap;
        }
        String body = transforms.length() == 0 ? icon.body()
                : "<g transform=\"" + transforms + "\">" + icon.body() + "</g>";
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\""
                + num(bw) + "\" height=\"" + num(bh) + "\" viewBox=\"" + num(bl) + " " + num(bt) + " " + num(bw) + " "
                + num(bh) + "\">" + body + "</svg>";
    }

    private static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static double number(JsonObject o, String key, double fallback) {
        Double d = optional(o, key);
        return d != null ? d : fallback;
    }

    private static Double optional(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsDouble() : null;
    }
}
