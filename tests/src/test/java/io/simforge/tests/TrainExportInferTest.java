package io.simforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import io.simforge.onnx.ElementType;
import io.simforge.onnx.GraphProto;
import io.simforge.onnx.ModelProto;
import io.simforge.onnx.NodeProto;
import io.simforge.onnx.OnnxWriter;
import io.simforge.onnx.ValueInfoProto;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.metrics.RetrievalMetrics;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.Preprocessing;
import io.simforge.export.ModelExport;
import io.simforge.export.OnnxExporter;
import io.simforge.infer.Embedder;
import io.simforge.infer.EmbedderException;
import io.simforge.core.device.DeviceSpec;
import io.simforge.models.DjlEmbedder;
import io.simforge.models.SavedModel;
import io.simforge.train.TrainingData;
import io.simforge.train.TrainingRun;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole path: train a few steps with DJL, save, export to ONNX, embed and evaluate with ONNX Runtime. */
class TrainExportInferTest {
    @TempDir
    static Path dir;

    private static ImageDataset test;
    private static TrainedModel trained;
    private static Path onnx;
    private static Path savedDir;

    @BeforeAll
    static void trainAndExport() throws Exception {
        ImageDataset all = FashionMnist.bundledTestSplit();
        ImageDataset train = all.withClasses(List.of(0, 1, 2, 3, 4)).firstPerClass(300);
        test = all.withClasses(List.of(5, 6, 7, 8, 9)).firstPerClass(60);
        TrainConfig c = TrainConfig.builder().optIterations(30).optWidths(16, 32, 32).optEmbeddingSize(32).build();
        trained = TrainingRun.builder().setConfig(c).setData(TrainingData.of(train, Preprocessing.fashionMnist(),
                "Fashion-MNIST classes 0-4")).build().run();
        savedDir = dir.resolve("model");
        SavedModel.save(savedDir, trained.model().getBlock(), new SavedModel.Description(SavedModel.FORMAT_VERSION,
                trained.architecture(), trained.preprocessing(), "{\"loss\":\"ms\"}"));
        onnx = dir.resolve("model.onnx");
        ModelExport.exportSaved(savedDir, onnx, OnnxExporter.DEFAULT_OPSET);
    }

    @AfterAll
    static void close() {
        trained.close();
    }

    private static float[] djlEmbeddings(Model model) {
        float[] x = test.inputs(trained.preprocessing());
        return DjlEmbedder.embed(model.getBlock(), model.getNDManager(), x, trained.architecture().inputShape(), 64);
    }

    @Test
    void onnxRuntimeEmbeddingsEqualDjlsAndGiveTheSameRecall() {
        float[] djl = djlEmbeddings(trained.model());
        try (Embedder embedder = Embedder.builder().setModelPath(onnx).optBatchSize(17).build()) {
            assertEquals(32, embedder.embeddingSize());
            assertEquals(DeviceSpec.cpu(), embedder.device());
            float[] ort = embedder.embed(test);
            double max = 0;
            for (int i = 0; i < ort.length; i++) {
                max = Math.max(max, Math.abs(ort[i] - djl[i]));
            }
            assertTrue(max <= 1e-4, "max |ORT - DJL| = " + max);
            for (int r = 0; r < test.size(); r++) {
                double norm = 0;
                for (int d = 0; d < 32; d++) {
                    norm += ort[r * 32 + d] * ort[r * 32 + d];
                }
                assertEquals(1.0, norm, 1e-5, "embeddings are L2-normalised in the graph");
            }
            var a = RetrievalMetrics.recallAtK(ort, 32, test.labels(), 1, 2, 4, 8);
            var b = RetrievalMetrics.recallAtK(djl, 32, test.labels(), 1, 2, 4, 8);
            assertEquals(b, a);
            assertTrue(a.get(1) > 0.5, "a trained model retrieves far better than chance (0.2): " + a);
        }
    }

    @Test
    void aSavedModelLoadsBackWithTheSameWeights() throws Exception {
        try (Model loaded = SavedModel.load(savedDir)) {
            assertTrue(Arrays.equals(djlEmbeddings(trained.model()), djlEmbeddings(loaded)));
        }
    }

