package io.simforge.eval;

import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.Preprocessing;
import io.simforge.datasets.ClassSelection;
import io.simforge.datasets.DataSource;
import io.simforge.datasets.ImageDataset;
import io.simforge.infer.Embedder;
import io.simforge.infer.extract.ItemSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The items of a {@link DataSource}, as a batch extraction ({@code ExtractionJob}) reads them for an embedder. */
public final class ItemSources {
    private ItemSources() {}

    /**
     * @param classes IDX data: only these classes (null: all)
     * @throws IllegalArgumentException for feature vectors, or an image source for a model of vectors
     */
    public static ItemSource of(DataSource source, String classes, Embedder embedder) throws IOException {
        Preprocessing pre = embedder.metadata().preprocessing();
        if (pre == null) {
            throw new IllegalArgumentException("this model takes feature vectors, not images; "
                    + "embed vectors with Embedder.embed(float[])");
        }
        return switch (source.kind()) {
            case IMAGE_FOLDER -> ItemSource.folder(Path.of(source.path()), embedder.imagePreprocessor());
            case IMAGE_LIST -> ItemSource.listFile(Path.of(source.path()), embedder.imagePreprocessor());
            case LAYOUT -> ItemSource.imageList(source.openImages(source.layout().evaluationSplit()),
                    embedder.imagePreprocessor());
            case IDX -> dataset(source, classes, pre,
                    embedder.metadata().inputKind() == ModelMetadata.InputKind.IMAGE_UINT8);
            case FEATURES -> throw new IllegalArgumentException("feature vectors are not images: embed them with "
                    + "Embedder.embed(float[])");
        };
    }

    /** @param raw the model takes 8-bit pixels: give it the pixel values, not normalised ones */
    private static ItemSource dataset(DataSource source, String classes, Preprocessing pre, boolean raw) {
        ImageDataset all = source.openIdx();
        ImageDataset d = classes == null ? all : all.withClasses(ClassSelection.parse(classes));
        List<String> names = source.classNames();
        return new ItemSource() {
            @Override
            public int size() {
                return d.size();
            }

            @Override
            public String id(int i) {
                return Integer.toString(i);
            }

            @Override
            public int label(int i) {
                return d.label(i);
            }

            @Override
            public List<String> classNames() {
                return names;
            }

            @Override
            public void load(int i, float[] out, int offset) {
                if (raw) {
                    d.copyPixels(i, out, offset);
                } else {
                    d.inputs(pre, i, 1, out, offset);
                }
            }
        };
    }
}
