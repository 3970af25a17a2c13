package io.simforge.datasets.emoji;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rules that turn an emoji's code points into a class: normalisation, the variants left out, and the
 * train/test split. A sequence is written as lower-case hex code points joined by '-' ({@code 1f600},
 * {@code 1f3f3-200d-26a7}), the way emoji packages name their files.
 */
public final class EmojiSequences {
    /** The split rule's version, written into the manifest: change it and every class may move. */
    public static final int SPLIT_RULE_VERSION = 1;

    private EmojiSequences() {}

    /** Why a sequence is not a class of its own. */
    public enum Exclusion {
        /** Carries a skin-tone modifier (U+1F3FB–U+1F3FF): the same drawing as its base, recoloured. */
        SKIN_TONE,
        /** A man/woman variant of another emoji (ZWJ + ♀/♂, or man/woman + ZWJ + …): near-identical drawings. */
        GENDER,
        /** Uses a private-use code point: a vendor's own icon, drawn by no one else. */
        PRIVATE_USE,
        /** Not a code-point sequence at all. */
        MALFORMED
    }

    /**
     * Lower-case hex code points joined by '-', with VS16 ({@code fe0f}) removed, so that {@code 2764-FE0F} and
     * {@code 2764} are one emoji. Accepts '-', '_' or ' ' between code points and an optional {@code U+}.
     *
     * @return the normalised sequence, or null when the text is not a code-point sequence
     */
    public static String normalise(String codePoints) {
        if (codePoints == null || codePoints.isBlank()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String part : codePoints.strip().toLowerCase(Locale.ROOT).split("[-_ ]+")) {
            String hex = part.startsWith("u+") ? part.substring(2) : part;
            if (!hex.matches("[0-9a-f]{1,6}")) {
                return null;
            }
            int cp = Integer.parseInt(hex, 16);
            if (cp > Character.MAX_CODE_POINT) {
                return null;
            }
            if (cp == 0xfe0f) {
                continue;
            }
            String h = Integer.toHexString(cp);
            out.add(h.length() < 4 ? "0".repeat(4 - h.length()) + h : h); // 0023, as the packages write it
        }
        return out.isEmpty() ? null : String.join("-", out);
    }

    /** The code points of a normalised sequence. */
    public static int[] codePoints(String sequence) {
        String[] parts = sequence.split("-");
        int[] cps = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            cps[i] = Integer.parseInt(parts[i], 16);
        }
        return cps;
    }

    /** Why a normalised sequence is left out, or null when it can be a class. */
    public static Exclusion exclusion(String sequence) {
        int[] cps;
        try {
            cps = codePoints(sequence);
        } catch (RuntimeException e) {
            return Exclusion.MALFORMED;
        }
        for (int cp : cps) {
            if ((cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000) {
                return Exclusion.PRIVATE_USE;
            }
        }
        for (int cp : cps) {
            if (cp >= 0x1f3fb && cp <= 0x1f3ff) {
                return Exclusion.SKIN_TONE;
            }
        }
        for (int i = 0; i + 1 < cps.length; i++) {
            if (cps[i] == 0x200d && (cps[i + 1] == 0x2640 || cps[i + 1] == 0x2642)) {
                return Exclusion.GENDER; // "woman police officer" = police officer + ZWJ + ♀
            }
        }
        if (cps.length > 1 && (cps[0] == 0x1f468 || cps[0] == 0x1f469) && cps[1] == 0x200d) {
            return Exclusion.GENDER; // "man health worker", gendered families and couples; the 1f9d1 (person) forms stay
        }
        return null;
    }

    /**
     * The split of a class: {@code train} when the lowest bit of the first byte of SHA-256(the normalised sequence,
     * UTF-8) is 0, else {@code test}. It depends on nothing but the class itself, so adding or removing a style
     * never moves a class, and about half of all classes land on each side (as SOP's 11,318 / 11,316).
     */
    public static String split(String sequence) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(sequence.getBytes(StandardCharsets.UTF_8));
            return (h[0] & 1) == 0 ? "train" : "test";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** The sequence as text ({@code U+1F3F3 U+200D U+26A7}), for people reading classes.tsv. */
    public static String display(String sequence) {
        StringBuilder b = new StringBuilder();
        for (int cp : codePoints(sequence)) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append("U+").append(Integer.toHexString(cp).toUpperCase(Locale.ROOT));
        }
        return b.toString();
    }

    /** The emoji itself, as a string (VS16 left out, as in the class name). */
    public static String text(String sequence) {
        return new String(codePoints(sequence), 0, codePoints(sequence).length);
    }
}
