package io.simforge.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Metrics as an aligned table: one row per metric, one column per set of values. */
final class MetricsTable {
    private MetricsTable() {}

    static void print(Map<String, Map<String, Double>> columns) {
        List<String> names = new ArrayList<>();
        columns.values().forEach(m -> m.keySet().forEach(k -> {
            if (!names.contains(k)) {
                names.add(k);
            }
        }));
        int w = Math.max(10, columns.keySet().stream().mapToInt(String::length).max().orElse(0));
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-13s", "metric"));
        columns.keySet().forEach(c -> head.append(String.format(Locale.ROOT, "  %" + w + "s", c)));
        System.out.println(head);
        for (String name : names) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-13s", name));
            for (Map<String, Double> column : columns.values()) {
                Double v = column.get(name);
                row.append(v == null ? String.format(Locale.ROOT, "  %" + w + "s", "")
                        : String.format(Locale.ROOT, "  %" + w + ".4f", v));
            }
            System.out.println(row);
        }
    }
}
