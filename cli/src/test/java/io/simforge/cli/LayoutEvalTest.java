package io.simforge.cli;

import static io.simforge.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.metrics.RetrievalMetrics;
import io.simforge.core.model.Preprocessing;
import io.simforge.export.ModelExport;
import io.simforge.export.OnnxExporter;
import io.simforge.infer.Embedder;
import io.simforge.models.Architecture;
import io.simforge.models.SavedModel;
import io.simforge.train.UntrainedNetwork;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `simforge eval --layout` on replicas of CUB (leave-one-out) and In-Shop (query/gallery) built from real images. */
class LayoutEvalTest {
    @TempDir
    Path dir;

    private Path model() throws Exception {
        Architecture arch = Architecture.convNet(1, 28, 28, 16, 4, 8);
        Path saved = dir.resolve("model");
        try (Model m = UntrainedNetwork.create(arch, 4)) {
            SavedModel.save(saved, m.getBlock(), new SavedModel.Description(SavedModel.FORMAT_VERSION, arch,
                    Preprocessing.fashionMnist(), "{}"));
        }
        Path onnx = dir.resolve("model.onnx");
        ModelExport.exportSaved(saved, onnx, OnnxExporter.DEFAULT_OPSET);
        return onnx;
    }

    private static JsonObject learned(Path out) throws Exception {
        return JsonParser.parseString(Files.readString(out.resolve("metrics.json"))).getAsJsonObject()
                .getAsJsonObject("learned");
    }

    @Test
    void inShopQueriesSearchTheGalleryAndCubTestIsLeaveOneOut() throws Exception {
        Path onnx = model();
        ImageDataset fm = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 7)).firstPerClass(4);
        // In-Shop replica: item k has fashion class k's images, the first as query, the other three in the gallery.
        Path inshop = dir.resolve("inshop");
        List<String> lines = new ArrayList<>(List.of("12", "image_name item_id evaluation_status"));
        List<BufferedImage> q = new ArrayList<>();
        List<BufferedImage> g = new ArrayList<>();
        List<Integer> ql = new ArrayList<>();
        List<Integer> gl = new ArrayList<>();
        int[] seen = new int[10];
        for (int i = 0; i < fm.size(); i++) {
            int item = fm.label(i) + 1;
            String name = String.format("img/item%d/%02d.png", item, seen[fm.label(i)]);
            Files.createDirectories(inshop.resolve(name).getParent());
            ImageIO.write(fm.picture(i), "png", inshop.resolve(name).toFile());
            boolean query = seen[fm.label(i)]++ == 0;
            lines.add(name + " id_" + String.format("%08d", item) + " " + (query ? "query" : "gallery"));
            (query ? q : g).add(fm.picture(i));
            (query ? ql : gl).add(item);
        }
        Files.write(inshop.resolve("list_eval_partition.txt"), lines);
        Path out = dir.resolve("eval-inshop");
        assertEquals(0, run("eval", "-m", onnx.toString(), "--layout", "inshop", "--root", inshop.toString(), "-o",
                out.toString(), "--ks", "1,2"));
        try (Embedder e = Embedder.builder().setModelPath(onnx).build()) {
            RetrievalMetrics.Scores expected = RetrievalMetrics.evaluate(e.embed(q), ql.stream().mapToInt(x -> x).toArray(),
                    e.embed(g), gl.stream().mapToInt(x -> x).toArray(), 16, 1, 2);
            JsonObject got = learned(out);
            assertEquals(expected.recallAtK().get(1), got.get("recall@1").getAsDouble(), 1e-9);
            assertEquals(expected.mapAtR(), got.get("map@r").getAsDouble(), 1e-9);
        }
        assertTrue(Files.isRegularFile(out.resolve("eval/query/embeddings.npy")));
        assertTrue(Files.isRegularFile(out.resolve("eval/gallery/ids.txt")));

        // CUB replica: the same twelve images as classes 101, 102 and 108 (test split), plus a train class.
        Path cub = dir.resolve("cub");
        List<String> images = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<BufferedImage> test = new ArrayList<>();
        List<Integer> testLabels = new ArrayList<>();
        for (int i = 0; i < fm.size(); i++) {
            int c = 101 + fm.label(i);
            String path = String.format("%03d.X/%02d.png", c, i);
            Files.createDirectories(cub.resolve("images").resolve(path).getParent());
            ImageIO.write(fm.picture(i), "png", cub.resolve("images").resolve(path).toFile());
            images.add((i + 1) + " " + path);
            labels.add((i + 1) + " " + c);
            test.add(fm.picture(i));
            testLabels.add(c);
        }
        Files.createDirectories(cub.resolve("images/001.Y"));
        ImageIO.write(fm.picture(0), "png", cub.resolve("images/001.Y/a.png").toFile());
        images.add("99 001.Y/a.png");
        labels.add("99 1");
        Files.write(cub.resolve("images.txt"), images);
        Files.write(cub.resolve("image_class_labels.txt"), labels);
        Path cubOut = dir.resolve("eval-cub");
        assertEquals(0, run("eval", "-m", onnx.toString(), "--layout", "cub", "--root", cub.toString(), "-o",
                cubOut.toString(), "--report"));
        try (Embedder e = Embedder.builder().setModelPath(onnx).build()) {
            RetrievalMetrics.Scores expected = RetrievalMetrics.evaluate(e.embed(test), 16,
                    testLabels.stream().mapToInt(x -> x).toArray(), 1, 2, 4, 8);
            assertEquals(expected.recallAtK().get(1), learned(cubOut).get("recall@1").getAsDouble(), 1e-9);
            assertEquals(expected.mapAtR(), learned(cubOut).get("map@r").getAsDouble(), 1e-9);
        }
        assertTrue(Files.isRegularFile(cubOut.resolve("report.html")));
    }
}
