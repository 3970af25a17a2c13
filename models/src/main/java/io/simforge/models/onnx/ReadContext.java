package io.simforge.models.onnx;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import io.simforge.onnx.ElementType;
import io.simforge.onnx.GraphProto;
import io.simforge.onnx.NodeProto;
import io.simforge.onnx.TensorData;
import io.simforge.onnx.TensorProto;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The walk that imports an ONNX graph's weights into a network: the graph indexed by producer and consumers, the
 * values gathered so far (applied only when the whole walk succeeds), and the state that passes between layers
 * (a convolution's bias waiting for its BatchNorm, the first convolution, the head). Each layer's own matching is
 * in its {@link LayerCodec}; this class follows the data from one node to its consumers, through Identity and
 * Dropout, and gives codecs the file's weights, whatever their storage (float32, float16, float64; initialisers,
 * Constants, behind a Cast; inline or external).
 */
public final class ReadContext {
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "Dropout");
    private static final Set<String> RESHAPES = Set.of("Flatten", "Reshape", "Squeeze");

    private final Path file;
    private final Path dir;
    private final GraphProto graph;
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final Map<Parameter, float[]> values = new IdentityHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private Block head;
    private boolean headImported;
    private boolean batchNormFolded;
    private boolean first = true;
    private int layers;
    private float[] pendingBias;
    private Block previous;

    private ReadContext(Path file, GraphProto graph) {
        this.file = file;
        this.dir = file.toAbsolutePath().getParent();
        this.graph = graph;
        for (TensorProto t : graph.initializers()) {
            initializers.put(t.name(), t);
        }
        for (NodeProto n : graph.nodes()) {
            for (String out : n.outputs()) {
                producers.put(out, n);
            }
            for (String in : n.inputs()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
    }

    /**
     * Walks {@code network} (initialised) alongside {@code graph}, read from {@code file}; the embedding head is
     * the network's last top-level linear layer. Nothing is written to the network: see {@link #apply()}.
     *
     * @throws IOException when the graph does not match the network (the message names the layer)
     */
    public static ReadContext walk(Path file, GraphProto graph, Block network) throws IOException {
        ReadContext ctx = new ReadContext(file, graph);
        List<Block> top = children(network);
        for (Block b : top) {
            if (b instanceof Linear) {
                ctx.head = b;
            }
        }
        ctx.readSequence(top, "", ctx.start());
        return ctx;
    }

    /** Copies the gathered values into the network's parameters. */
    public void apply() {
        for (Map.Entry<Parameter, float[]> e : values.entrySet()) {
            e.getKey().getArray().set(e.getValue());
        }
    }

    /** Convolution, BatchNorm and linear layers that received weights. */
    public int layers() {
        return layers;
    }

    /** Weight values gathered. */
    public long valueCount() {
        return values.values().stream().mapToLong(v -> v.length).sum();
    }

    /** Whether the file had BatchNorm folded into its convolutions. */
    public boolean batchNormFolded() {
        return batchNormFolded;
    }

    /** Whether the embedding head came from the file too. */
    public boolean headImported() {
        return headImported;
    }

    /** What the user should know, in plain words. */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** The data input of the first layer with weights: what follows the graph's own preprocessing, if any. */
    private String start() throws IOException {
        for (NodeProto n : graph.nodes()) {
            if (Set.of("Conv", "Gemm", "MatMul").contains(n.opType()) && n.inputs().size() >= 2 && isWeight(n.input(1))) {
                return n.input(0);
            }
        }
        throw new IOException(file + " has no convolution or linear layer with stored weights; there is nothing "
                + "to import");
    }

    static List<Block> children(Block b) {
        List<Block> out = new ArrayList<>();
        if (b instanceof SequentialBlock seq) {
            seq.getChildren().forEach(c -> out.add(c.getValue()));
        } else {
            out.add(b);
        }
        return out;
    }

    // ---- for codecs: walking ----

    /** Matches the layers of {@code sequence} in order from {@code tensor}; returns the output, or null at the head. */
    public String readSequence(SequentialBlock sequence, String path, String tensor) throws IOException {
        return readSequence(children(sequence), path, tensor);
    }

    private String readSequence(List<Block> sequence, String path, String tensor) throws IOException {
        String current = tensor;
        for (int i = 0; i < sequence.size(); i++) {
            Block layer = sequence.get(i);
            String name = path + String.format(Locale.ROOT, "%02d", i + 1) + layer.getClass().getSimpleName();
            LayerCodec<Block> codec = LayerCodecs.find(layer);
            if (codec == null) {
                throw new IOException("cannot import into a network with a " + layer.getClass().getSimpleName()
                        + " layer (" + name + ")");
            }
            current = codec.read(this, layer, name, current);
            if (current == null) {
                return null; // the head was not in the file: the walk ends here
            }
        }
        return current;
    }

    /** The consumers of {@code tensor} (through Identity and Dropout) that {@code match}. */
    public List<NodeProto> next(String tensor, Predicate<NodeProto> match) {
        List<NodeProto> out = new ArrayList<>();
        for (NodeProto n : consumers.getOrDefault(tensor, List.of())) {
            if (PASS_THROUGH.contains(n.opType()) && n.input(0).equals(tensor)) {
                out.addAll(next(n.output(0), match));
            } else if (match.test(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** The one consumer of {@code tensor} that matches; fails naming {@code expected} when there is none or several. */
    public NodeProto only(String tensor, String name, String expected, Predicate<NodeProto> match) throws IOException {
        List<NodeProto> found = next(tensor, match);
        if (found.size() == 1) {
            return found.get(0);
        }
        if (found.size() > 1) {
            throw new IOException(file + ": at " + name + " the graph has " + found.size() + " candidates for "
                    + expected + " (" + describe(found) + "); the match is ambiguous");
        }
        throw mismatch(name, expected, tensor);
    }

    /** The error for "the file has something else here", listing what it has. */
    public IOException mismatch(String name, String expected, String tensor) {
        List<NodeProto> there = next(tensor, n -> true);
        return new IOException(file + " does not match this network at layer " + name + ": expected " + expected
                + ", but the file has " + (there.isEmpty() ? "nothing more" : describe(there)) + " there. Import from "
                + "a model of the same architecture (simforge's ResNets follow torchvision's resnet18/34/50; "
                + "tools/torchvision_to_onnx.py writes them).");
    }

    private String describe(List<NodeProto> nodes) {
        List<String> d = new ArrayList<>();
        for (NodeProto n : nodes) {
            StringBuilder s = new StringBuilder(n.opType());
            if (!n.name().isEmpty()) {
                s.append(" '").append(n.name()).append("'");
            }
            if (n.inputs().size() > 1 && isWeight(n.input(1))) {
                s.append(" with weights ").append(Arrays.toString(dims(n.input(1))));
            }
            long[] strides = n.intsAttribute("strides", null);
            if (strides != null && strides.length > 0) {
                s.append(" stride ").append(strides[0]);
            }
            d.add(s.toString());
        }
        return String.join(", ", d);
    }

    /** Follows Flatten, Reshape and Squeeze nodes from {@code tensor} while there is exactly one. */
    public String skipReshapes(String tensor) {
        String current = tensor;
        while (true) {
            List<NodeProto> r = next(current, n -> RESHAPES.contains(n.opType()));
            if (r.size() != 1) {
                return current;
            }
            current = r.get(0).output(0);
        }
    }

    // ---- for codecs: the file's weights ----

    /** Whether {@code name} is a stored tensor: an initialiser, a Constant, or one of those through Identity or Cast. */
    public boolean isWeight(String name) {
        return stored(name) != null;
    }

    private TensorProto stored(String name) {
        TensorProto t = initializers.get(name);
        if (t != null) {
            return t;
        }
        NodeProto p = producers.get(name);
        if (p == null) {
            return null;
        }
        if (p.opType().equals("Constant")) {
            var value = p.attribute("value");
            return value == null ? null : value.t();
        }
        if ((p.opType().equals("Identity") || p.opType().equals("Cast")) && p.inputs().size() == 1) {
            return stored(p.input(0)); // float16 weights cast up (simforge --fp16), shared weights
        }
        return null;
    }

    /** The dims of a stored tensor ({@link #isWeight} must hold). */
    public long[] dims(String name) {
        return stored(name).dims();
    }

    /** A stored tensor's values as float32. */
    public float[] floats(String name) throws IOException {
        TensorProto t = stored(name);
        if (t == null) {
            throw new IOException(file + ": '" + name + "' is computed in the graph, not stored; cannot import it");
        }
        ElementType type = ElementType.of(t.dataType());
        if (type != ElementType.FLOAT && type != ElementType.FLOAT16 && type != ElementType.DOUBLE) {
            throw new IOException(file + ": weights '" + name + "' have ONNX data type " + t.dataType()
                    + "; only float32, float16 and float64 weights can be imported");
        }
        try {
            return TensorData.toFloats(t, dir);
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Records {@code v} for {@code p}, checking its size. */
    public void put(Parameter p, float[] v) throws IOException {
        long expected = p.getArray().getShape().size();
        if (v.length != expected) {
            throw new IOException(file + ": " + v.length + " values for a parameter of shape " + p.getArray().getShape());
        }
        values.put(p, v);
    }

    /** Adds a note for the user. */
    public void note(String note) {
        notes.add(note);
    }

    // ---- for codecs: state passed between layers ----

    /** Whether no layer has received weights yet (the first convolution may adapt its input channels). */
    public boolean isFirst() {
        return first;
    }

    /** The last layer that received weights. */
    public Block previous() {
        return previous;
    }

    /** Marks {@code layer} as having received weights. */
    public void imported(Block layer) {
        first = false;
        previous = layer;
        layers++;
    }

    /** A convolution's bias that the following BatchNorm layer must absorb, or null. */
    public float[] pendingBias() {
        return pendingBias;
    }

    /** Leaves a convolution's bias for the next BatchNorm layer to absorb (null: none). */
    public void setPendingBias(float[] bias) {
        this.pendingBias = bias;
    }

    /** The network's embedding head (its last top-level linear layer), which the file may lack. */
    public boolean isHead(Block layer) {
        return layer == head;
    }

    /** Records that the head came from the file. */
    public void markHeadImported() {
        headImported = true;
    }

    /** Records that the file had BatchNorm folded into its convolutions. */
    public void markBatchNormFolded() {
        batchNormFolded = true;
    }
}
