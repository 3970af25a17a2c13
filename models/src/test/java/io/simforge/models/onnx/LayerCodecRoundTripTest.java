package io.simforge.models.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.simforge.models.DjlEmbedder;
import io.simforge.models.OnnxWeightImport;
import io.simforge.models.layers.BatchNormLayer;
import io.simforge.models.layers.FlattenLayer;
import io.simforge.models.layers.GlobalAvgPoolLayer;
import io.simforge.models.layers.GlobalMaxPoolLayer;
import io.simforge.models.layers.L2NormLayer;
import io.simforge.models.layers.MaxPoolLayer;
import io.simforge.models.layers.ReluLayer;
import io.simforge.models.layers.ResidualBlock;
import io.simforge.onnx.ElementType;
import io.simforge.onnx.GraphBuilder;
import io.simforge.onnx.ModelProto;
import io.simforge.onnx.OnnxWriter;
import io.simforge.onnx.TypeProto;
import io.simforge.onnx.ValueInfoProto;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each codec, through a small network built around its layer: written to ONNX, run in ONNX Runtime against DJL
 * on the same inputs (≤ 1e-4), and read back into a freshly initialised network of the same structure, which
 * then has the same weights (exactly) or, with BatchNorm folded on export, the same outputs.
 */
class LayerCodecRoundTripTest {
    private static final int[] IMAGE = {3, 12, 12};
    private static final int[] VECTOR = {12};

    @TempDir
    Path dir;

