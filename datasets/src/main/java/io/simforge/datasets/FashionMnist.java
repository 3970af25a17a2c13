package io.simforge.datasets;

import io.simforge.core.data.DatasetException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Zalando Research, MIT licence). The test split ships inside this jar as the project's
 * default data, so quickstart and the tests need nothing outside the project; any split can also be read
 * from a folder holding the IDX files.
 */
public final class FashionMnist {
    private static final String BUNDLED = "/io/simforge/datasets/fashion-mnist/";

    /** The ten class names, by label. */
    public static final java.util.List<String> CLASS_NAMES = java.util.List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {}

    /** The bundled test split: 10,000 images, 1,000 per class. */
    public static ImageDataset bundledTestSplit() {
        try (InputStream images = open("t10k-images-idx3-ubyte.gz");
                InputStream labels = open("t10k-labels-idx1-ubyte.gz")) {
            return ImageDataset.fromIdx(IdxReader.read(images, "bundled t10k-images"),
                    IdxReader.read(labels, "bundled t10k-labels"), "bundled Fashion-MNIST test split");
        } catch (IOException e) {
            throw new DatasetException("cannot read the bundled Fashion-MNIST split: " + e.getMessage(), e);
        }
    }

    /**
     * Reads split {@code prefix} ("train" or "t10k") from {@code dir}, which holds
     * {@code <prefix>-images-idx3-ubyte[.gz]} and {@code <prefix>-labels-idx1-ubyte[.gz]}.
     */
    public static ImageDataset read(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("dataset folder not found: " + dir
                    + ". Pass a folder holding " + prefix + "-images-idx3-ubyte[.gz] and "
                    + prefix + "-labels-idx1-ubyte[.gz].");
        }
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        return ImageDataset.fromIdx(IdxReader.read(images), IdxReader.read(labels), dir + "/" + prefix);
    }

    private static Path find(Path dir, String base) {
        for (String name : new String[] {base + ".gz", base}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DatasetException("dataset folder " + dir + " has no " + base + " or " + base + ".gz. "
                + "Pass the folder that holds the IDX files (e.g. Fashion-MNIST's train or t10k files).");
    }

    private static InputStream open(String name) {
        InputStream in = FashionMnist.class.getResourceAsStream(BUNDLED + name);
        if (in == null) {
            throw new DatasetException("bundled data " + name + " is missing from the simforge-core jar; "
                    + "rebuild the project.");
        }
        return in;
    }
}
