package io.simforge.spark;

import ai.djl.Model;
import io.simforge.core.model.Preprocessing;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.export.ModelExport;
import io.simforge.export.OnnxExporter;
import io.simforge.models.Architecture;
import io.simforge.train.UntrainedNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;

/** What the Spark tests share: a session on loopback, a real exported model, real images. */
final class SparkFixtures {
    static final String[] CLASS_NAMES = {"tshirt", "trouser", "pullover", "dress", "coat"};

    private SparkFixtures() {}

    /** A quiet session on this machine only: no UI, the driver on loopback, few shuffle partitions. */
    static SparkSession session(String master) {
        return SparkSession.builder().master(master).appName("simforge-test")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.default.parallelism", "4")
                .getOrCreate();
    }

    /** An untrained ConvNet for 28×28 grayscale images with Fashion-MNIST preprocessing, exported to ONNX. */
    static Path model(Path dir) throws Exception {
        return model(dir, 4, 8);
    }

    /** As {@link #model(Path)}, with convolution stages of the given widths. */
    static Path model(Path dir, int... widths) throws Exception {
        Architecture arch = Architecture.convNet(1, 28, 28, 16, widths);
        Path onnx = dir.resolve("model.onnx");
        try (Model m = UntrainedNetwork.create(arch, 3)) {
            OnnxExporter.builder().setBlock(m.getBlock())
                    .setMetadata(ModelExport.metadataFor(arch, Preprocessing.fashionMnist(), "{}")).build().export(onnx);
        }
        return onnx;
    }

    /** {@code perClass} Fashion-MNIST test images of each of the first five classes as PNGs in class folders. */
    static ImageDataset writePngs(Path root, int perClass) throws Exception {
        ImageDataset picked = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4)).firstPerClass(perClass);
        for (int i = 0; i < picked.size(); i++) {
            Path f = root.resolve(CLASS_NAMES[picked.label(i)]).resolve(String.format("img-%04d.png", i));
            Files.createDirectories(f.getParent());
            ImageIO.write(picked.picture(i), "png", f.toFile());
        }
        return picked;
    }
}
