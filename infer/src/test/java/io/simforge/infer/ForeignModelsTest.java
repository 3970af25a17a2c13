package io.simforge.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.io.Npy;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.ModelSettings;
import io.simforge.onnx.AttributeProto;
import io.simforge.onnx.ElementType;
import io.simforge.onnx.GraphBuilder;
import io.simforge.onnx.OnnxReader;
import io.simforge.onnx.ValueInfoProto;
import io.simforge.onnx.WeightChecksum;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Foreign ONNX embedding models (issue #14), made by {@code tools/foreign_models.py} with PyTorch 2.13: simforge's
 * embeddings equal ONNX Runtime's (computed by the script) on the same preprocessed input to 1e-5, and, from image
 * files, the script's own preprocessing to 1e-4. Models that cannot give embeddings are refused, naming what was
 * found and the flag that fixes it.
 */
class ForeignModelsTest {
    @TempDir
    Path dir;

    private static Path foreign(String path) throws Exception {
        return Path.of(ForeignModelsTest.class.getResource("/foreign/" + path).toURI());
    }

    private static float[] npy(Path file) throws Exception {
        return Npy.readFloats(file).values();
    }

    /** Mean and std, which embedding preprocessed input does not use but complete settings need. */
    private static PartialSettings normalisation() {
        return new PartialSettings(null, null, null, null, null, null, 1 / 255f, new float[] {0.5f},
                new float[] {0.25f}, null, null, null, null);
    }

    @Test
    void theClassicExportRunsWithItsPreprocessorConfig() throws Exception {
        Path model = foreign("classic/net.onnx");
        try (Embedder e = Embedder.builder().setModelPath(model).build()) {
            assertEquals("preprocessor_config.json over the graph", e.settingsSource());
            assertEquals(12, e.embeddingSize(), "read from the graph (its output size is symbolic)");
            ModelSettings s = e.settings();
            assertEquals("pixel_values", s.inputName());
            assertEquals(ModelSettings.Layout.NCHW, s.layout());
            assertEquals(32, s.preprocessing().resizeShorterSide());
            assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, s.preprocessing().mean());
            assertArrayEquals(npy(foreign("classic/expected.npy")), e.embed(npy(foreign("classic/input.npy"))), 1e-5f);
            List<Path> images;
            try (Stream<Path> files = Files.list(foreign("classic/images"))) {
                images = files.sorted().toList();
            }
            assertEquals(5, images.size());
            assertArrayEquals(npy(foreign("classic/expected-images.npy")), e.embedFiles(images).toFlatArray(), 1e-4f,
                    "end to end from image files, against the script's own preprocessing");
        }
    }

    @Test
    void theDynamoExportLoadsItsExternalDataAndSidecar() throws Exception {
        try (Embedder e = Embedder.builder().setModelPath(foreign("dynamo/net.onnx")).build()) {
            assertEquals("net.simforge.json over the graph", e.settingsSource());
            assertArrayEquals(npy(foreign("dynamo/expected.npy")), e.embed(npy(foreign("dynamo/input.npy"))), 1e-5f);
        }
    }

    @Test
    void aChannelsLastBgrModelGetsItsPixelsRearranged() throws Exception {
        PartialSettings bgr = new PartialSettings(null, null, null, null, null, null, null, null, null,
                ModelSettings.ChannelOrder.BGR, null, null, null).over(normalisation());
        try (Embedder e = Embedder.builder().setModelPath(foreign("nhwc/net.onnx")).optOverrides(bgr).build()) {
            assertEquals(ModelSettings.Layout.NHWC, e.settings().layout(), "seen in the input's shape [?, 32, 32, 3]");
            assertArrayEquals(npy(foreign("nhwc/expected.npy")), e.embed(npy(foreign("nhwc/input.npy"))), 1e-5f);
        }
    }

    @Test
    void aTokenOutputIsPooledByTheFirstTokenOrTheMean() throws Exception {
        Path model = foreign("tokens/net.onnx");
        float[] input = npy(foreign("tokens/input.npy"));
        EmbedderException missing = assertThrows(EmbedderException.class, () -> Embedder.builder().setModelPath(model)
                .optOverrides(normalisation()).build());
        assertTrue(missing.getMessage().contains("pooling: output 'last_hidden_state' has one vector per token")
                && missing.getMessage().contains("--token-pooling cls or mean"), missing.getMessage());
        for (ModelSettings.Pooling pooling : List.of(ModelSettings.Pooling.CLS, ModelSettings.Pooling.MEAN)) {
            PartialSettings s = new PartialSettings(null, null, null, null, null, null, null, null, null, null, null,
                    pooling, false).over(normalisation());
            try (Embedder e = Embedder.builder().setModelPath(model).optOverrides(s).build()) {
                assertEquals(16, e.embeddingSize());
                String expected = pooling == ModelSettings.Pooling.CLS ? "tokens/expected-cls.npy"
                        : "tokens/expected-mean.npy";
                assertArrayEquals(npy(foreign(expected)), e.embed(input), 1e-5f, pooling.toString());
            }
        }
    }

    @Test
    void aFixedBatchOfOneIsFedAnItemAtATime() throws Exception {
        try (Embedder e = Embedder.builder().setModelPath(foreign("batch1/net.onnx")).optOverrides(normalisation())
                .optBatchSize(32).build()) {
            assertEquals(1, e.batchSize());
            assertArrayEquals(npy(foreign("batch1/expected.npy")), e.embed(npy(foreign("batch1/input.npy"))), 1e-5f);
        }
    }

    @Test
    void withoutSettingsTheMissingOnesAreListed() throws Exception {
        Path bare = Files.copy(foreign("classic/net.onnx"), dir.resolve("net.onnx"));
        EmbedderException e = assertThrows(EmbedderException.class, () -> Embedder.builder().setModelPath(bare)
                .build());
        assertTrue(e.getMessage().contains("has no simforge metadata and its settings are incomplete")
                && e.getMessage().contains("inputs [pixel_values float [?, 3, 32, 32]]")
                && e.getMessage().contains("normalisation: give --mean and --std")
                && e.getMessage().contains("net.simforge.json"), e.getMessage());
    }

    /** Graphs built here: y = x · w, with a second output, a 4-D output or a rank-3 input. */
    @Test
    void modelsThatCannotGiveEmbeddingsAreRefusedClearly() throws Exception {
        GraphBuilder two = new GraphBuilder(false).addInput(ValueInfoProto.batched("x", ElementType.FLOAT, 4))
                .addOutput(ValueInfoProto.batched("a", ElementType.FLOAT, 4))
                .addOutput(ValueInfoProto.batched("b", ElementType.FLOAT, 4));
        two.nodeWithOutput("Relu", "a", List.of("x"));
        two.nodeWithOutput("Neg", "b", List.of("x"));
        Path twoOutputs = TinyModels.write(dir.resolve("two.onnx"), two, Map.of());
        EmbedderException e = assertThrows(EmbedderException.class, () -> Embedder.builder().setModelPath(twoOutputs)
                .build());
        assertTrue(e.getMessage().contains("output: the model has 2 outputs [a float [?, 4], b float [?, 4]]; pick one "
                + "with --output-name"), e.getMessage());
        PartialSettings pickB = new PartialSettings(null, "b", null, null, null, null, null, null, null, null, null,
                null, false);
        try (Embedder b = Embedder.builder().setModelPath(twoOutputs).optOverrides(pickB).build()) {
            assertArrayEquals(new float[] {-1, 2, -3, -0.5f}, b.embed(new float[] {1, -2, 3, 0.5f}));
        }

        GraphBuilder image = new GraphBuilder(false).addInput(ValueInfoProto.batched("x", ElementType.FLOAT, 3, 4, 4))
                .addOutput(ValueInfoProto.batched("y", ElementType.FLOAT, 3, 4, 4));
        image.nodeWithOutput("Relu", "y", List.of("x"));
        Path fourD = TinyModels.write(dir.resolve("4d.onnx"), image, Map.of());
        e = assertThrows(EmbedderException.class, () -> Embedder.builder().setModelPath(fourD)
                .optOverrides(normalisation()).build());
        assertTrue(e.getMessage().contains("is not an embedding model: its output 'y' has shape [?, 3, 4, 4]"),
                e.getMessage());

        GraphBuilder rank3 = new GraphBuilder(false).addInput(ValueInfoProto.batched("x", ElementType.FLOAT, 4, 4))
                .addOutput(ValueInfoProto.batched("y", ElementType.FLOAT, 4));
        rank3.nodeWithOutput("ReduceMean", "y", List.of("x"), AttributeProto.ofInts("axes", 2),
                AttributeProto.ofInt("keepdims", 0));
        Path wrongRank = TinyModels.write(dir.resolve("rank3.onnx"), rank3, Map.of());
        e = assertThrows(EmbedderException.class, () -> Embedder.builder().setModelPath(wrongRank).build());
        assertTrue(e.getMessage().contains("input 'x' has shape [?, 4, 4], not [batch, values]"), e.getMessage());
    }

    /** {@code simforge adopt}: a copy with simforge's metadata runs without flags; its weights are untouched. */
    @Test
    void anAdoptedModelRunsWithoutFlags() throws Exception {
        Path out = dir.resolve("adopted/net.onnx");
        PartialSettings bgr = new PartialSettings(null, null, null, null, null, null, null, null, null,
                ModelSettings.ChannelOrder.BGR, null, null, null).over(normalisation());
        ModelAdoption.Result r = ModelAdoption.adopt(foreign("nhwc/net.onnx"), out, bgr);
        assertEquals("4", r.metadata().get(ModelMetadata.KEY_VERSION), "NHWC and BGR need metadata version 4");
        assertEquals(WeightChecksum.of(OnnxReader.read(foreign("nhwc/net.onnx")).graph().initializers(), null),
                r.weightsSha256());
        try (Embedder e = Embedder.builder().setModelPath(out).build()) {
            assertEquals("simforge metadata", e.settingsSource());
            assertEquals(r.settings(), e.settings());
            assertArrayEquals(npy(foreign("nhwc/expected.npy")), e.embed(npy(foreign("nhwc/input.npy"))), 1e-5f);
        }
        assertThrows(io.simforge.core.error.InvalidInputException.class,
                () -> ModelAdoption.adopt(out, dir.resolve("again.onnx"), PartialSettings.NONE));

        Path dynamo = dir.resolve("elsewhere/model.onnx");
        ModelAdoption.Result d = ModelAdoption.adopt(foreign("dynamo/net.onnx"), dynamo, PartialSettings.NONE);
        assertEquals(List.of(dir.resolve("elsewhere/net.onnx.data")), d.copiedDataFiles());
        try (Embedder e = Embedder.builder().setModelPath(dynamo).build()) {
            assertArrayEquals(npy(foreign("dynamo/expected.npy")), e.embed(npy(foreign("dynamo/input.npy"))), 1e-5f);
        }
    }
}
