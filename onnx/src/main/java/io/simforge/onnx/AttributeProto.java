package io.simforge.onnx;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A node attribute ({@code AttributeProto}): a name, its {@link #type()} and the one value field that type uses
 * (a float, an int, a string, a tensor, a graph, or a list of one of those). Immutable; the array accessors
 * return copies. Build one with the {@code of...} factories or {@link #builder()}.
 */
public final class AttributeProto {
    /** Values of {@code type} ({@code AttributeProto.AttributeType}). */
    public static final int UNDEFINED = 0;
    public static final int FLOAT = 1;
    public static final int INT = 2;
    public static final int STRING = 3;
    public static final int TENSOR = 4;
    public static final int GRAPH = 5;
    public static final int FLOATS = 6;
    public static final int INTS = 7;
    public static final int STRINGS = 8;
    public static final int TENSORS = 9;
    public static final int GRAPHS = 10;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final String name;
    private final int type;
    private final float f;
    private final long i;
    private final ByteBuffer s;
    private final TensorProto t;
    private final GraphProto g;
    private final float[] floats;
    private final long[] ints;
    private final List<ByteBuffer> strings;
    private final List<TensorProto> tensors;
    private final List<GraphProto> graphs;
    private final String docString;

    private AttributeProto(Builder b) {
        name = b.name;
        type = b.type;
        f = b.f;
        i = b.i;
        s = b.s == null ? EMPTY : b.s.slice().asReadOnlyBuffer();
        t = b.t;
        g = b.g;
        floats = b.floats.clone();
        ints = b.ints.clone();
        strings = b.strings.stream().map(x -> x.slice().asReadOnlyBuffer()).toList();
        tensors = List.copyOf(b.tensors);
        graphs = List.copyOf(b.graphs);
        docString = b.docString;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static AttributeProto ofInt(String name, long value) {
        return builder().setName(name).setType(INT).optI(value).build();
    }

    public static AttributeProto ofInts(String name, long... values) {
        return builder().setName(name).setType(INTS).optInts(values).build();
    }

    public static AttributeProto ofFloat(String name, float value) {
        return builder().setName(name).setType(FLOAT).optF(value).build();
    }

    public static AttributeProto ofFloats(String name, float... values) {
        return builder().setName(name).setType(FLOATS).optFloats(values).build();
    }

    public static AttributeProto ofString(String name, String value) {
        return builder().setName(name).setType(STRING)
                .optS(ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8))).build();
    }

    public static AttributeProto ofTensor(String name, TensorProto value) {
        return builder().setName(name).setType(TENSOR).optT(value).build();
    }

    public String name() {
        return name;
    }

    /** One of the type constants of this class ({@link #INT}, {@link #FLOATS}, ...). */
    public int type() {
        return type;
    }

    public float f() {
        return f;
    }

    public long i() {
        return i;
    }

    /** The bytes of {@code s}, read-only. */
    public ByteBuffer s() {
        return s.duplicate();
    }

    /** {@code s} decoded as UTF-8. */
    public String stringValue() {
        ByteBuffer b = s.duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The tensor value, or null. */
    public TensorProto t() {
        return t;
    }

    /** The graph value (a subgraph of If, Loop, Scan), or null. */
    public GraphProto g() {
        return g;
    }

    public float[] floats() {
        return floats.clone();
    }

    public long[] ints() {
        return ints.clone();
    }

    public List<ByteBuffer> strings() {
        return strings.stream().map(ByteBuffer::duplicate).toList();
    }

    public List<TensorProto> tensors() {
        return tensors;
    }

    public List<GraphProto> graphs() {
        return graphs;
    }

    public String docString() {
        return docString;
    }

    float[] floatsView() {
        return floats;
    }

    long[] intsView() {
        return ints;
    }

    List<ByteBuffer> stringsView() {
        return strings;
    }

    ByteBuffer sView() {
        return s.duplicate();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttributeProto a && name.equals(a.name) && type == a.type
                && Float.floatToIntBits(f) == Float.floatToIntBits(a.f) && i == a.i && s.equals(a.s)
                && Objects.equals(t, a.t) && Objects.equals(g, a.g) && Arrays.equals(floats, a.floats)
                && Arrays.equals(ints, a.ints) && strings.equals(a.strings) && tensors.equals(a.tensors)
                && graphs.equals(a.graphs) && docString.equals(a.docString);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, f, i, s, t, Arrays.hashCode(floats), Arrays.hashCode(ints));
    }

    @Override
    public String toString() {
        String value = switch (type) {
            case FLOAT -> Float.toString(f);
            case INT -> Long.toString(i);
            case STRING -> '"' + stringValue() + '"';
            case FLOATS -> Arrays.toString(floats);
            case INTS -> Arrays.toString(ints);
            case TENSOR -> String.valueOf(t);
            default -> "type " + type;
        };
        return name + "=" + value;
    }

    /** Builder: {@code setName} and {@code setType} are required; set the value field the type uses. */
    public static final class Builder {
        private String name;
        private int type = UNDEFINED;
        private float f;
        private long i;
        private ByteBuffer s;
        private TensorProto t;
        private GraphProto g;
        private float[] floats = new float[0];
        private long[] ints = new long[0];
        private final List<ByteBuffer> strings = new ArrayList<>();
        private final List<TensorProto> tensors = new ArrayList<>();
        private final List<GraphProto> graphs = new ArrayList<>();
        private String docString = "";

        private Builder() {}

        public Builder setName(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        public Builder setType(int type) {
            this.type = type;
            return this;
        }

        public Builder optF(float value) {
            this.f = value;
            return this;
        }

        public Builder optI(long value) {
            this.i = value;
            return this;
        }

        public Builder optS(ByteBuffer value) {
            this.s = value == null ? null : value.duplicate();
            return this;
        }

        public Builder optT(TensorProto value) {
            this.t = value;
            return this;
        }

        public Builder optG(GraphProto value) {
            this.g = value;
            return this;
        }

        public Builder optFloats(float... values) {
            this.floats = values.clone();
            return this;
        }

        public Builder optInts(long... values) {
            this.ints = values.clone();
            return this;
        }

        public Builder addString(ByteBuffer value) {
            strings.add(value.duplicate());
            return this;
        }

        public Builder addTensor(TensorProto value) {
            tensors.add(Objects.requireNonNull(value));
            return this;
        }

        public Builder addGraph(GraphProto value) {
            graphs.add(Objects.requireNonNull(value));
            return this;
        }

        public Builder optDocString(String doc) {
            this.docString = Objects.requireNonNullElse(doc, "");
            return this;
        }

        public AttributeProto build() {
            if (name == null) {
                throw new IllegalStateException("an ONNX attribute needs a name (setName)");
            }
            return new AttributeProto(this);
        }
    }
}