    @Test
    void oneEmbedderServesManyThreadsWithIdenticalResults() throws Exception {
        try (Embedder embedder = Embedder.builder().setModelPath(onnx).build()) {
            float[] expected = embedder.embed(test);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> results = new java.util.ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    results.add(pool.submit(() -> embedder.embed(test)));
                }
                for (Future<float[]> f : results) {
                    assertTrue(Arrays.equals(expected, f.get()));
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void aCudaRequestWithoutTheGpuRuntimeFallsBackToTheCpu() {
        try (Embedder embedder = Embedder.builder().setModelPath(onnx).optDevice(DeviceSpec.cuda(0)).build()) {
            assertEquals(DeviceSpec.cpu(), embedder.device());
            assertEquals(test.size() * 32, embedder.embed(test).length);
        }
    }

    @Test
    void aTruncatedModelFileIsRefusedClearly() throws Exception {
        byte[] bytes = Files.readAllBytes(onnx);
        Path cut = dir.resolve("truncated.onnx");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        EmbedderException e = assertThrows(EmbedderException.class, () -> Embedder.builder().setModelPath(cut).build());
        assertTrue(e.getMessage().contains("truncated, damaged or not ONNX"), e.getMessage());
    }

    @Test
    void aMissingModelFileIsNamed() {
        Path missing = dir.resolve("nope.onnx");
        EmbedderException e = assertThrows(EmbedderException.class, () -> Embedder.builder().setModelPath(missing).build());
        assertTrue(e.getMessage().contains("model file not found: " + missing), e.getMessage());
    }

    @Test
    void anOnnxModelThatIsNotAnEmbeddingModelIsRefused() throws Exception {
        // A valid ONNX graph (y = relu(x)) without simforge metadata.
        ModelProto foreign = ModelProto.builder().setIrVersion(8).addOpsetImport("", 17)
                .setGraph(GraphProto.builder().optName("g")
                        .addNode(NodeProto.builder().setOpType("Relu").addInput("x").addOutput("y").build())
                        .addInput(ValueInfoProto.tensor("x", ElementType.FLOAT, "3"))
                        .addOutput(ValueInfoProto.tensor("y", ElementType.FLOAT, "3")).build())
                .build();
        Path file = dir.resolve("relu.onnx");
        Files.write(file, OnnxWriter.toBytes(foreign));
        EmbedderException e = assertThrows(EmbedderException.class, () -> Embedder.builder().setModelPath(file).build());
        assertTrue(e.getMessage().contains("has no simforge metadata and its settings are incomplete"), e.getMessage());

        // Same graph with simforge metadata claiming an image input: the signature check catches it.
        ModelProto.Builder lying = foreign.toBuilder();
        ModelExport.metadataFor(io.simforge.models.Architecture.convNet(1, 28, 28, 8, 4), Preprocessing.fashionMnist(),
                null).toMap().forEach(lying::addMetadata);
        Files.write(file, OnnxWriter.toBytes(lying.build()));
        EmbedderException e2 = assertThrows(EmbedderException.class, () -> Embedder.builder().setModelPath(file).build());
        assertTrue(e2.getMessage().contains("has no tensor input named 'pixels'; its inputs are [x float [3]]"), e2.getMessage());
    }

    @Test
    void imagesOfTheWrongSizeAreRefused() {
        ImageDataset small = new ImageDataset(new byte[2 * 10 * 10], new int[] {0, 1}, 1, 10, 10);
        try (Embedder embedder = Embedder.builder().setModelPath(onnx).build()) {
            io.simforge.core.error.InvalidInputException e = assertThrows(io.simforge.core.error.InvalidInputException.class, () -> embedder.embed(small));
            assertTrue(e.getMessage().contains("expects 1x28x28 images"), e.getMessage());
        }
    }

    @Test
    void metadataReadBackMatchesWhatTrainingKnew() {
        try (Embedder embedder = Embedder.builder().setModelPath(onnx).build()) {
            ModelMetadata m = embedder.metadata();
            assertEquals(ModelMetadata.InputKind.IMAGE, m.inputKind());
            assertEquals(Preprocessing.fashionMnist(), m.preprocessing());
            assertTrue(m.normalized());
            assertEquals("{\"loss\":\"ms\"}", m.training());
        }
    }
    /**
     * A loss with parameters of its own (Proxy-Anchor's proxies) exports the embedding network alone: the same
     * nodes and weights' shapes as the network trained with the MS loss, and no C × d proxy tensor.
     */
    @Test
    void aLossWithItsOwnParametersExportsTheNetworkAlone() throws Exception {
        ImageDataset train = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4)).firstPerClass(60);
        ModelProto[] exported = new ModelProto[2];
        io.simforge.train.LossKind[] losses = {io.simforge.train.LossKind.MS, io.simforge.train.LossKind.PROXY_ANCHOR};
        for (int i = 0; i < 2; i++) {
            TrainConfig c = TrainConfig.builder().optIterations(3).optWidths(8, 16, 16).optEmbeddingSize(24)
                    .optLoss(losses[i]).build();
            Path file = dir.resolve(losses[i] + ".onnx");
            try (TrainedModel m = TrainingRun.builder().setConfig(c).setData(TrainingData.of(train,
                    Preprocessing.fashionMnist(), "Fashion-MNIST classes 0-4")).build().run()) {
                ModelExport.Result r = ModelExport.export(m, file, test.firstPerClass(4).inputs(m.preprocessing()),
                        o -> o);
                assertTrue(r.parity().passed(), "ONNX Runtime agrees with DJL");
            }
            exported[i] = io.simforge.onnx.OnnxReader.read(file);
        }
        assertEquals(shapes(exported[0]), shapes(exported[1]), "the same weights");
        assertEquals(exported[0].graph().nodes().stream().map(NodeProto::opType).toList(),
                exported[1].graph().nodes().stream().map(NodeProto::opType).toList(), "the same nodes");
        assertTrue(exported[1].graph().initializers().stream().noneMatch(t -> Arrays.equals(t.dims(), new long[] {5, 24})),
                "no proxies");
    }

    private static List<String> shapes(ModelProto model) {
        return model.graph().initializers().stream().map(t -> t.name() + Arrays.toString(t.dims())).sorted().toList();
    }
}