    private static Conv2d conv(int filters, int kernel, int stride, boolean bias) {
        return Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2)).setFilters(filters).optBias(bias).build();
    }

    private static Linear linear(int units) {
        return Linear.builder().setUnits(units).build();
    }

    /** A network exercising the codec's layer, and the input shape of one item. */
    private record Case(Supplier<SequentialBlock> network, int[] itemShape) {}

    private static Case networkFor(String codec) {
        return switch (codec) {
            case "Conv2d" -> new Case(() -> new SequentialBlock().add(conv(6, 3, 2, true)).add(conv(5, 1, 1, true))
                    .add(new GlobalAvgPoolLayer()).add(new L2NormLayer()), IMAGE);
            case "Linear" -> new Case(() -> new SequentialBlock().add(linear(10)).add(linear(7)).add(new L2NormLayer()),
                    VECTOR);
            case "BatchNormLayer-conv" -> new Case(() -> new SequentialBlock().add(conv(6, 3, 1, false))
                    .add(new BatchNormLayer()).add(new ReluLayer()).add(new GlobalAvgPoolLayer()).add(linear(5))
                    .add(new L2NormLayer()), IMAGE);
            case "BatchNormLayer-linear" -> new Case(() -> new SequentialBlock().add(linear(9))
                    .add(new BatchNormLayer(1e-3f, 0.9f, false)).add(new ReluLayer()).add(linear(4))
                    .add(new L2NormLayer()), VECTOR);
            case "ReluLayer" -> new Case(() -> new SequentialBlock().add(linear(9)).add(new ReluLayer()).add(linear(6))
                    .add(new L2NormLayer()), VECTOR);
            case "MaxPoolLayer" -> new Case(() -> new SequentialBlock().add(conv(4, 3, 1, true))
                    .add(new MaxPoolLayer(3, 2, 1)).add(new FlattenLayer()).add(linear(6)).add(new L2NormLayer()), IMAGE);
            case "GlobalAvgPoolLayer" -> new Case(() -> new SequentialBlock().add(conv(4, 3, 1, true))
                    .add(new GlobalAvgPoolLayer()).add(linear(6)).add(new L2NormLayer()), IMAGE);
            case "GlobalMaxPoolLayer" -> new Case(() -> new SequentialBlock().add(conv(4, 3, 1, true))
                    .add(new GlobalMaxPoolLayer()).add(linear(6)).add(new L2NormLayer()), IMAGE);
            case "FlattenLayer" -> new Case(() -> new SequentialBlock().add(conv(2, 3, 2, true)).add(new FlattenLayer())
                    .add(linear(6)).add(new L2NormLayer()), IMAGE);
            case "L2NormLayer" -> new Case(() -> new SequentialBlock().add(linear(5)).add(new L2NormLayer(1e-3f)), VECTOR);
            case "ResidualBlock" -> new Case(() -> new SequentialBlock().add(conv(4, 3, 1, false))
                    .add(new BatchNormLayer()).add(new ReluLayer())
                    .add(new ResidualBlock(new SequentialBlock().add(conv(4, 3, 1, false)).add(new BatchNormLayer())
                            .add(new ReluLayer()).add(conv(4, 3, 1, false)).add(new BatchNormLayer()), null))
                    .add(new ResidualBlock(new SequentialBlock().add(conv(8, 3, 2, false)).add(new BatchNormLayer())
                            .add(new ReluLayer()).add(conv(8, 3, 1, false)).add(new BatchNormLayer()),
                            new SequentialBlock().add(conv(8, 1, 2, false)).add(new BatchNormLayer())))
                    .add(new GlobalAvgPoolLayer()).add(linear(6)).add(new L2NormLayer()), IMAGE);
            default -> throw new IllegalArgumentException(codec);
        };
    }

    @ParameterizedTest(name = "{0}, opset {1}, fold {2}")
    @CsvSource({"Conv2d,17,false", "Linear,17,false", "BatchNormLayer-conv,17,false", "BatchNormLayer-conv,17,true",
        "BatchNormLayer-linear,17,false", "BatchNormLayer-linear,17,true", "ReluLayer,17,false", "MaxPoolLayer,17,false",
        "GlobalAvgPoolLayer,17,false", "GlobalMaxPoolLayer,17,false", "FlattenLayer,17,false", "L2NormLayer,13,false",
        "L2NormLayer,18,false", "ResidualBlock,17,false", "ResidualBlock,21,true"})
    void writtenRunsLikeDjlAndReadsBackTheSameWeights(String codec, int opset, boolean fold) throws Exception {
        Case c = networkFor(codec);
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock original = initialised(m, c.network().get(), c.itemShape(), 11);
            Path file = dir.resolve(codec + ".onnx");
            write(original, c.itemShape(), opset, fold, file);
            float[] inputs = inputs(5, c.itemShape());
            float[] djl = DjlEmbedder.embed(original, m, inputs, c.itemShape(), 8);
            float[] ort = runOrt(file, inputs, c.itemShape());
            assertClose(djl, ort, 1e-4, codec + ": ONNX Runtime vs DJL");

            SequentialBlock fresh = initialised(m, c.network().get(), c.itemShape(), 12);
            OnnxWeightImport.Report report = OnnxWeightImport.load(file, fresh);
            assertTrue(report.layers() > 0, report.summary());
            if (!fold) {
                List<float[]> expected = values(original);
                List<float[]> actual = values(fresh);
                for (int i = 0; i < expected.size(); i++) {
                    assertArrayEquals(expected.get(i), actual.get(i), codec + ": parameter " + i + " read back");
                }
            }
            assertClose(djl, DjlEmbedder.embed(fresh, m, inputs, c.itemShape(), 8), 1e-4, codec + ": imported network");
        }
    }

    /** Every registered codec has a round trip above: a new layer's codec needs a case here too. */
    @Test
    void everyCodecHasARoundTrip() {
        Set<Class<?>> covered = new HashSet<>();
        for (String codec : List.of("Conv2d", "Linear", "BatchNormLayer-conv", "BatchNormLayer-linear", "ReluLayer",
                "MaxPoolLayer", "GlobalAvgPoolLayer", "GlobalMaxPoolLayer", "FlattenLayer", "L2NormLayer",
                "ResidualBlock")) {
            collect(networkFor(codec).network().get(), covered);
        }
        assertTrue(covered.containsAll(LayerCodecs.layerClasses()), "not covered: " + LayerCodecs.layerClasses());
    }

    @Test
    void aLayerWithoutCodecIsNamedOnWriteAndOnRead() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock net = initialised(m, new SequentialBlock().add(linear(4)).add(Activation.tanhBlock())
                    .add(new L2NormLayer()), VECTOR, 1);
            UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
                    () -> OnnxNetworkWriter.builder().build().write(new GraphBuilder(false), net, "x"));
            assertTrue(e.getMessage().contains("ai.djl.nn.LambdaBlock") && e.getMessage().contains("ResidualBlock"),
                    e.getMessage());
            Path file = dir.resolve("relu.onnx");
            write(initialised(m, networkFor("ReluLayer").network().get(), VECTOR, 1), VECTOR, 17, false, file);
            SequentialBlock tanh = initialised(m, new SequentialBlock().add(linear(9)).add(Activation.tanhBlock())
                    .add(linear(6)).add(new L2NormLayer()), VECTOR, 1);
            java.io.IOException io = assertThrows(java.io.IOException.class, () -> OnnxWeightImport.load(file, tanh));
            assertTrue(io.getMessage().contains("LambdaBlock"), io.getMessage());
            assertFalse(io.getMessage().contains("Exception"), io.getMessage());
        }
    }

    private static void collect(Block b, Set<Class<?>> out) {
        out.add(b.getClass());
        b.getChildren().values().forEach(child -> collect(child, out));
    }

    private static SequentialBlock initialised(NDManager m, SequentialBlock net, int[] itemShape, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        net.setInitializer(new NormalInitializer(0.3f), Parameter.Type.WEIGHT);
        long[] shape = new long[itemShape.length + 1];
        shape[0] = 2;
        for (int i = 0; i < itemShape.length; i++) {
            shape[i + 1] = itemShape[i];
        }
        net.initialize(m, DataType.FLOAT32, new Shape(shape));
        Random r = new Random(seed);
        for (Parameter p : net.getParameters().values()) {
            float[] v = p.getArray().toFloatArray();
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (p.getType()) {
                    case RUNNING_VAR -> 0.5f + r.nextFloat(); // statistics far from their initial values
                    case GAMMA -> 0.5f + r.nextFloat();
                    case RUNNING_MEAN, BETA, BIAS -> (float) r.nextGaussian() * 0.3f;
                    default -> v[i];
                };
            }
            p.getArray().set(v);
        }
        return net;
    }

    private static void write(Block net, int[] itemShape, int opset, boolean fold, Path file) throws Exception {
        long[] dims = java.util.Arrays.stream(itemShape).asLongStream().toArray();
        GraphBuilder g = new GraphBuilder(false).setName("round_trip");
        g.addInput(ValueInfoProto.batched("x", ElementType.FLOAT, dims));
        String out = OnnxNetworkWriter.builder().optOpset(opset).optFoldBatchNorm(fold).build().write(g, net, "x");
        g.renameLastOutput(out, "y");
        g.addOutput(new ValueInfoProto("y", TypeProto.tensor(ElementType.FLOAT.number(), null), ""));
        ModelProto model = ModelProto.builder().setIrVersion(opset <= 18 ? 8 : 10).addOpsetImport("", opset)
                .setGraph(g.build()).build();
        OnnxWriter.write(model, file);
    }

    private static float[] runOrt(Path file, float[] inputs, int[] itemShape) throws Exception {
        int size = 1;
        for (int d : itemShape) {
            size *= d;
        }
        long[] shape = new long[itemShape.length + 1];
        shape[0] = inputs.length / size;
        for (int i = 0; i < itemShape.length; i++) {
            shape[i + 1] = itemShape[i];
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions());
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(inputs), shape);
                OrtSession.Result r = s.run(Map.of("x", x))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] v = new float[out.remaining()];
            out.get(v);
            return v;
        }
    }

    private static float[] inputs(int n, int[] itemShape) {
        int size = 1;
        for (int d : itemShape) {
            size *= d;
        }
        Random r = new Random(5);
        float[] x = new float[n * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static List<float[]> values(Block b) {
        List<float[]> out = new ArrayList<>();
        b.getParameters().values().forEach(p -> out.add(p.getArray().toFloatArray()));
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs((double) expected[i] - actual[i]));
        }
        assertTrue(max <= tolerance, what + ": max difference " + max);
    }
}
