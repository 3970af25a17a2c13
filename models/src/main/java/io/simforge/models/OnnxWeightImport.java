package io.simforge.models;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import io.simforge.models.layers.BatchNormLayer;
import io.simforge.models.layers.FlattenLayer;
import io.simforge.models.layers.GlobalAvgPoolLayer;
import io.simforge.models.layers.GlobalMaxPoolLayer;
import io.simforge.models.layers.L2NormLayer;
import io.simforge.models.layers.MaxPoolLayer;
import io.simforge.models.layers.ReluLayer;
import io.simforge.models.layers.ResidualBlock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Copies the weights of an ONNX model into an initialised simforge network of the same structure: torchvision's
 * ResNets as {@code torch.onnx.export} writes them (with BatchNorm as nodes, or folded into the convolutions),
 * and any model simforge exported (every option: folded BatchNorm, float16 weights, 8-bit input, external data).
 *
 * <p>The match is by graph structure, not by tensor names (which exporters rename at will): the network is walked
 * layer by layer alongside the ONNX graph, following the data from one node to its consumer, and each
 * convolution, BatchNorm and linear layer must meet a node with the same shape and settings (kernel, stride,
 * padding, dilation, groups). Where a residual block's input feeds two convolutions (main path and projection),
 * the shapes tell them apart. The embedding head is imported only when the file has a linear layer of the same
 * shape after the global pooling; a classifier of another width is left out and the head keeps its fresh
 * initialisation. Nothing is written to the network unless the whole walk succeeds.
 *
 * <p>A file with BatchNorm folded into its convolutions (what an eval-mode {@code torch.onnx.export} writes)
 * loads as BatchNorm layers that pass the convolution's bias through (γ = 1, β = bias, μ = 0, σ² = 1 − ε): the
 * same function in inference and with frozen BatchNorm; trainable BatchNorm would renormalise with batch
 * statistics, which {@link Report#batchNormFolded()} lets the caller warn about.
 */
public final class OnnxWeightImport {
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "Dropout");
    private static final Set<String> GLOBAL_POOLS = Set.of("GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax");
    private static final Set<String> RESHAPES = Set.of("Flatten", "Reshape", "Squeeze");

    private OnnxWeightImport() {}

    /**
     * What was imported.
     *
     * @param layers convolution, BatchNorm and linear layers that received weights
     * @param values weight values copied
     * @param batchNormFolded the file had BatchNorm folded into its convolutions
     * @param headImported the embedding head came from the file too
     * @param notes anything the user should know, in plain words (channel adaptation, pooling, the head)
     */
    public record Report(Path file, int layers, long values, boolean batchNormFolded, boolean headImported,
            List<String> notes) {
        /** One paragraph for the log. */
        public String summary() {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                    "initialised %d layers (%,d values) from %s", layers, values, file));
            for (String n : notes) {
                s.append("; ").append(n);
            }
            return s.toString();
        }
    }

    /**
     * Imports {@code file} into {@code block}, which must be initialised (its parameters have arrays).
     *
     * @throws IOException when the file is not a readable ONNX model, or its graph does not match the network
     *     (the message names the layer and what the file has there)
     */
    public static Report load(Path file, Block block) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist or is not a file");
        }
        if (!block.isInitialized()) {
            throw new IllegalStateException("initialise the block before importing weights into it");
        }
        OnnxMl.ModelProto model;
        try (InputStream in = Files.newInputStream(file)) {
            model = OnnxMl.ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(file + " is not a complete ONNX model (" + e.getMessage() + "): the file is truncated "
                    + "or is not ONNX. Export it again (tools/torchvision_to_onnx.py, or simforge export).", e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new IOException(file + " holds no ONNX graph: it is not an ONNX model, or an empty one");
        }
        Walk walk = new Walk(file, model.getGraph());
        String start = walk.start();
        List<Block> top = children(block);
        Block head = null;
        for (Block b : top) {
            if (b instanceof Linear) {
                head = b;
            }
        }
        walk.head = head;
        walk.sequence(top, "", start);
        for (Map.Entry<Parameter, float[]> e : walk.values.entrySet()) {
            e.getKey().getArray().set(e.getValue());
        }
        long values = walk.values.values().stream().mapToLong(v -> v.length).sum();
        return new Report(file, walk.layers, values, walk.folded, walk.headImported, List.copyOf(walk.notes));
    }

    private static List<Block> children(Block b) {
        List<Block> out = new ArrayList<>();
        if (b instanceof SequentialBlock seq) {
            seq.getChildren().forEach(c -> out.add(c.getValue()));
        } else {
            out.add(b);
        }
        return out;
    }

    /** The walk: the ONNX graph indexed by producer and consumers, and the values gathered so far. */
    private static final class Walk {
        final Path file;
        final OnnxMl.GraphProto graph;
        final Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
        final Map<String, OnnxMl.NodeProto> producers = new HashMap<>();
        final Map<String, List<OnnxMl.NodeProto>> consumers = new HashMap<>();
        final Map<Parameter, float[]> values = new IdentityHashMap<>();
        final List<String> notes = new ArrayList<>();
        Block head;
        boolean headImported;
        boolean folded;
        boolean first = true;
        int layers;
        /** A convolution's bias that the following BatchNorm layer must absorb. */
        float[] pendingBias;
        /** The last layer that received weights: BatchNorm folded into a linear layer leaves no bias pending. */
        Block previous;

        Walk(Path file, OnnxMl.GraphProto graph) {
            this.file = file;
            this.graph = graph;
            for (OnnxMl.TensorProto t : graph.getInitializerList()) {
                initializers.put(t.getName(), t);
            }
            for (OnnxMl.NodeProto n : graph.getNodeList()) {
                for (String out : n.getOutputList()) {
                    producers.put(out, n);
                }
                for (String in : n.getInputList()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                }
            }
        }

        /** The data input of the first layer with weights: what follows the graph's own preprocessing, if any. */
        String start() throws IOException {
            for (OnnxMl.NodeProto n : graph.getNodeList()) {
                if (Set.of("Conv", "Gemm", "MatMul").contains(n.getOpType()) && n.getInputCount() >= 2
                        && isWeight(n.getInput(1))) {
                    return n.getInput(0);
                }
            }
            throw new IOException(file + " has no convolution or linear layer with stored weights; there is nothing "
                    + "to import");
        }

        String sequence(List<Block> layers, String path, String tensor) throws IOException {
            String current = tensor;
            for (int i = 0; i < layers.size(); i++) {
                Block layer = layers.get(i);
                String name = path + String.format(Locale.ROOT, "%02d", i + 1) + layer.getClass().getSimpleName();
                current = layer(layer, name, current);
                if (current == null) {
                    return null; // the head was not in the file: the walk ends here
                }
            }
            return current;
        }

        /** Matches one layer at {@code tensor}; returns its output, or null when the walk ends at the head. */
        String layer(Block layer, String name, String tensor) throws IOException {
            if (layer instanceof Conv2d conv) {
                return conv(conv, name, tensor);
            } else if (layer instanceof BatchNormLayer bn) {
                return batchNorm(bn, name, tensor);
            } else if (layer instanceof Linear linear) {
                return linear(linear, name, tensor);
            } else if (layer instanceof ReluLayer) {
                return only(tensor, name, "a ReLU", n -> n.getOpType().equals("Relu")).getOutput(0);
            } else if (layer instanceof MaxPoolLayer pool) {
                long k = pool.getKernel();
                long s = pool.getStride();
                long p = pool.getPadding();
                return only(tensor, name, "a " + k + "×" + k + " max pool with stride " + s + " and padding " + p,
                        n -> n.getOpType().equals("MaxPool") && Arrays.equals(ints(n, "kernel_shape", null), new long[] {k, k})
                                && Arrays.equals(ints(n, "strides", new long[] {1, 1}), new long[] {s, s})
                                && Arrays.equals(ints(n, "pads", new long[] {0, 0, 0, 0}), new long[] {p, p, p, p})
                                && integer(n, "ceil_mode", 0) == 0).getOutput(0);
            } else if (layer instanceof ResidualBlock res) {
                return residual(res, name, tensor);
            } else if (layer instanceof GlobalAvgPoolLayer || layer instanceof GlobalMaxPoolLayer) {
                OnnxMl.NodeProto pool = only(tensor, name, "a global pooling (the end of the convolutional part)",
                        n -> GLOBAL_POOLS.contains(n.getOpType()));
                boolean fileMax = pool.getOpType().endsWith("MaxPool") || pool.getOpType().equals("ReduceMax");
                boolean ourMax = layer instanceof GlobalMaxPoolLayer;
                if (fileMax != ourMax) {
                    notes.add("the file pools with " + (fileMax ? "max" : "average") + ", this model with "
                            + (ourMax ? "max" : "average") + " (the weights do not depend on it)");
                }
                return skipReshapes(pool.getOutput(0));
            } else if (layer instanceof FlattenLayer) {
                return skipReshapes(tensor);
            } else if (layer instanceof L2NormLayer) {
                return tensor;
            }
            throw new IOException("cannot import into a network with a " + layer.getClass().getSimpleName()
                    + " layer (" + name + ")");
        }

        String conv(Conv2d conv, String name, String tensor) throws IOException {
            Parameter wp = conv.getParameters().get("weight");
            long[] ours = wp.getArray().getShape().getShape();
            long[] stride = conv.getStride().getShape();
            long[] pad = conv.getPadding().getShape();
            long[] dilation = conv.getDilation().getShape();
            boolean adaptable = first;
            OnnxMl.NodeProto node = only(tensor, name, String.format(Locale.ROOT,
                    "a %dx%d convolution to %d channels with stride %d and padding %d", ours[2], ours[3], ours[0],
                    stride[0], pad[0]), n -> {
                        if (!n.getOpType().equals("Conv") || !n.getInput(0).equals(tensor) || !isWeight(n.getInput(1))) {
                            return false;
                        }
                        long[] w = dims(n.getInput(1));
                        boolean channelsOk = w.length == 4 && (w[1] == ours[1] || (adaptable && channelsAdaptable(w[1], ours[1])));
                        return channelsOk && w[0] == ours[0] && w[2] == ours[2] && w[3] == ours[3]
                                && Arrays.equals(ints(n, "strides", new long[] {1, 1}), stride)
                                && Arrays.equals(ints(n, "pads", new long[] {0, 0, 0, 0}),
                                        new long[] {pad[0], pad[1], pad[0], pad[1]})
                                && Arrays.equals(ints(n, "dilations", new long[] {1, 1}), dilation)
                                && integer(n, "group", 1) == conv.getGroups()
                                && "NOTSET".equals(string(n, "auto_pad", "NOTSET"));
                    });
            float[] w = floats(node.getInput(1));
            long fileIn = dims(node.getInput(1))[1];
            if (fileIn != ours[1]) {
                w = adaptChannels(w, ours, fileIn);
            }
            first = false;
            previous = conv;
            put(wp, w);
            float[] bias = node.getInputCount() > 2 && !node.getInput(2).isEmpty() ? floats(node.getInput(2)) : null;
            if (conv.isIncludeBias()) {
                put(conv.getParameters().get("bias"), bias != null ? bias : new float[(int) ours[0]]);
            } else {
                pendingBias = bias; // for the BatchNorm that follows (a folded file), or an error if none does
            }
            layers++;
            return node.getOutput(0);
        }

        boolean channelsAdaptable(long file, long ours) {
            return (file == 3 && ours == 1) || (file == 1 && ours == 3);
        }

        /**
         * First convolution, RGB weights into a gray model: the filters summed over the channels (a gray image is
         * the same as three equal channels); gray weights into an RGB model: each channel gets a third.
         */
        float[] adaptChannels(float[] w, long[] ours, long fileIn) {
            int out = (int) ours[0];
            int k = (int) (ours[2] * ours[3]);
            float[] r = new float[(int) (ours[0] * ours[1] * k)];
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < k; j++) {
                    if (fileIn == 3) {
                        r[o * k + j] = w[(o * 3) * k + j] + w[(o * 3 + 1) * k + j] + w[(o * 3 + 2) * k + j];
                    } else {
                        for (int c = 0; c < 3; c++) {
                            r[(o * 3 + c) * k + j] = w[o * k + j] / 3f;
                        }
                    }
                }
            }
            notes.add(fileIn == 3 ? "the file's first convolution takes RGB, this model gray images: its filters are "
                    + "summed over the three channels (a gray image as three equal channels)"
                    : "the file's first convolution takes gray images, this model RGB: each channel gets a third");
            return r;
        }

        String batchNorm(BatchNormLayer bn, String name, String tensor) throws IOException {
            int c = (int) bn.getGamma().getArray().getShape().get(0);
            List<OnnxMl.NodeProto> found = next(tensor, n -> n.getOpType().equals("BatchNormalization"));
            float eps = bn.getEpsilon();
            if (found.size() == 1) {
                OnnxMl.NodeProto n = found.get(0);
                float fileEps = real(n, "epsilon", 1e-5f);
                float[] gamma = floats(n.getInput(1));
                float[] beta = floats(n.getInput(2));
                float[] mean = floats(n.getInput(3));
                float[] var = floats(n.getInput(4));
                if (gamma.length != c) {
                    throw mismatch(name, "a BatchNorm over " + c + " channels", tensor);
                }
                for (int i = 0; i < c; i++) {
                    var[i] = Math.max(0f, var[i] + fileEps - eps); // same σ whatever either side's ε
                    if (pendingBias != null) {
                        mean[i] -= pendingBias[i]; // a convolution bias before BatchNorm: absorbed into μ
                    }
                }
                pendingBias = null;
                previous = bn;
                put(bn.getGamma(), gamma);
                put(bn.getBeta(), beta);
                put(bn.getRunningMean(), mean);
                put(bn.getRunningVar(), var);
                layers++;
                return n.getOutput(0);
            }
            if (pendingBias == null && !(previous instanceof Linear)) {
                throw mismatch(name, "a BatchNorm (or a convolution with a bias, where BatchNorm was folded in)", tensor);
            }
            // Folded into the previous layer: a BatchNorm that only adds the bias, exact in inference mode.
            float[] gamma = new float[c];
            float[] var = new float[c];
            Arrays.fill(gamma, 1f);
            Arrays.fill(var, 1f - eps);
            put(bn.getGamma(), gamma);
            put(bn.getBeta(), pendingBias != null ? pendingBias : new float[c]);
            put(bn.getRunningMean(), new float[c]);
            put(bn.getRunningVar(), var);
            pendingBias = null;
            previous = bn;
            folded = true;
            layers++;
            return tensor;
        }

        String linear(Linear linear, String name, String tensor) throws IOException {
            Parameter wp = linear.getParameters().get("weight");
            long[] ours = wp.getArray().getShape().getShape(); // (out, in)
            boolean isHead = linear == head;
            List<OnnxMl.NodeProto> found = next(tensor, n -> (n.getOpType().equals("Gemm") || n.getOpType().equals("MatMul"))
                    && n.getInput(0).equals(tensor) && isWeight(n.getInput(1)));
            String problem = null;
            OnnxMl.NodeProto n = found.size() == 1 ? found.get(0) : null;
            long[] w = n == null ? null : dims(n.getInput(1));
            boolean transB = n != null && n.getOpType().equals("Gemm") && integer(n, "transB", 0) == 1;
            if (n == null) {
                problem = found.isEmpty() ? "no linear layer follows" : "several linear layers read the same input";
            } else if (n.getOpType().equals("Gemm") && (integer(n, "transA", 0) != 0 || real(n, "alpha", 1f) != 1f
                    || real(n, "beta", 1f) != 1f)) {
                problem = "its Gemm scales or transposes its input";
            } else if (w.length != 2 || (transB ? w[0] != ours[0] || w[1] != ours[1] : w[1] != ours[0] || w[0] != ours[1])) {
                problem = "the file's linear layer is " + (transB ? w[0] + " × " + w[1] : w[1] + " × " + w[0])
                        + " (out × in), this model's " + ours[0] + " × " + ours[1];
            }
            if (problem != null) {
                if (isHead) {
                    notes.add("the embedding head keeps its fresh initialisation (" + problem + ")");
                    return null;
                }
                throw mismatch(name, "a linear layer " + ours[0] + " × " + ours[1] + " (" + problem + ")", tensor);
            }
            float[] weight = floats(n.getInput(1));
            if (!transB) {
                weight = transpose(weight, (int) w[0], (int) w[1]);
            }
            String out = n.getOutput(0);
            float[] bias = null;
            if (n.getOpType().equals("Gemm") && n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                bias = floats(n.getInput(2));
            } else if (n.getOpType().equals("MatMul")) {
                List<OnnxMl.NodeProto> add = next(out, a -> a.getOpType().equals("Add")
                        && a.getInputList().stream().anyMatch(this::isWeight));
                if (add.size() == 1) {
                    bias = floats(add.get(0).getInputList().stream().filter(this::isWeight).findFirst().orElseThrow());
                    out = add.get(0).getOutput(0);
                }
            }
            if (bias != null && bias.length != ours[0]) {
                throw mismatch(name, "a bias of " + ours[0] + " values", tensor);
            }
            put(wp, weight);
            Parameter bp = linear.getParameters().get("bias");
            if (bp != null) {
                put(bp, bias != null ? bias : new float[(int) ours[0]]);
            }
            first = false;
            previous = linear;
            layers++;
            if (isHead) {
                headImported = true;
                notes.add("the embedding head too (" + ours[0] + " × " + ours[1] + ")");
            }
            return out;
        }

        String residual(ResidualBlock res, String name, String tensor) throws IOException {
            String main = sequence(children(res.getMain()), name + "/main/", tensor);
            String shortcut = res.getShortcut() == null ? tensor
                    : sequence(children(res.getShortcut()), name + "/shortcut/", tensor);
            String m = main;
            String s = shortcut;
            OnnxMl.NodeProto add = only(m, name, "the residual addition of its two branches",
                    n -> n.getOpType().equals("Add") && n.getInputCount() == 2
                            && ((n.getInput(0).equals(m) && n.getInput(1).equals(s))
                                || (n.getInput(1).equals(m) && n.getInput(0).equals(s))));
            return only(add.getOutput(0), name, "a ReLU after the residual addition",
                    n -> n.getOpType().equals("Relu")).getOutput(0);
        }

        void put(Parameter p, float[] v) throws IOException {
            long expected = p.getArray().getShape().size();
            if (v.length != expected) {
                throw new IOException(file + ": " + v.length + " values for a parameter of shape " + p.getArray().getShape());
            }
            values.put(p, v);
        }

        /** The consumers of {@code tensor} (through Identity and Dropout) that {@code match}. */
        List<OnnxMl.NodeProto> next(String tensor, java.util.function.Predicate<OnnxMl.NodeProto> match) {
            List<OnnxMl.NodeProto> out = new ArrayList<>();
            for (OnnxMl.NodeProto n : consumers.getOrDefault(tensor, List.of())) {
                if (PASS_THROUGH.contains(n.getOpType()) && n.getInput(0).equals(tensor)) {
                    out.addAll(next(n.getOutput(0), match));
                } else if (match.test(n)) {
                    out.add(n);
                }
            }
            return out;
        }

        OnnxMl.NodeProto only(String tensor, String name, String expected,
                java.util.function.Predicate<OnnxMl.NodeProto> match) throws IOException {
            List<OnnxMl.NodeProto> found = next(tensor, match);
            if (found.size() == 1) {
                return found.get(0);
            }
            if (found.size() > 1) {
                throw new IOException(file + ": at " + name + " the graph has " + found.size() + " candidates for "
                        + expected + " (" + describe(found) + "); the match is ambiguous");
            }
            throw mismatch(name, expected, tensor);
        }

        IOException mismatch(String name, String expected, String tensor) {
            List<OnnxMl.NodeProto> there = next(tensor, n -> true);
            return new IOException(file + " does not match this network at layer " + name + ": expected " + expected
                    + ", but the file has " + (there.isEmpty() ? "nothing more" : describe(there)) + " there. Import from "
                    + "a model of the same architecture (simforge's ResNets follow torchvision's resnet18/34/50; "
                    + "tools/torchvision_to_onnx.py writes them).");
        }

        String describe(List<OnnxMl.NodeProto> nodes) {
            List<String> d = new ArrayList<>();
            for (OnnxMl.NodeProto n : nodes) {
                StringBuilder s = new StringBuilder(n.getOpType());
                if (!n.getName().isEmpty()) {
                    s.append(" '").append(n.getName()).append("'");
                }
                if (n.getInputCount() > 1 && isWeight(n.getInput(1))) {
                    s.append(" with weights ").append(Arrays.toString(dims(n.getInput(1))));
                }
                long[] strides = ints(n, "strides", null);
                if (strides != null) {
                    s.append(" stride ").append(strides[0]);
                }
                d.add(s.toString());
            }
            return String.join(", ", d);
        }

        String skipReshapes(String tensor) {
            String current = tensor;
            while (true) {
                List<OnnxMl.NodeProto> r = next(current, n -> RESHAPES.contains(n.getOpType()));
                if (r.size() != 1) {
                    return current;
                }
                current = r.get(0).getOutput(0);
            }
        }

        /** A stored tensor: an initialiser, a Constant, or one of those through Identity or Cast. */
        boolean isWeight(String name) {
            return stored(name) != null;
        }

        OnnxMl.TensorProto stored(String name) {
            OnnxMl.TensorProto t = initializers.get(name);
            if (t != null) {
                return t;
            }
            OnnxMl.NodeProto p = producers.get(name);
            if (p == null) {
                return null;
            }
            if (p.getOpType().equals("Constant")) {
                for (OnnxMl.AttributeProto a : p.getAttributeList()) {
                    if (a.getName().equals("value")) {
                        return a.getT();
                    }
                }
                return null;
            }
            if ((p.getOpType().equals("Identity") || p.getOpType().equals("Cast")) && p.getInputCount() == 1) {
                return stored(p.getInput(0)); // float16 weights cast up (simforge --fp16), shared weights
            }
            return null;
        }

        long[] dims(String name) {
            return stored(name).getDimsList().stream().mapToLong(Long::longValue).toArray();
        }

        float[] floats(String name) throws IOException {
            OnnxMl.TensorProto t = stored(name);
            if (t == null) {
                throw new IOException(file + ": '" + name + "' is computed in the graph, not stored; cannot import it");
            }
            long count = 1;
            for (long d : t.getDimsList()) {
                count *= d;
            }
            ByteBuffer raw = raw(t);
            float[] out = new float[Math.toIntExact(count)];
            switch (t.getDataType()) {
                case 1 -> { // FLOAT
                    if (raw != null) {
                        raw.asFloatBuffer().get(out);
                    } else {
                        for (int i = 0; i < out.length; i++) {
                            out[i] = t.getFloatData(i);
                        }
                    }
                }
                case 10 -> { // FLOAT16
                    for (int i = 0; i < out.length; i++) {
                        short h = raw != null ? raw.getShort(2 * i) : (short) t.getInt32Data(i);
                        out[i] = io.simforge.core.linalg.Half.toFloat(h);
                    }
                }
                case 11 -> { // DOUBLE
                    for (int i = 0; i < out.length; i++) {
                        out[i] = (float) (raw != null ? raw.getDouble(8 * i) : t.getDoubleData(i));
                    }
                }
                default -> throw new IOException(file + ": weights '" + name + "' have ONNX data type " + t.getDataType()
                        + "; only float32, float16 and float64 weights can be imported");
            }
            return out;
        }

        /** The little-endian bytes of a tensor (inline or in an external data file), or null for typed fields. */
        ByteBuffer raw(OnnxMl.TensorProto t) throws IOException {
            if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                Map<String, String> ext = new LinkedHashMap<>();
                t.getExternalDataList().forEach(e -> ext.put(e.getKey(), e.getValue()));
                Path data = file.resolveSibling(ext.getOrDefault("location", ""));
                long offset = Long.parseLong(ext.getOrDefault("offset", "0"));
                if (!Files.isRegularFile(data)) {
                    throw new IOException(file + " keeps its weights in " + data + ", which is missing; keep the data file "
                            + "beside the model");
                }
                try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
                    long length = ext.containsKey("length") ? Long.parseLong(ext.get("length")) : ch.size() - offset;
                    if (offset + length > ch.size()) {
                        throw new IOException(data + " is shorter than " + file + " says (truncated?)");
                    }
                    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(length));
                    while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                        // read fully
                    }
                    return b.flip().order(ByteOrder.LITTLE_ENDIAN);
                }
            }
            if (t.getRawData().isEmpty()) {
                return null;
            }
            return t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    private static OnnxMl.AttributeProto attribute(OnnxMl.NodeProto n, String name) {
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static long[] ints(OnnxMl.NodeProto n, String name, long[] otherwise) {
        OnnxMl.AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static long integer(OnnxMl.NodeProto n, String name, long otherwise) {
        OnnxMl.AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getI();
    }

    private static float real(OnnxMl.NodeProto n, String name, float otherwise) {
        OnnxMl.AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getF();
    }

    private static String string(OnnxMl.NodeProto n, String name, String otherwise) {
        OnnxMl.AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getS().toStringUtf8();
    }
}
