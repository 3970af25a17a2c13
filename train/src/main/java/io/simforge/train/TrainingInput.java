package io.simforge.train;

import com.google.gson.JsonObject;
import io.simforge.core.data.ImageList;
import io.simforge.core.format.Format;
import io.simforge.core.format.FormatException;
import io.simforge.core.io.Json;
import io.simforge.core.io.Npy;
import io.simforge.core.model.Preprocessing;
import io.simforge.datasets.BenchmarkLayout;
import io.simforge.datasets.ClassSelection;
import io.simforge.datasets.DataSource;
import io.simforge.datasets.ImageDataset;
import io.simforge.datasets.Labels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a training run trains on and watches, written down so that the run can be resumed and repeated: the
 * {@link DataSource}, which of its classes to train on, the input size for image files, and the validation.
 * {@link #open} turns it into {@link TrainingData}; it decides the preprocessing and how validation items are
 * chosen, so every caller gets the same run from the same description:
 *
 * <ul>
 *   <li>IDX data (gray): trains on {@code classes}; validation on {@code validation.classes} of the same data
 *       (they must not overlap), the first {@code perClass} images of each; Fashion-MNIST's mean and std.
 *   <li>Image files (a folder, a list file, a benchmark layout's train split): every image, decoded and augmented
 *       as drawn (random resized crop, flip) at {@code imageSize}, RGB with ImageNet's mean and std; validation on
 *       a separate source (a folder of other classes) or, for a layout, its evaluation split.
 *   <li>Feature vectors: every class except {@code validation.classes}, which are held out and watched.
 * </ul>
 *
 * <p>JSON form ({@code train-input.json}): a header {@code "format": "simforge-train-input", "version": 2}, then
 * {@code source}, {@code classes}, {@code imageSize}, {@code validation}. Version 1 files (flat fields, no header)
 * still load.
 *
 * @param source where the training items come from
 * @param classes IDX: the training classes ({@code 0-4}); null: every class
 * @param imageSize image files: the model's input side in pixels
 * @param centreCrop image files: evaluation resizes the shorter side to {@code imageSize × 256/224} and takes the
 *     centre (the papers' protocol); false: straight to {@code imageSize}², for images that fill their frame
 * @param validation what to watch, or null
 */
public record TrainingInput(DataSource source, String classes, int imageSize, boolean centreCrop,
        ValidationInput validation) {
    /** {@code train-input.json}: version 2 added the header and the typed source; version 1 was flat. */
    public static final Format FORMAT = Format.of("simforge-train-input", 2).withUnversionedAsVersion1();
    /** The input side for image files unless given (the papers use 224). */
    public static final int DEFAULT_IMAGE_SIZE = 64;

    /**
     * @param source a separate source of validation images, or null for held-out classes of the training source
     *     (or, for a benchmark layout, its evaluation split)
     * @param classes the held-out classes (IDX data, feature vectors)
     * @param perClass images per validation class
     * @param every validation interval in iterations
     */
    public record ValidationInput(DataSource source, String classes, int perClass, int every) {
        public ValidationInput {
            if (perClass <= 0 || every <= 0) {
                throw new IllegalArgumentException("validation needs a positive number of images per class and a "
                        + "positive interval, got " + perClass + " and " + every);
            }
        }
    }

    public TrainingInput {
        if (source == null) {
            throw new IllegalArgumentException("training input needs a data source");
        }
        if (imageSize <= 0) {
            throw new IllegalArgumentException("the image size must be positive, got " + imageSize);
        }
        if (classes != null) {
            ClassSelection.parse(classes); // fails now, with the text, rather than when the run opens its data
        }
        if (validation != null && validation.classes() != null) {
            ClassSelection.parse(validation.classes());
        }
        if (source.kind() == DataSource.Kind.IDX && classes != null && validation != null
                && validation.classes() != null && validation.source() == null) {
            Set<Integer> train = new HashSet<>(ClassSelection.parse(classes));
            if (ClassSelection.parse(validation.classes()).stream().anyMatch(train::contains)) {
                throw new IllegalArgumentException("validation classes " + validation.classes() + " overlap the "
                        + "training classes " + classes + "; choose classes the model does not train on");
            }
        }
    }

    /** Every item of {@code source}, no validation. */
    public static TrainingInput of(DataSource source) {
        return new TrainingInput(source, null, DEFAULT_IMAGE_SIZE, true, null);
    }

    /** Only these classes (IDX data). */
    public TrainingInput withClasses(String classes) {
        return new TrainingInput(source, classes, imageSize, centreCrop, validation);
    }

    public TrainingInput withImageSize(int size) {
        return new TrainingInput(source, classes, size, centreCrop, validation);
    }

    /** Image files: whether evaluation takes the centre of an image resized a little larger (default) or all of it. */
    public TrainingInput withCentreCrop(boolean centreCrop) {
        return new TrainingInput(source, classes, imageSize, centreCrop, validation);
    }

    /** Watch held-out classes of the same data (IDX data, feature vectors), or a layout's evaluation split (null classes). */
    public TrainingInput withValidation(String classes, int perClass, int every) {
        return new TrainingInput(source, this.classes, imageSize, centreCrop,
                new ValidationInput(null, classes, perClass, every));
    }

    /** Watch a separate source of images of other classes. */
    public TrainingInput withValidation(DataSource images, int perClass, int every) {
        return new TrainingInput(source, classes, imageSize, centreCrop, new ValidationInput(images, null, perClass,
                every));
    }

    /**
     * Reads the data and prepares the validation, as the class comment describes.
     *
     * @param config the augmentation settings for image files (crop area, flip, colour jitter)
     * @throws IllegalArgumentException when the data does not suit training (no labels, colour IDX data, …)
     * @throws UncheckedIOException when it cannot be read
     */
    public TrainingData open(TrainConfig config) {
        return switch (source.kind()) {
            case IDX -> openIdx();
            case FEATURES -> openFeatures();
            default -> openImageFiles(config);
        };
    }

    private TrainingData openIdx() {
        ImageDataset all = source.openIdx();
        ImageDataset train = classes == null ? all : all.withClasses(ClassSelection.parse(classes));
        if (train.channels() != 1) {
            throw new IllegalArgumentException("IDX training takes gray images; " + source + " holds "
                    + train.channels() + " channels");
        }
        Preprocessing fm = Preprocessing.fashionMnist();
        Preprocessing pre = new Preprocessing(1, train.height(), train.width(), fm.scale(), fm.mean(), fm.std());
        Validation v = null;
        if (validation != null) {
            ImageDataset held = validation.source() != null ? validation.source().openIdx() : all;
            if (validation.classes() != null) {
                held = held.withClasses(ClassSelection.parse(validation.classes()));
            }
            held = held.firstPerClass(validation.perClass());
            v = Validation.of(held, held.labels(), pre, validation.every());
        }
        String name = source + (classes == null ? "" : " classes " + classes);
        return new TrainingData(TrainingImages.of(train, pre), pre, v, name);
    }

    private TrainingData openImageFiles(TrainConfig config) {
        ImageList list = source.openImages("train");
        if (list.labels().length > 0 && list.labels()[0] < 0) {
            throw new IllegalArgumentException(list.name() + " has images without a class (outside class folders, or "
                    + "list lines without a label); training needs a class for every image");
        }
        Preprocessing pre = centreCrop ? Preprocessing.imagenet(imageSize) : Preprocessing.imagenet(imageSize)
                .withResizeShorterSide(0);
        Validation v = null;
        if (validation != null) {
            ImageList held;
            if (validation.source() != null) {
                held = validation.source().openImages(evaluationSplit(validation.source()));
            } else if (source.kind() == DataSource.Kind.LAYOUT) {
                held = source.withSplit(source.layout().evaluationSplit()).openImages(null);
            } else {
                throw new IllegalArgumentException("validation on image files needs a folder of images of other "
                        + "classes (or a benchmark layout, whose evaluation split is used)");
            }
            v = Validation.ofImages(held, pre, validation.perClass(), validation.every());
        }
        return new TrainingData(new ImageFileTrainingSet(list, pre, config.cropMinArea(), config.horizontalFlip(),
                config.colorJitter()), pre, v,
                list.name() + " (" + list.size() + " image files)");
    }

    private static String evaluationSplit(DataSource s) {
        return s.kind() == DataSource.Kind.LAYOUT ? s.layout().evaluationSplit() : null;
    }

    private TrainingData openFeatures() {
        Npy.FloatArray x;
        int[] y;
        try {
            x = Npy.readFloats(Path.of(source.path()));
            y = Labels.read(Path.of(source.labels()), x.rows(), Path.of(source.path()));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        Set<Integer> held = validation == null || validation.classes() == null ? Set.of()
                : Set.copyOf(ClassSelection.parse(validation.classes()));
        int dim = x.rowSize();
        List<Integer> trainRows = new ArrayList<>();
        List<Integer> heldRows = new ArrayList<>();
        for (int i = 0; i < y.length; i++) {
            (held.contains(y[i]) ? heldRows : trainRows).add(i);
        }
        Validation v = heldRows.size() < 2 ? null : new Validation(rows(x.values(), dim, heldRows),
                heldRows.stream().mapToInt(i -> y[i]).toArray(), validation.every());
        TrainingImages items = TrainingImages.vectors(rows(x.values(), dim, trainRows), dim,
                trainRows.stream().mapToInt(i -> y[i]).toArray());
        return new TrainingData(items, null, v, source.path() + " (" + trainRows.size() + " vectors of " + dim + ")");
    }

    private static float[] rows(float[] values, int dim, List<Integer> rows) {
        float[] out = new float[rows.size() * dim];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(values, rows.get(r) * dim, out, r * dim, dim);
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------- JSON

    public void write(Path file) throws IOException {
        FORMAT.write(file, this);
    }

    /** Reads {@code train-input.json}, of this version or version 1. */
    public static TrainingInput read(Path file) throws IOException {
        JsonObject o = FORMAT.read(file);
        if (o.get(Format.VERSION_KEY).getAsInt() == 1) {
            return fromVersion1(o);
        }
        if (!o.has("centreCrop")) {
            o.addProperty("centreCrop", true);
        }
        try {
            return Json.fromJson(o, TrainingInput.class);
        } catch (RuntimeException e) {
            throw FormatException.damaged(file.toString(), "its content does not describe a run's data ("
                    + e.getMessage() + ")");
        }
    }

    /** The flat form `simforge train` wrote before versions. */
    private static TrainingInput fromVersion1(JsonObject o) {
        record V1(String data, String split, String classes, String validationClasses, int validationPerClass,
                int validateEvery, String images, String layout, String root, int imageSize, String validationImages,
                boolean validateLayout, String features, String featureLabels, String list) {}
        V1 v = Json.fromJson(o, V1.class);
        DataSource source = v.images() != null ? DataSource.imageFolder(Path.of(v.images()))
                : v.list() != null ? DataSource.imageList(Path.of(v.list()))
                : v.layout() != null ? DataSource.layout(BenchmarkLayout.parse(v.layout()), Path.of(v.root()), null)
                : v.features() != null ? DataSource.features(Path.of(v.features()), Path.of(v.featureLabels()))
                : DataSource.idx(v.data(), v.split());
        boolean idx = source.kind() == DataSource.Kind.IDX;
        ValidationInput val = null;
        int every = v.validateEvery() > 0 ? v.validateEvery() : 100;
        int perClass = v.validationPerClass() > 0 ? v.validationPerClass() : 200;
        if (v.validationImages() != null) {
            val = new ValidationInput(DataSource.imageFolder(Path.of(v.validationImages())), null, perClass, every);
        } else if (v.validateLayout() || v.validationClasses() != null && (idx || v.features() != null)) {
            val = new ValidationInput(null, v.validationClasses(), perClass, every);
        }
        return new TrainingInput(source, idx ? v.classes() : null, v.imageSize() > 0 ? v.imageSize() : DEFAULT_IMAGE_SIZE,
                true, val);
    }
}
