package io.simforge.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import io.simforge.core.io.Npy;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Weights imported from ONNX files that PyTorch wrote: small torchvision ResNets (torchvision's own classes,
 * narrowed; random weights with randomised BatchNorm statistics), exported by {@code tools/torchvision_to_onnx.py}
 * with BatchNorm as nodes and folded into the convolutions, with PyTorch's outputs for fixed inputs beside them
 * (see the README in the resource folder). The imported network must reproduce PyTorch's numbers.
 */
class OnnxWeightImportTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"resnet18-w4.onnx, 18, 4, resnet18-w4, false", "resnet18-w4-folded.onnx, 18, 4, resnet18-w4, true",
        "resnet50-w2-folded.onnx, 50, 2, resnet50-w2, true"})
    void backboneReproducesPyTorchsFeatures(String file, int depth, int width, String ref, boolean folded) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = initialised(m, Architecture.resNet(depth, 3, 32, 32, 8, width, Architecture.Pooling.AVG, false));
            OnnxWeightImport.Report report = OnnxWeightImport.load(resource(file), net);
            assertEquals(folded, report.batchNormFolded());
            assertFalse(report.headImported(), "a 16-class classifier is not an 8-d head");
            assertTrue(report.notes().stream().anyMatch(n -> n.contains("fresh initialisation")), report.summary());
            int convs = depth == 18 ? 20 : 53;
            assertEquals(2 * convs, report.layers(), "every convolution and BatchNorm: " + report.summary());
            assertClose(npy(ref, "features"), backbone(m, net, npy(ref, "images"), 3), 1e-4f);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"resnet18-w4.onnx, 18, 4, resnet18-w4", "resnet50-w2-folded.onnx, 50, 2, resnet50-w2"})
    void aHeadOfTheClassifiersShapeIsImportedToo(String file, int depth, int width, String ref) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Architecture a = Architecture.resNet(depth, 3, 32, 32, 16, width, Architecture.Pooling.AVG, false);
            Block net = initialised(m, a);
            assertTrue(OnnxWeightImport.load(resource(file), net).headImported());
            float[] logits = npy(ref, "logits");
            float[] expected = new float[logits.length];
            for (int r = 0; r < 4; r++) { // the model's output: the classifier's output, L2-normalised
                double norm = 0;
                for (int j = 0; j < 16; j++) {
                    norm += (double) logits[r * 16 + j] * logits[r * 16 + j];
                }
                for (int j = 0; j < 16; j++) {
                    expected[r * 16 + j] = (float) (logits[r * 16 + j] / Math.sqrt(norm));
                }
            }
            float[] images = npy(ref, "images");
            float[] out = DjlEmbedder.embed(net, m, images, a.inputShape(), 4);
            assertClose(expected, out, 1e-5f);
        }
    }

    @Test
    void rgbWeightsIntoAGrayModelSumTheFirstFilters() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = initialised(m, Architecture.resNet(18, 1, 32, 32, 8, 4, Architecture.Pooling.AVG, false));
            OnnxWeightImport.Report report = OnnxWeightImport.load(resource("resnet18-w4.onnx"), net);
            assertTrue(report.notes().stream().anyMatch(n -> n.contains("summed over the three channels")), report.summary());
            assertClose(npy("resnet18-w4", "gray-features"), backbone(m, net, npy("resnet18-w4", "gray"), 1), 1e-4f);
        }
    }

    @Test
    void anotherArchitectureIsRefusedWithTheLayerAndNothingChanges() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Block resnet34 = initialised(m, Architecture.resNet(34, 3, 32, 32, 8, 4, Architecture.Pooling.AVG, false));
            List<float[]> before = values(resnet34);
            IOException e = assertThrows(IOException.class,
                    () -> OnnxWeightImport.load(resource("resnet18-w4.onnx"), resnet34));
            // resnet18 has two blocks in its first stage, resnet34 three: the third finds stage 2's strided block.
            assertTrue(e.getMessage().contains("does not match this network at layer 07ResidualBlock/main/01Conv2d"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("stride 2"), e.getMessage());
            List<float[]> after = values(resnet34);
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), after.get(i), "a failed import leaves the network as it was");
            }
            Block wider = initialised(m, Architecture.resNet(18, 3, 32, 32, 8, 8, Architecture.Pooling.AVG, false));
            e = assertThrows(IOException.class, () -> OnnxWeightImport.load(resource("resnet18-w4.onnx"), wider));
            assertTrue(e.getMessage().contains("01Conv2d: expected a 7x7 convolution to 8 channels"), e.getMessage());
            Block bottleneck = initialised(m, Architecture.resNet(50, 3, 32, 32, 8, 4, Architecture.Pooling.AVG, false));
            assertThrows(IOException.class, () -> OnnxWeightImport.load(resource("resnet18-w4.onnx"), bottleneck));
        }
    }

    @Test
    void truncatedAndForeignFilesAreRefusedWithTheFix() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = initialised(m, Architecture.resNet(18, 3, 32, 32, 8, 4, Architecture.Pooling.AVG, false));
            byte[] whole = Files.readAllBytes(resource("resnet18-w4.onnx"));
            Path truncated = tmp.resolve("truncated.onnx");
            Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
            IOException e = assertThrows(IOException.class, () -> OnnxWeightImport.load(truncated, net));
            assertTrue(e.getMessage().contains("not a complete ONNX model"), e.getMessage());
            Path text = Files.writeString(tmp.resolve("notes.onnx"), "these are not weights\n");
            e = assertThrows(IOException.class, () -> OnnxWeightImport.load(text, net));
            assertTrue(e.getMessage().contains("ONNX"), e.getMessage());
            e = assertThrows(IOException.class, () -> OnnxWeightImport.load(tmp.resolve("missing.onnx"), net));
            assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        }
    }

    static Block initialised(NDManager m, Architecture a) {
        Engine.getInstance().setRandomSeed(3);
        Block b = a.build();
        b.setInitializer(new NormalInitializer(0.05f), Parameter.Type.WEIGHT);
        b.initialize(m, DataType.FLOAT32, a.batchInputShape(1));
        return b;
    }

    /** The network up to its global pooling (without the head and the L2 normalisation), in inference mode. */
    static float[] backbone(NDManager m, Block net, float[] images, int channels) {
        try (NDManager step = m.newSubManager()) {
            NDList x = new NDList(step.create(images, new Shape(4, channels, 32, 32)));
            ParameterStore ps = new ParameterStore(step, false);
            var children = ((SequentialBlock) net).getChildren();
            for (int i = 0; i < children.size() - 2; i++) {
                x = children.get(i).getValue().forward(ps, x, false);
            }
            return x.singletonOrThrow().toFloatArray();
        }
    }

    static List<float[]> values(Block b) {
        List<float[]> out = new ArrayList<>();
        b.getParameters().values().forEach(p -> out.add(p.getArray().toFloatArray()));
        return out;
    }

    static void assertClose(float[] expected, float[] actual, float tolerance) {
        assertEquals(expected.length, actual.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / Math.max(1, Math.abs(expected[i])));
        }
        assertTrue(worst <= tolerance, "largest difference " + worst + " > " + tolerance);
    }

    static float[] npy(String dir, String name) throws Exception {
        return Npy.readFloats(resource(dir + "/" + name + ".npy")).values();
    }

    static Path resource(String name) throws URISyntaxException {
        var url = OnnxWeightImportTest.class.getResource("torchvision/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test resource torchvision/" + name);
        }
        return Path.of(url.toURI());
    }
}
