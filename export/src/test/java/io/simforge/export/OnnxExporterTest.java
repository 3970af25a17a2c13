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
import io.simforge.core.data.FashionMnist;
import io.simforge.core.data.ImageDataset;
import io.simforge.core.model.ModelMetadata;
import io.simforge.core.model.Preprocessing;
import io.simforge.models.Architecture;
import io.simforge.models.layers.L2NormLayer;
import io.simforge.train.EmbeddingTrainer;
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
        TrainConfig c = new TrainConfig();
        c.architecture = architecture;
        c.widths = widths;
        c.embeddingSize = 24;
        c.iterations = 15;
        c.batchSize = 40;
        c.samplesPerClass = 8;
        c.learningRate = 1e-2f;
        return EmbeddingTrainer.train(c, images, Preprocessing.fashionMnist(), null);
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
