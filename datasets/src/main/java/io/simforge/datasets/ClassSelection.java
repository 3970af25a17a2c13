package io.simforge.datasets;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Which classes of a labelled dataset to use, written as users type them: {@code 0-4}, {@code 5,7,9}, {@code 0-2,8}. */
public final class ClassSelection {
    private ClassSelection() {}

    /**
     * Parses a list of labels and ranges.
     *
     * @throws IllegalArgumentException saying what is not understood
     */
    public static List<Integer> parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no classes given: use a list and ranges of labels, such as 0-4 or 5,7,9");
        }
        Set<Integer> out = new LinkedHashSet<>();
        try {
            for (String part : text.split(",")) {
                String p = part.trim();
                int dash = p.indexOf('-', 1);
                if (dash > 0) {
                    int from = Integer.parseInt(p.substring(0, dash).trim());
                    int to = Integer.parseInt(p.substring(dash + 1).trim());
                    if (to < from) {
                        throw new IllegalArgumentException("class range '" + p + "' runs backwards");
                    }
                    if ((long) to - from > 10_000_000) {
                        throw new IllegalArgumentException("class range '" + p + "' is too large");
                    }
                    for (int c = from; c <= to; c++) {
                        out.add(c);
                    }
                } else {
                    out.add(Integer.parseInt(p));
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("classes '" + text + "' are not understood: use a list and ranges "
                    + "of labels, such as 0-4 or 5,7,9");
        }
        return new ArrayList<>(out);
    }
}
