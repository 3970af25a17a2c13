package io.simforge.core.data;

import java.nio.file.Path;
import java.util.List;

/**
 * Images on disk with their class labels, in a fixed order: one split of a benchmark layout
 * ({@link BenchmarkLayout}). Ids are the paths relative to the dataset root, with '/' separators.
 */
public record ImageList(String name, Path root, List<String> ids, int[] labels) {
    public ImageList {
        if (ids.size() != labels.length) {
            throw new IllegalArgumentException(ids.size() + " images but " + labels.length + " labels");
        }
        ids = List.copyOf(ids);
    }

    public int size() {
        return ids.size();
    }

    public Path file(int i) {
        return root.resolve(ids.get(i));
    }

    public long classCount() {
        return java.util.Arrays.stream(labels).distinct().count();
    }
}
