package io.simforge.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import io.simforge.models.layers.L2NormLayer;
import io.simforge.models.onnx.UnsupportedLayerException;
import io.simforge.onnx.ElementType;
import io.simforge.onnx.OnnxReader;
import io.simforge.onnx.WeightChecksum;
import io.simforge.train.TrainingData;
import io.simforge.train.TrainingRun;
import io.simforge.train.UntrainedNetwork;
import io.simforge.train.TrainConfig;
import io.simforge.train.TrainedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every export is loaded back in ONNX Runtime and compared with DJL on the same inputs. */
class OnnxExporterTest {
    private static ImageDataset images;

    @TempDir
    Path dir;

    @BeforeAll
    static void data() {
        images = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4)).firstPerClass(100);
    }

    /** A few training steps so BatchNorm's running statistics and all weights are far from their initial values. */
    private static TrainedModel briefly(String architecture, int[] widths) {
        return briefly(architecture, widths, "avg", false);
    }

    private static TrainedModel briefly(String architecture, int[] widths, String pooling, boolean frozen) {
        TrainConfig c = TrainConfig.builder().optArchitecture(Architecture.Kind.parse(architecture)).optWidths(widths)
                .optPooling(Architecture.Pooling.parse(pooling)).optFrozenBatchNorm(frozen).optEmbeddingSize(24)
                .optIterations(15).optBatch(5, 8).optLearningRate(1e-2f).build();
        return TrainingRun.builder().setConfig(c).setData(TrainingData.of(images, Preprocessing.fashionMnist(), "test"))
                .build().run();
    }

    private static float[] realInputs(int n) {
        Preprocessing pre = Preprocessing.fashionMnist();
        float[] x = new float[n * pre.imageSize()];
        for (int i = 0; i < n; i++) {
            images.copyPixels(i * 3, x, i * pre.imageSize());
            pre.apply(x, i * pre.imageSize());
        }
        return x;
    }

    private static float[] randomInputs(int n, int size, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 2);
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(ints = {13, 17, 18, 21})
    void convNetMatchesDjlOnRealAndRandomImages(int opset) throws Exception {
        try (TrainedModel m = briefly("convnet", new int[] {8, 16, 16})) {
            ModelMetadata meta = ModelExport.metadataFor(m.architecture(), m.preprocessing(), null);
            Path file = dir.resolve("convnet.onnx");
            OnnxExporter.builder().setBlock(m.model().getBlock()).setMetadata(meta).optOpset(opset).build().export(file);
            NDManager manager = m.model().getNDManager();
            int[] shape = m.architecture().inputShape();
            ParityCheck.Result real = ParityCheck.compare(m.model().getBlock(), manager, file, "pixels", realInputs(50), shape);
            ParityCheck.Result random = ParityCheck.compare(m.model().getBlock(), manager, file, "pixels",
                    randomInputs(7, 28 * 28, opset), shape);
            assertEquals(50, real.items());
            assertTrue(real.passed(), "real images: max |DJL - ORT| = " + real.maxAbsDiff());
            assertTrue(random.passed(), "random inputs: max |DJL - ORT| = " + random.maxAbsDiff());
        }
    }

    private static final java.util.Map<String, TrainedModel> TRAINED = new java.util.HashMap<>();

    @org.junit.jupiter.api.AfterAll
    static void closeTrained() {
        TRAINED.values().forEach(TrainedModel::close);
    }

    /** One briefly trained model per architecture, shared by the option matrix below. */
    private static TrainedModel trained(String kind) {
        return TRAINED.computeIfAbsent(kind, k -> switch (k) {
            case "convnet" -> briefly("convnet", new int[] {8, 16, 16});
            case "mlp" -> briefly("mlp", new int[] {64, 32});
            case "resnet18" -> briefly("resnet18", new int[] {8}, "max", false);
            case "resnet34" -> briefly("resnet34", new int[] {4}, "avg", true);
            default -> briefly("resnet50", new int[] {4}, "avg", false);
        });
    }

    /**
     * Every architecture with every export option: ONNX Runtime loads the file and its embeddings match
     * DJL's on real and random inputs, within 1e-4 (float32 weights) or 1e-2 (float16 weights).
     */
    @ParameterizedTest(name = "{0} {1}")
    @org.junit.jupiter.params.provider.CsvSource({
        "convnet,plain", "convnet,fold", "convnet,fp16", "convnet,external", "convnet,uint8",
        "mlp,plain", "mlp,fold", "mlp,fp16", "mlp,external", "mlp,uint8",
        "resnet18,plain", "resnet18,fold", "resnet18,fp16", "resnet18,external", "resnet18,uint8",
        "resnet34,plain", "resnet34,fold", "resnet34,fp16", "resnet34,external", "resnet34,uint8",
        "resnet50,plain", "resnet50,fold", "resnet50,fp16", "resnet50,external", "resnet50,uint8"})
    void everyArchitectureWithEveryOption(String kind, String option) throws Exception {
        TrainedModel m = trained(kind);
        boolean uint8 = option.equals("uint8");
        ModelMetadata meta = ModelExport.metadataFor(m.architecture(), m.preprocessing(), null, uint8);
        Path file = dir.resolve(kind + "-" + option + ".onnx");
        OnnxExporter.builder().setBlock(m.model().getBlock()).setMetadata(meta).optFoldBatchNorm(option.equals("fold"))
                .optFloat16Weights(option.equals("fp16"))
                .optWeightStorage(option.equals("external") ? OnnxExporter.WeightStorage.EXTERNAL
                        : OnnxExporter.WeightStorage.AUTO).build().export(file);
        double tolerance = option.equals("fp16") ? 1e-2 : ParityCheck.TOLERANCE;
        int[] shape = m.architecture().inputShape();
        float[] real = realInputs(20);
        float[] random = randomInputs(6, 28 * 28, kind.hashCode());
        for (float[] inputs : new float[][] {real, random}) {
            double diff = uint8 ? uint8Diff(m, file, inputs == real ? 20 : -1) : ParityCheck.compare(m.model().getBlock(),
                    m.model().getNDManager(), file, meta.inputName(), inputs, shape).maxAbsDiff();
            assertTrue(diff <= tolerance, kind + " " + option + (inputs == real ? " real" : " random") + ": max |DJL - ORT| = "
                    + diff);
            if (uint8) {
                break; // 8-bit input takes pixels, and the real images are the pixels there are
            }
        }
        assertImportsBack(m, file, tolerance);
    }

    /**
     * The exported file's weights, imported into a freshly initialised network of the same architecture
     * (io.simforge.models.OnnxWeightImport), give the trained network's embeddings again.
     */
    private static void assertImportsBack(TrainedModel m, Path file, double tolerance) throws Exception {
        try (Model fresh = UntrainedNetwork.create(m.architecture(), 99)) {
            io.simforge.models.OnnxWeightImport.Report report =
                    io.simforge.models.OnnxWeightImport.load(file, fresh.getBlock());
            assertTrue(report.headImported(), report.summary());
            float[] x = realInputs(20);
            float[] expected = io.simforge.models.DjlEmbedder.embed(m.model().getBlock(), m.model().getNDManager(), x,
                    m.architecture().inputShape(), 64);
            float[] actual = io.simforge.models.DjlEmbedder.embed(fresh.getBlock(), fresh.getNDManager(), x,
                    m.architecture().inputShape(), 64);
            double max = 0;
            for (int i = 0; i < expected.length; i++) {
                max = Math.max(max, Math.abs(expected[i] - actual[i]));
            }
            assertTrue(max <= tolerance, file.getFileName() + " imported back: max difference " + max);
        }
    }

    /** DJL on normalised images vs ONNX Runtime on the same images' raw bytes. */
    private static double uint8Diff(TrainedModel m, Path file, int n) throws Exception {
        byte[] raw = new byte[n * 784];
        for (int i = 0; i < n; i++) {
            float[] px = new float[784];
            images.copyPixels(i * 3, px, 0);
            for (int p = 0; p < 784; p++) {
                raw[i * 784 + p] = (byte) px[p];
            }
        }
        float[] djl = io.simforge.models.DjlEmbedder.embed(m.model().getBlock(), m.model().getNDManager(), realInputs(n),
                m.architecture().inputShape(), 64);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = m.architecture().inputShape().length == 3 ? new long[] {n, 1, 28, 28} : new long[] {n, 784};
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
                ai.onnxruntime.OnnxTensor x = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.ByteBuffer.wrap(raw),
                        shape, ai.onnxruntime.OnnxJavaType.UINT8);
                OrtSession.Result r = session.run(java.util.Map.of("pixels_u8", x))) {
            java.nio.FloatBuffer out = ((ai.onnxruntime.OnnxTensor) r.get(0)).getFloatBuffer();
            double max = 0;
            for (int i = 0; i < djl.length; i++) {
                max = Math.max(max, Math.abs(out.get(i) - djl[i]));
            }
            return max;
        }
    }

    /**
     * ResNets of every depth, both poolings, BatchNorm frozen or not (narrow: first stage of 4–8 channels, so
     * the test stays fast; the graph has the same structure as the 64-wide networks).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"resnet18,8,avg,false", "resnet34,4,max,false", "resnet50,4,avg,true",
        "resnet50,4,max,false"})
    void resNetsMatchDjl(String kind, int width, String pooling, boolean frozen) throws Exception {
        try (TrainedModel m = briefly(kind, new int[] {width}, pooling, frozen)) {
            ModelMetadata meta = ModelExport.metadataFor(m.architecture(), m.preprocessing(), null);
            Path file = dir.resolve(kind + ".onnx");
            OnnxExporter.builder().setBlock(m.model().getBlock()).setMetadata(meta).build().export(file);
            int[] shape = m.architecture().inputShape();
            ParityCheck.Result real = ParityCheck.compare(m.model().getBlock(), m.model().getNDManager(), file, "pixels",
                    realInputs(40), shape);
            ParityCheck.Result random = ParityCheck.compare(m.model().getBlock(), m.model().getNDManager(), file,
                    "pixels", randomInputs(5, 28 * 28, 3), shape);
            assertTrue(real.passed(), kind + " real images: max |DJL - ORT| = " + real.maxAbsDiff());
            assertTrue(random.passed(), kind + " random inputs: max |DJL - ORT| = " + random.maxAbsDiff());
        }
    }

    /** BatchNorm folded into the convolutions and linear layers: no BatchNormalization node left, same outputs. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"convnet,8;16;16", "resnet18,8", "mlp,64;32"})
    void foldedBatchNormGivesTheSameEmbeddings(String kind, String widths) throws Exception {
        int[] w = java.util.Arrays.stream(widths.split(";")).mapToInt(Integer::parseInt).toArray();
        try (TrainedModel m = briefly(kind, w)) {
            ModelMetadata meta = ModelExport.metadataFor(m.architecture(), m.preprocessing(), null);
            OnnxExporter exporter = OnnxExporter.builder().setBlock(m.model().getBlock()).setMetadata(meta)
                    .optFoldBatchNorm(true).build();
            assertFalse(exporter.toModelProto().graph().nodes().stream()
                    .anyMatch(n -> n.opType().equals("BatchNormalization")), "every BatchNorm was folded");
            Path file = dir.resolve(kind + "-folded.onnx");
            exporter.export(file);
            ParityCheck.Result r = ParityCheck.compare(m.model().getBlock(), m.model().getNDManager(), file, "pixels",
                    realInputs(40), m.architecture().inputShape());
            assertTrue(r.passed(), kind + " folded: max |DJL - ORT| = " + r.maxAbsDiff());
        }
    }

    /** Float16 weights: half the bytes, float32 inputs and outputs, embeddings within 1e-2 of DJL's. */
    @Test
    void float16WeightsHalveTheFileAndStayClose() throws Exception {
        try (TrainedModel m = briefly("resnet18", new int[] {8})) {
            ModelMetadata meta = ModelExport.metadataFor(m.architecture(), m.preprocessing(), null);
            Path full = dir.resolve("full.onnx");
            Path half = dir.resolve("half.onnx");
            OnnxExporter.builder().setBlock(m.model().getBlock()).setMetadata(meta).build().export(full);
            OnnxExporter exporter = OnnxExporter.builder().setBlock(m.model().getBlock()).setMetadata(meta)
                    .optFloat16Weights(true).build();
            exporter.export(half);
            assertTrue(Files.size(half) < Files.size(full) * 0.6, Files.size(half) + " vs " + Files.size(full) + " bytes");
            var graph = exporter.toModelProto().graph();
            assertEquals(ElementType.FLOAT.number(), graph.inputs().get(0).tensorType().elemType(), "input stays float32");
            assertEquals(ElementType.FLOAT.number(), graph.outputs().get(0).tensorType().elemType(), "output stays float32");
            ParityCheck.Result r = ParityCheck.compare(m.model().getBlock(), m.model().getNDManager(), half, "pixels",
                    realInputs(40), m.architecture().inputShape());
            assertTrue(r.maxAbsDiff() < 1e-2, "float16 weights: max |DJL - ORT| = " + r.maxAbsDiff());
        }
    }

    /** External data: the weights go to model.onnx.data, ORT loads the pair, the checksum covers the data file. */
    @Test
    void externalDataLoadsAndItsChecksumMatches() throws Exception {
        try (TrainedModel m = briefly("convnet", new int[] {8, 16, 16})) {
            ModelMetadata meta = ModelExport.metadataFor(m.architecture(), m.preprocessing(), null);
            Path file = dir.resolve("external.onnx");
            OnnxExporter exporter = OnnxExporter.builder().setBlock(m.model().getBlock()).setMetadata(meta)
                    .optWeightStorage(OnnxExporter.WeightStorage.EXTERNAL).build();
            exporter.export(file);
            Path data = dir.resolve("external.onnx.data");
            assertTrue(Files.size(data) > Files.size(file), "the weights are in the data file");
            ParityCheck.Result r = ParityCheck.compare(m.model().getBlock(), m.model().getNDManager(), file, "pixels",
                    realInputs(20), m.architecture().inputShape());
            assertTrue(r.passed(), "external data: max |DJL - ORT| = " + r.maxAbsDiff());
            var written = OnnxReader.read(file);
            String stored = written.metadata().get(ModelMetadata.KEY_WEIGHTS_SHA256);
            assertEquals(stored, WeightChecksum.of(written.graph().initializers(), dir));
            assertEquals(stored, WeightChecksum.of(exporter.toModelProto().graph().initializers(), null),
                    "the same checksum as the weights held inline");
        }
    }

    /** The 8-bit input graph: raw pixels in, normalisation inside, the same embeddings as DJL on normalised input. */
    @Test
    void uint8InputGraphNormalisesInsideAndMatchesDjl() throws Exception {
        try (TrainedModel m = briefly("convnet", new int[] {8, 16, 16})) {
            ModelMetadata meta = ModelExport.metadataFor(m.architecture(), m.preprocessing(), null, true);
            assertTrue(meta.formatVersion() >= 2, "8-bit input needs metadata version 2 or later");
            assertEquals("pixels_u8", meta.inputName());
            Path file = dir.resolve("u8.onnx");
            OnnxExporter.builder().setBlock(m.model().getBlock()).setMetadata(meta).build().export(file);
            int n = 30;
            byte[] raw = new byte[n * 784];
            float[] normalised = realInputs(n);
            for (int i = 0; i < n; i++) {
                float[] px = new float[784];
                images.copyPixels(i * 3, px, 0);
                for (int p = 0; p < 784; p++) {
                    raw[i * 784 + p] = (byte) px[p];
                }
            }
            float[] djl = io.simforge.models.DjlEmbedder.embed(m.model().getBlock(), m.model().getNDManager(), normalised,
                    m.architecture().inputShape(), 64);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
                    ai.onnxruntime.OnnxTensor x = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.ByteBuffer.wrap(raw),
                            new long[] {n, 1, 28, 28}, ai.onnxruntime.OnnxJavaType.UINT8);
                    OrtSession.Result r = session.run(java.util.Map.of("pixels_u8", x))) {
                java.nio.FloatBuffer out = ((ai.onnxruntime.OnnxTensor) r.get(0)).getFloatBuffer();
                double max = 0;
                for (int i = 0; i < djl.length; i++) {
                    max = Math.max(max, Math.abs(out.get(i) - djl[i]));
                }
                assertTrue(max <= ParityCheck.TOLERANCE, "uint8 graph vs DJL: " + max);
            }
        }
    }

    @Test
    void mlpMatchesDjl() throws Exception {
        try (TrainedModel m = briefly("mlp", new int[] {64, 32})) {
            ModelMetadata meta = ModelExport.metadataFor(m.architecture(), m.preprocessing(), null);
            Path file = dir.resolve("mlp.onnx");
            OnnxExporter.builder().setBlock(m.model().getBlock()).setMetadata(meta).build().export(file);
            ParityCheck.Result r = ParityCheck.compare(m.model().getBlock(), m.model().getNDManager(), file, "pixels",
                    realInputs(30), m.architecture().inputShape());
            assertTrue(r.passed(), "max |DJL - ORT| = " + r.maxAbsDiff());
        }
    }

    @Test
    void metadataAndSignatureAreInTheFile() throws Exception {
        try (TrainedModel m = briefly("convnet", new int[] {4, 8})) {
            ModelMetadata meta = ModelExport.metadataFor(m.architecture(), m.preprocessing(), "{\"loss\":\"ms\"}");
            Path file = dir.resolve("m.onnx");
            OnnxExporter.builder().setBlock(m.model().getBlock()).setMetadata(meta).build().export(file);
            try (OrtSession s = OrtEnvironment.getEnvironment().createSession(file.toString(), new OrtSession.SessionOptions())) {
                ModelMetadata back = ModelMetadata.fromMap(s.getMetadata().getCustomMetadata(), file.toString());
                assertEquals(meta, back);
                assertEquals(Preprocessing.fashionMnist(), back.preprocessing());
                assertEquals("{\"loss\":\"ms\"}", back.training());
                assertEquals(List.of("pixels"), List.copyOf(s.getInputNames()));
                assertEquals(List.of("embedding"), List.copyOf(s.getOutputNames()));
                assertEquals("simforge", s.getMetadata().getProducerName());
            }
        }
    }

    @Test
    void unknownLayerIsNamedAndNoFileIsWritten() {
        try (Model model = Model.newInstance("odd"); NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock net = new SequentialBlock().add(Linear.builder().setUnits(4).build())
                    .add(Activation.tanhBlock()).add(new L2NormLayer());
            net.initialize(manager, DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 8));
            ModelMetadata meta = ModelExport.metadataFor(Architecture.mlp(new int[] {8}, 4), null, null);
            Path file = dir.resolve("odd.onnx");
            UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class, () ->
                    OnnxExporter.builder().setBlock(net).setMetadata(meta).build().export(file));
            assertTrue(e.getMessage().contains("ai.djl.nn.LambdaBlock"), e.getMessage());
            assertFalse(Files.exists(file));
        }
    }

    @Test
    void opsetOutsideTheSupportedRangeIsRefused() {
        try (TrainedModel m = briefly("mlp", new int[] {8})) {
            ModelMetadata meta = ModelExport.metadataFor(m.architecture(), m.preprocessing(), null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    OnnxExporter.builder().setBlock(m.model().getBlock()).setMetadata(meta).optOpset(11).build());
            assertTrue(e.getMessage().contains("opset 11"), e.getMessage());
        }
    }
}
