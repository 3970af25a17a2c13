package io.simforge.cli;

import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where a command's images come from and which classes it uses. */
final class DataOptions {
    @Option(names = "--data", paramLabel = "DIR|bundled", defaultValue = "bundled",
            description = "Folder of IDX files (MNIST format), or 'bundled' for the Fashion-MNIST test split shipped "
                    + "with simforge (default).")
    String data;

    @Option(names = "--split", defaultValue = "t10k",
            description = "IDX file prefix inside --data: t10k or train (default t10k).")
    String split;

    static ImageDataset load(String data, String split) {
        return "bundled".equals(data) ? FashionMnist.bundledTestSplit() : FashionMnist.read(Path.of(data), split);
    }

    ImageDataset load() {
        return load(data, split);
    }

    /** A benchmark layout by name, once it is known where it lives: {@code --layout} needs {@code --root}. */
    static io.simforge.datasets.BenchmarkLayout layout(String name, Path root) {
        if (root == null) {
            throw new IllegalArgumentException("--layout needs --root, the dataset's folder");
        }
        return io.simforge.datasets.BenchmarkLayout.parse(name);
    }

    /** One split of a benchmark layout; without {@code split}, the evaluation one (In-Shop: query, else test). */
    static io.simforge.core.data.ImageList layoutSplit(String layout, Path root, String split) {
        io.simforge.datasets.BenchmarkLayout l = layout(layout, root);
        return l.read(root, split != null ? split : l == io.simforge.datasets.BenchmarkLayout.INSHOP ? "query" : "test");
    }

    /** Parses "0-4", "5,7,9" or "0-2,8". */
    static List<Integer> parseClasses(String text) {
        List<Integer> out = new ArrayList<>();
        try {
            for (String part : text.split(",")) {
                String p = part.trim();
                int dash = p.indexOf('-');
                if (dash > 0) {
                    int from = Integer.parseInt(p.substring(0, dash).trim());
                    int to = Integer.parseInt(p.substring(dash + 1).trim());
                    if (to < from) {
                        throw new IllegalArgumentException("class range '" + p + "' runs backwards");
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
        return out;
    }
}
