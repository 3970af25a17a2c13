package io.simforge.cli;

import io.simforge.datasets.BenchmarkLayout;
import io.simforge.datasets.DataSource;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a command's items come from: one spelling for every command that reads data ({@code train}, {@code eval},
 * {@code embed}). Exactly one source: {@code --data} (IDX, or the bundled Fashion-MNIST), {@code --images},
 * {@code --list}, {@code --layout} with {@code --root}, or {@code --features} with {@code --labels}.
 */
final class DataOptions {
    @Option(names = "--data", paramLabel = "DIR|bundled", description = "IDX files (MNIST format) in DIR, or 'bundled' "
            + "for the Fashion-MNIST test split shipped with simforge (the default when no other source is given).")
    String data;

    @Option(names = "--split", description = "With --data: the IDX file prefix (default t10k). With --layout: the "
            + "split (train, test; In-Shop: train, query, gallery).")
    String split;

    @Option(names = "--images", paramLabel = "DIR", description = "A folder of images, root/<class>/<image> (the class "
            + "folder names the class; images directly under DIR have none).")
    Path images;

    @Option(names = "--list", paramLabel = "FILE", description = "A list file: one image path per line (relative to "
            + "the list), optionally followed by a tab or comma and an integer label.")
    Path list;

    @Option(names = "--layout", paramLabel = "cub|cars|sop|inshop", description = "A benchmark in its distributed "
            + "layout under --root (docs/datasets.md).")
    String layout;

    @Option(names = "--root", paramLabel = "DIR", description = "With --layout: the dataset's folder.")
    Path root;

    @Option(names = "--features", paramLabel = "X.npy", description = "Feature vectors, n × d float .npy, with --labels.")
    Path features;

    @Option(names = "--labels", paramLabel = "FILE", description = "Labels of the vectors given (--features, "
            + "--embeddings): an int .npy or a text file, one per row.")
    Path labels;

    /** Whether any source was named. */
    boolean given() {
        return data != null || images != null || list != null || layout != null || features != null;
    }

    /** The one source named, or the bundled data when none is. */
    DataSource source() {
        int named = (data != null ? 1 : 0) + (images != null ? 1 : 0) + (list != null ? 1 : 0) + (layout != null ? 1 : 0)
                + (features != null ? 1 : 0);
        if (named > 1) {
            throw new IllegalArgumentException("name one data source: --data, --images, --list, --layout or --features");
        }
        if (root != null && layout == null) {
            throw new IllegalArgumentException("--root goes with --layout");
        }
        if (layout != null) {
            if (root == null) {
                throw new IllegalArgumentException("--layout needs --root, the dataset's folder");
            }
            return DataSource.layout(BenchmarkLayout.parse(layout), root, split);
        }
        if (images != null) {
            return DataSource.imageFolder(images);
        }
        if (list != null) {
            return DataSource.imageList(list);
        }
        if (features != null) {
            if (labels == null) {
                throw new IllegalArgumentException("--features needs --labels (one label per row)");
            }
            return DataSource.features(features, labels);
        }
        return DataSource.idx(data != null ? data : DataSource.BUNDLED, split != null ? split : "t10k");
    }
}
