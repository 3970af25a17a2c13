package io.simforge.onnx;

import java.util.List;

/**
 * The small ONNX model that scores queries against an index on ONNX Runtime: a batched matrix product of
 * the queries with the gallery in its packed layout ({@code [blocks, dim, 128]}), a reshape to one row of
 * scores per query, a mask that sends padding rows to −∞, and TopK. Inputs: {@code queries} [q, dim],
 * {@code gallery} [blocks, dim, 128], {@code mask} [blocks·128], {@code k} [1] (int64); outputs {@code scores}
 * and {@code indices} [q, k].
 */
public final class ScoringGraph {
    private ScoringGraph() {}

    /** The model. */
    public static ModelProto modelProto() {
        GraphProto graph = GraphProto.builder().optName("simforge-index-scoring")
                .addNode(node("MatMul", List.of("queries", "gallery"), List.of("blocked")))
                .addNode(node("Transpose", List.of("blocked"), List.of("by_query"), AttributeProto.ofInts("perm", 1, 0, 2)))
                .addNode(node("Reshape", List.of("by_query", "flat_shape"), List.of("all_scores")))
                .addNode(node("Add", List.of("all_scores", "mask"), List.of("masked")))
                .addNode(node("TopK", List.of("masked", "k"), List.of("scores", "indices"),
                        AttributeProto.ofInt("axis", -1), AttributeProto.ofInt("largest", 1),
                        AttributeProto.ofInt("sorted", 1)))
                // [0, -1]: keep the query axis, flatten the rest
                .addInitializer(TensorProto.builder().setName("flat_shape").setDataType(ElementType.INT64.number())
                        .setDims(2).optInt64Data(0, -1).build())
                .addInput(ValueInfoProto.tensor("queries", ElementType.FLOAT, "q", "dim"))
                .addInput(ValueInfoProto.tensor("gallery", ElementType.FLOAT, "blocks", "dim", "128"))
                .addInput(ValueInfoProto.tensor("mask", ElementType.FLOAT, "padded"))
                .addInput(ValueInfoProto.tensor("k", ElementType.INT64, "1"))
                .addOutput(ValueInfoProto.tensor("scores", ElementType.FLOAT, "q", "k"))
                .addOutput(ValueInfoProto.tensor("indices", ElementType.INT64, "q", "k"))
                .build();
        return ModelProto.builder().setIrVersion(8).optProducer("simforge", "").addOpsetImport("", 17).setGraph(graph)
                .build();
    }

    /** The model's bytes, for {@code OrtEnvironment.createSession(byte[])}. */
    public static byte[] model() {
        return OnnxWriter.toBytes(modelProto());
    }

    /**
     * The name of {@link #int8ModelProto}'s codes: the key under which a session is handed their data
     * ({@code OrtSession.SessionOptions.addExternalInitializers}).
     */
    public static final String INT8_CODES = "codes";

    /**
     * The integer scoring model of int8 storage: one {@code MatMulInteger} of the queries quantised to unsigned
     * bytes around a zero point of 128 ({@code queries} [q, dim], uint8) with one slice of the gallery's signed codes
     * ({@value #INT8_CODES} [dim, rows], int8), giving {@code scores} [q, rows] (int32, exact sums). Unsigned × signed
     * is the operand pair ONNX Runtime's MLAS has VNNI kernels for; signed × signed has none there.
     *
     * <p>The codes are a constant initializer, so ONNX Runtime packs them for its kernel once, when the session is
     * created, instead of on every run as it must for an input. The model only declares them (shape, type, and an
     * external-data location that names no file): their bytes reach the session as an external initializer from
     * memory, so the model stays a few hundred bytes whatever the gallery's size.
     */
    public static ModelProto int8ModelProto(int dim, int rows) {
        if (dim <= 0 || rows <= 0) {
            throw new IllegalArgumentException("the int8 scoring model needs a positive dim and rows, got " + dim
                    + " × " + rows);
        }
        TensorProto codes = TensorProto.builder().setName(INT8_CODES).setDataType(ElementType.INT8.number())
                .setDims(dim, rows).optDataLocation(TensorProto.LOCATION_EXTERNAL)
                .addExternalData("location", "supplied-from-memory").addExternalData("offset", "0")
                .addExternalData("length", Long.toString((long) dim * rows)).build();
        GraphProto graph = GraphProto.builder().optName("simforge-int8-scoring")
                .addNode(node("MatMulInteger", List.of("queries", INT8_CODES, "zero_point"), List.of("scores")))
                .addInitializer(TensorProto.builder().setName("zero_point").setDataType(ElementType.UINT8.number())
                        .optRawData(new byte[] {(byte) 128}).build())
                .addInitializer(codes)
                .addInput(ValueInfoProto.tensor("queries", ElementType.UINT8, "q", Integer.toString(dim)))
                .addOutput(ValueInfoProto.tensor("scores", ElementType.INT32, "q", Integer.toString(rows)))
                .build();
        return ModelProto.builder().setIrVersion(8).optProducer("simforge", "").addOpsetImport("", 17).setGraph(graph)
                .build();
    }

    /** {@link #int8ModelProto}'s bytes. */
    public static byte[] int8Model(int dim, int rows) {
        return OnnxWriter.toBytes(int8ModelProto(dim, rows));
    }

    private static NodeProto node(String op, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.builder().setOpType(op).optName(op.toLowerCase(java.util.Locale.ROOT))
                .addInputs(inputs);
        outputs.forEach(n::addOutput);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        return n.build();
    }
}
