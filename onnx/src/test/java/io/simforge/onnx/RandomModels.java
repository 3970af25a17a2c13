package io.simforge.onnx;

import java.nio.ByteBuffer;
import java.util.Random;

/** Seeded random models that use every field the IR models, for cross-checks and as fuzzing seeds. */
final class RandomModels {
    private final Random r;

    RandomModels(long seed) {
        r = new Random(seed);
    }

    ModelProto model() {
        ModelProto.Builder b = ModelProto.builder().setIrVersion(r.nextInt(11)).optProducer(text(), text())
                .optDomain(text()).optModelVersion(r.nextBoolean() ? 0 : r.nextLong()).optDocString(text())
                .setGraph(graph(2));
        for (int i = r.nextInt(3); i > 0; i--) {
            b.addOpsetImport(r.nextBoolean() ? "" : text(), r.nextInt(25));
        }
        for (int i = r.nextInt(4); i > 0; i--) {
            b.addMetadata(text(), text());
        }
        return b.build();
    }

    GraphProto graph(int depth) {
        GraphProto.Builder g = GraphProto.builder().optName(text()).optDocString(text());
        for (int i = r.nextInt(5); i > 0; i--) {
            g.addNode(node(depth));
        }
        for (int i = r.nextInt(4); i > 0; i--) {
            g.addInitializer(tensor());
        }
        for (int i = r.nextInt(3); i > 0; i--) {
            g.addInput(valueInfo());
        }
        for (int i = r.nextInt(3); i > 0; i--) {
            g.addOutput(valueInfo());
        }
        for (int i = r.nextInt(2); i > 0; i--) {
            g.addValueInfo(valueInfo());
        }
        return g.build();
    }

    NodeProto node(int depth) {
        NodeProto.Builder n = NodeProto.builder().setOpType(pick("Conv", "Gemm", "Relu", "", "Custom"))
                .optName(text()).optDomain(r.nextInt(4) == 0 ? "com.example" : "").optDocString(text());
        for (int i = r.nextInt(4); i > 0; i--) {
            n.addInput(r.nextInt(4) == 0 ? "" : text()); // empty: an omitted optional input
        }
        for (int i = r.nextInt(3); i > 0; i--) {
            n.addOutput(text());
        }
        for (int i = r.nextInt(4); i > 0; i--) {
            n.addAttribute(attribute(depth));
        }
        return n.build();
    }

    AttributeProto attribute(int depth) {
        int type = 1 + r.nextInt(depth > 0 ? 10 : 9);
        if (depth == 0 && (type == AttributeProto.GRAPH || type == AttributeProto.GRAPHS)) {
            type = AttributeProto.INTS;
        }
        AttributeProto.Builder a = AttributeProto.builder().setName(text()).setType(type).optDocString(text());
        switch (type) {
            case AttributeProto.FLOAT -> a.optF(r.nextBoolean() ? 0f : (float) r.nextGaussian());
            case AttributeProto.INT -> a.optI(r.nextBoolean() ? r.nextInt(5) - 2 : r.nextLong());
            case AttributeProto.STRING -> a.optS(bytes(r.nextInt(6)));
            case AttributeProto.TENSOR -> a.optT(tensor());
            case AttributeProto.GRAPH -> a.optG(graph(depth - 1));
            case AttributeProto.FLOATS -> a.optFloats(floats(r.nextInt(5)));
            case AttributeProto.INTS -> a.optInts(longs(r.nextInt(5)));
            case AttributeProto.STRINGS -> {
                for (int i = r.nextInt(3); i > 0; i--) {
                    a.addString(bytes(r.nextInt(4)));
                }
            }
            case AttributeProto.TENSORS -> {
                for (int i = r.nextInt(3); i > 0; i--) {
                    a.addTensor(tensor());
                }
            }
            default -> a.addGraph(graph(depth - 1));
        }
        return a.build();
    }

    TensorProto tensor() {
        int n = r.nextInt(6);
        TensorProto.Builder t = TensorProto.builder().setName(text()).setDims(n, 1).optDocString(text());
        switch (r.nextInt(8)) {
            case 0 -> t.setDataType(1).optFloatData(floats(n));
            case 1 -> t.setDataType(6).optInt32Data(r.ints(n).toArray());
            case 2 -> t.setDataType(7).optInt64Data(longs(n));
            case 3 -> t.setDataType(11).optDoubleData(r.doubles(n).toArray());
            case 4 -> t.setDataType(13).optUint64Data(longs(n));
            case 5 -> {
                t.setDataType(8);
                for (int i = 0; i < n; i++) {
                    t.addStringData(bytes(r.nextInt(4)));
                }
            }
            case 6 -> t.setDataType(1).optDataLocation(TensorProto.LOCATION_EXTERNAL)
                    .addExternalData("location", "w.data").addExternalData("offset", "64")
                    .addExternalData("length", Integer.toString(4 * n));
            default -> t.setDataType(r.nextInt(27)).optRawData(bytes(r.nextInt(40)));
        }
        return t.build();
    }

    ValueInfoProto valueInfo() {
        if (r.nextInt(5) == 0) {
            return new ValueInfoProto(text(), null, text());
        }
        if (r.nextInt(6) == 0) {
            return new ValueInfoProto(text(), new TypeProto(null, text()), ""); // a type we do not model
        }
        TensorShapeProto shape = null;
        if (r.nextInt(4) != 0) {
            java.util.List<TensorShapeProto.Dimension> dims = new java.util.ArrayList<>();
            for (int i = r.nextInt(5); i > 0; i--) {
                dims.add(switch (r.nextInt(3)) {
                    case 0 -> new TensorShapeProto.Dimension((long) r.nextInt(300), null, r.nextBoolean() ? "" : text());
                    case 1 -> new TensorShapeProto.Dimension(null, text(), "");
                    default -> new TensorShapeProto.Dimension(null, null, "");
                });
            }
            shape = new TensorShapeProto(dims);
        }
        return new ValueInfoProto(text(), new TypeProto(new TypeProto.Tensor(r.nextInt(17), shape), ""), text());
    }

    private String text() {
        return pick("", "x", "conv_weight_3", "batch", "ünïcødé ✓", "a/b:c", "simforge.producer");
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[r.nextInt(options.length)];
    }

    private ByteBuffer bytes(int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    private float[] floats(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = r.nextInt(10) == 0 ? Float.NaN : (float) r.nextGaussian();
        }
        return f;
    }

    private long[] longs(int n) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextBoolean() ? r.nextInt(100) - 50 : r.nextLong();
        }
        return v;
    }
}
