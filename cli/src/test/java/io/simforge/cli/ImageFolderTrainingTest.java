package io.simforge.cli;

import static io.simforge.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.image.Images;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training from a folder of image files (a corrupt one among them), then export, verify and embed. */
class ImageFolderTrainingTest {
    @TempDir
    Path dir;

    @Test
    void aResNetTrainsOnAnImageFolderSkippingACorruptFileAndExportsAndEmbeds() throws Exception {
        Path images = dir.resolve("images");
        ImageDataset fm = FashionMnist.bundledTestSplit().withClasses(List.of(1, 7, 9)).firstPerClass(6);
        String[] names = {"", "trouser", "", "", "", "", "", "sneaker", "", "boot"};
        for (int i = 0; i < fm.size(); i++) {
            Path f = images.resolve(names[fm.label(i)]).resolve("img" + i + ".png");
            Files.createDirectories(f.getParent());
            ImageIO.write(fm.picture(i), "png", f.toFile());
        }
        Files.writeString(images.resolve("boot/broken.png"), "not an image");
        Path validationImages = dir.resolve("val");
        ImageDataset other = FashionMnist.bundledTestSplit().withClasses(List.of(5, 8)).firstPerClass(5);
        for (int i = 0; i < other.size(); i++) {
            Path f = validationImages.resolve("c" + other.label(i)).resolve("v" + i + ".png");
            Files.createDirectories(f.getParent());
            ImageIO.write(other.picture(i), "png", f.toFile());
        }
        Path runDir = dir.resolve("run");
        assertEquals(0, run("train", "--images", images.toString(), "--image-size", "32", "--architecture", "resnet18",
                "--widths", "8", "--iterations", "4", "--batch-size", "12", "--samples-per-class", "4",
                "--validation-images", validationImages.toString(), "--validate-every", "2", "-o", runDir.toString()));
        assertEquals(List.of(0, 2, 4), io.simforge.core.run.TrainingLog.read(runDir.resolve("train-log.jsonl"))
                .validations().stream().map(v -> v.iteration()).toList(), "validated on the held-out folder");
        assertTrue(Files.isRegularFile(runDir.resolve("model/weights.params")));
        Path onnx = dir.resolve("model.onnx");
        assertEquals(0, run("export", runDir.resolve("model").toString(), "-o", onnx.toString()));
        assertEquals(0, run("verify", onnx.toString(), "--source", runDir.resolve("model").toString()));
        // The same images through a list file (path, label), the broken one included.
        List<String> lines = new java.util.ArrayList<>();
        try (var walk = Files.walk(images)) {
            walk.filter(Files::isRegularFile).sorted().forEach(p -> lines.add(images.relativize(p) + "\t"
                    + (p.toString().contains("boot") ? 2 : p.toString().contains("sneaker") ? 1 : 0)));
        }
        Files.write(images.resolve("list.txt"), lines);
        assertEquals(0, run("train", "--list", images.resolve("list.txt").toString(), "--image-size", "24",
                "--iterations", "2", "--batch-size", "12", "--samples-per-class", "4", "-o", dir.resolve("run-list")
                        .toString()));
        assertTrue(Files.isRegularFile(dir.resolve("run-list/model/weights.params")));
        Files.delete(images.resolve("list.txt"));
        Path emb = dir.resolve("emb");
        assertEquals(0, run("embed", "-m", onnx.toString(), "--images", images.toString(), "-o", emb.toString()));
        assertEquals(18, Files.readAllLines(emb.resolve("ids.txt")).size());
        assertEquals(2, Files.readAllLines(emb.resolve("rejects.tsv")).size(), "header and the broken file");
    }

    /** Non-image embeddings: an MLP trained on feature vectors from .npy, exported and verified. */
    @Test
    void featureVectorsTrainAnMlpThatExportsAsAVectorModel() throws Exception {
        Random r = new Random(2);
        int n = 120;
        int dim = 16;
        float[] x = new float[n * dim];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 6;
            for (int d = 0; d < dim; d++) {
                x[i * dim + d] = (float) ((d == y[i] ? 3 : 0) + r.nextGaussian());
            }
        }
        Path features = dir.resolve("x.npy");
        Path labels = dir.resolve("y.npy");
        io.simforge.core.io.Npy.writeFloats(features, x, n, dim);
        io.simforge.core.io.Npy.writeInts(labels, y);
        Path runDir = dir.resolve("vectors");
        assertEquals(0, run("train", "--features", features.toString(), "--labels", labels.toString(),
                "--validation-classes", "4-5", "--validate-every", "5", "--iterations", "10", "--batch-size", "16",
                "--samples-per-class", "4", "-o", runDir.toString()));
        var config = com.google.gson.JsonParser.parseString(Files.readString(runDir.resolve("config.json")))
                .getAsJsonObject();
        assertEquals("mlp", config.get("architecture").getAsString());
        assertEquals(List.of(0, 5, 10), io.simforge.core.run.TrainingLog.read(runDir.resolve("train-log.jsonl"))
                .validations().stream().map(v -> v.iteration()).toList());
        Path onnx = dir.resolve("vectors.onnx");
        assertEquals(0, run("export", runDir.resolve("model").toString(), "-o", onnx.toString()));
        assertEquals(0, run("verify", onnx.toString(), "--source", runDir.resolve("model").toString()));
        try (io.simforge.infer.Embedder e = io.simforge.infer.Embedder.builder().setModelPath(onnx).build()) {
            assertEquals(io.simforge.core.model.ModelMetadata.InputKind.VECTOR, e.metadata().inputKind());
            assertEquals(2 * 64, e.embed(java.util.Arrays.copyOf(x, 2 * dim)).length);
        }
    }

    @Test
    void randomResizedCropsStayInsideTheImageAndFlipMirrors() {
        BufferedImage img = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 40; x++) {
            for (int y = 0; y < 20; y++) {
                img.setRGB(x, y, x < 20 ? 0xff0000 : 0x0000ff);
            }
        }
        Random r = new Random(3);
        for (int i = 0; i < 50; i++) {
            BufferedImage crop = Images.randomResizedCrop(img, 16, 16, 0.2, r);
            assertEquals(16, crop.getWidth());
            assertEquals(16, crop.getHeight());
        }
        BufferedImage flipped = Images.flip(img);
        assertEquals(0x0000ff, flipped.getRGB(0, 0) & 0xffffff);
        assertEquals(0xff0000, flipped.getRGB(39, 0) & 0xffffff);
    }
}
