package io.simforge.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.io.Npy;
import io.simforge.export.ModelVerifier;
import io.simforge.infer.Embedder;
import io.simforge.infer.ModelCheck;
import io.simforge.onnx.ModelProto;
import io.simforge.onnx.OnnxReader;
import io.simforge.onnx.OnnxWriter;
import io.simforge.onnx.TensorProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model as the driver reads, checks and ships it: a model that cannot serve is refused with exactly the failed
 * lines {@code simforge verify} prints for it (its own {@link ModelVerifier}, run on the same file), and a model from
 * elsewhere travels with the files beside it (external weights, settings file) and embeds on the executor side as
 * PyTorch did when the fixture was made.
 */
class ModelFilesTest {
    @TempDir
    static Path dir;

    static Path model;

    @BeforeAll
    static void setUp() throws Exception {
        model = SparkFixtures.model(Files.createDirectories(dir.resolve("exported")));
    }

    private static Path foreign(String path) {
        return Path.of("..", "infer", "src", "test", "resources", "foreign").resolve(path);
    }

    /** The failed lines of {@code simforge verify MODEL}, as it prints them. */
    private static String verifyFailures(Path onnx) {
        List<ModelCheck> checks = ModelVerifier.verify(onnx, null);
        return String.join("\n", checks.stream().filter(c -> !c.passed()).map(ModelCheck::line).toList());
    }

    private static String refusal(Path onnx) {
        SimforgeSparkException e = assertThrows(SimforgeSparkException.class,
                () -> ModelFiles.load(onnx.toString(), new Configuration()));
        String head = onnx + " cannot be used to embed; `simforge verify " + onnx + "` says:\n";
        assertEquals(head, e.getMessage().substring(0, Math.min(head.length(), e.getMessage().length())));
        return e.getMessage().substring(head.length());
    }

    @Test
    void aModelThatCannotServeIsRefusedWithTheLinesVerifyPrints() throws Exception {
        byte[] bytes = Files.readAllBytes(model);
        Path truncated = Files.write(dir.resolve("truncated.onnx"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertEquals(verifyFailures(truncated), refusal(truncated));

        ModelProto proto = OnnxReader.read(model);
        TensorProto w = proto.graph().initializers().get(0);
        byte[] raw = new byte[w.rawData().remaining()];
        w.rawData().get(raw);
        raw[0] ^= 0x40;
        Path tampered = dir.resolve("tampered.onnx");
        OnnxWriter.write(proto.toBuilder().setGraph(proto.graph().toBuilder().setInitializer(0,
                w.toBuilder().optRawData(raw).build()).build()).build(), tampered);
        String weights = verifyFailures(tampered);
        assertEquals(1, weights.lines().count(), weights);
        assertEquals(weights, refusal(tampered));

        // A model from elsewhere without its settings file: the settings check, in verify's words.
        Path bare = Files.createDirectories(dir.resolve("bare"));
        Files.copy(foreign("dynamo/net.onnx"), bare.resolve("net.onnx"));
        Files.copy(foreign("dynamo/net.onnx.data"), bare.resolve("net.onnx.data"));
        String settings = verifyFailures(bare.resolve("net.onnx"));
        assertTrue(settings.startsWith("FAIL settings"), settings);
        assertEquals(settings, refusal(bare.resolve("net.onnx")));

        // ... and without its external weights: the graph check.
        Files.delete(bare.resolve("net.onnx.data"));
        String graph = verifyFailures(bare.resolve("net.onnx"));
        assertTrue(graph.startsWith("FAIL graph"), graph);
        assertEquals(graph, refusal(bare.resolve("net.onnx")));
    }

    @Test
    void aModelFromElsewhereTravelsWithItsWeightsAndSettingsFile() throws Exception {
        ModelFiles files = ModelFiles.load(foreign("dynamo/net.onnx").toString(), new Configuration());
        assertEquals(12, files.embeddingSize());
        Path executorDir = dir.resolve("executor");
        Path onnx = files.materialise(executorDir);
        try (var listing = Files.list(executorDir)) {
            assertEquals(List.of("net.onnx", "net.onnx.data", "net.simforge.json"),
                    listing.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Embedder e = Embedder.builder().setModelPath(onnx).build()) {
            assertEquals("net.simforge.json over the graph", e.settingsSource());
            assertArrayEquals(Npy.readFloats(foreign("dynamo/expected.npy")).values(),
                    e.embed(Npy.readFloats(foreign("dynamo/input.npy")).values()), 1e-5f, "PyTorch's embeddings");
        }
    }
}
