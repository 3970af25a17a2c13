package io.simforge.datasets;

import com.google.gson.annotations.SerializedName;
import io.simforge.core.data.ImageList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where a job's items come from, in a form that can be written down and read back (a training run keeps it in
 * {@code train-input.json}, so resuming needs nothing else). One of:
 *
 * <ul>
 *   <li>{@link Kind#IDX}: IDX files (MNIST format) in a folder, or {@code bundled} — the Fashion-MNIST test split
 *       shipped with simforge; {@code split} is the file prefix ({@code t10k}, {@code train});
 *   <li>{@link Kind#IMAGE_FOLDER}: image files under a folder, {@code root/<class>/<image>} (or unlabelled);
 *   <li>{@link Kind#IMAGE_LIST}: the images a list file names (path, then optionally a tab or comma and a label);
 *   <li>{@link Kind#LAYOUT}: one split of a benchmark in its distributed layout ({@link BenchmarkLayout});
 *   <li>{@link Kind#FEATURES}: feature vectors, an {@code n × d} {@code .npy} with a labels file.
 * </ul>
 *
 * @param path the IDX folder (or {@code bundled}), image folder, list file, dataset root, or {@code .npy} file
 * @param split IDX: the file prefix; layouts: the split (null: the evaluation split for evaluations, train for
 *     training)
 * @param layout for {@link Kind#LAYOUT}
 * @param labels for {@link Kind#FEATURES}: one label per row (.npy or text)
 */
public record DataSource(Kind kind, String path, String split, BenchmarkLayout layout, String labels) {
    /** The bundled Fashion-MNIST test split. */
    public static final String BUNDLED = "bundled";

    /** What kind of source. */
    public enum Kind {
        @SerializedName("idx") IDX,
        @SerializedName("image_folder") IMAGE_FOLDER,
        @SerializedName("image_list") IMAGE_LIST,
        @SerializedName("layout") LAYOUT,
        @SerializedName("features") FEATURES;

        /** Whether items are image files decoded from disk. */
        public boolean isImageFiles() {
            return this == IMAGE_FOLDER || this == IMAGE_LIST || this == LAYOUT;
        }
    }

    public DataSource {
        if (kind == null || path == null) {
            throw new IllegalArgumentException("a data source needs a kind and a path");
        }
        if (kind == Kind.LAYOUT && layout == null) {
            throw new IllegalArgumentException("a benchmark layout source needs the layout (cub, cars, sop or inshop)");
        }
        if (kind == Kind.FEATURES && labels == null) {
            throw new IllegalArgumentException("feature vectors need their labels (one per row, .npy or text)");
        }
        if (kind == Kind.IDX && split == null) {
            split = "t10k";
        }
    }

    /** The bundled Fashion-MNIST test split (10,000 images of 10 classes, 28×28 gray). */
    public static DataSource bundled() {
        return new DataSource(Kind.IDX, BUNDLED, "t10k", null, null);
    }

    /** IDX files {@code <split>-images-idx3-ubyte[.gz]} and {@code <split>-labels-idx1-ubyte[.gz]} in a folder. */
    public static DataSource idx(Path dir, String split) {
        return new DataSource(Kind.IDX, dir.toString(), split, null, null);
    }

    /** IDX data by the name a user typed: a folder, or {@code bundled}. */
    public static DataSource idx(String dirOrBundled, String split) {
        return new DataSource(Kind.IDX, dirOrBundled, split, null, null);
    }

    public static DataSource imageFolder(Path root) {
        return new DataSource(Kind.IMAGE_FOLDER, root.toString(), null, null, null);
    }

    public static DataSource imageList(Path listFile) {
        return new DataSource(Kind.IMAGE_LIST, listFile.toString(), null, null, null);
    }

    /** One split of a benchmark (null: decided by the job — train for training, the evaluation split for evaluation). */
    public static DataSource layout(BenchmarkLayout layout, Path root, String split) {
        return new DataSource(Kind.LAYOUT, root.toString(), split, layout, null);
    }

    public static DataSource features(Path npy, Path labels) {
        return new DataSource(Kind.FEATURES, npy.toString(), null, null, labels.toString());
    }

    public boolean isBundled() {
        return kind == Kind.IDX && BUNDLED.equals(path);
    }

    /** The same source with another split. */
    public DataSource withSplit(String split) {
        return new DataSource(kind, path, split, layout, labels);
    }

    /** IDX data in memory. */
    public ImageDataset openIdx() {
        require(Kind.IDX);
        return isBundled() ? FashionMnist.bundledTestSplit() : FashionMnist.read(Path.of(path), split);
    }

    /**
     * The image files of an image source; for a layout, {@code defaultSplit} when the source names none.
     *
     * @throws UncheckedIOException when the folder or list cannot be read
     */
    public ImageList openImages(String defaultSplit) {
        if (!kind.isImageFiles()) {
            throw new IllegalArgumentException(this + " holds no image files");
        }
        try {
            return switch (kind) {
                case IMAGE_FOLDER -> ImageList.fromFolder(Path.of(path));
                case IMAGE_LIST -> ImageList.fromListFile(Path.of(path));
                default -> layout.read(Path.of(path), split != null ? split : defaultSplit);
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Class names by label, when the source knows them (the bundled Fashion-MNIST, class folders). */
    public java.util.List<String> classNames() {
        return isBundled() ? FashionMnist.CLASS_NAMES : java.util.List.of();
    }

    private void require(Kind k) {
        if (kind != k) {
            throw new IllegalArgumentException(this + " is not " + k.toString().toLowerCase(Locale.ROOT) + " data");
        }
    }

    /** In words, for logs and reports. */
    @Override
    public String toString() {
        return switch (kind) {
            case IDX -> (isBundled() ? "Fashion-MNIST (bundled)" : path) + " " + split;
            case IMAGE_FOLDER -> "image folder " + path;
            case IMAGE_LIST -> "image list " + path;
            case LAYOUT -> layout + " " + (split == null ? "" : split + " split ") + "under " + path;
            case FEATURES -> "feature vectors " + path;
        };
    }
}
