package io.simforge.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The small ONNX model that scores queries against an index on ONNX Runtime: a batched matrix product of
 * the queries with the gallery in its packed layout ({@code [blocks, dim, 128]}), a reshape to one row of
 * scores per query, a mask that sends padding rows to −∞, and TopK. Written as protobuf bytes directly,
 * so {@code infer} needs no protobuf library. Inputs: {@code queries} [q, dim], {@code gallery}
 * [blocks, dim, 128], {@code mask} [blocks·128], {@code k} [1] (int64); outputs {@code scores} and
 * {@code indices} [q, k].
 */
public final class ScoringGraph {
    private ScoringGraph() {}

    public static byte[] model() {
        Proto graph = new Proto()
                .message(1, node("MatMul", new String[] {"queries", "gallery"}, new String[] {"blocked"}, new Proto()))
                .message(1, node("Transpose", new String[] {"blocked"}, new String[] {"by_query"},
                        new Proto().message(5, ints("perm", 1, 0, 2))))
                .message(1, node("Reshape", new String[] {"by_query", "flat_shape"}, new String[] {"all_scores"}, new Proto()))
                .message(1, node("Add", new String[] {"all_scores", "mask"}, new String[] {"masked"}, new Proto()))
                .message(1, node("TopK", new String[] {"masked", "k"}, new String[] {"scores", "indices"},
                        new Proto().message(5, intAttr("axis", -1)).message(5, intAttr("largest", 1))
                                .message(5, intAttr("sorted", 1))))
                .string(2, "simforge-index-scoring")
                .message(5, new Proto().int64(1, 2).int64(2, 7).packedInt64(7, 0, -1).string(8, "flat_shape"))
                .message(11, value("queries", 1, "q", "dim"))
                .message(11, value("gallery", 1, "blocks", "dim", "128"))
                .message(11, value("mask", 1, "padded"))
                .message(11, value("k", 7, "1"))
                .message(12, value("scores", 1, "q", "k"))
                .message(12, value("indices", 7, "q", "k"));
        return new Proto().int64(1, 8) // IR version 8
                .string(2, "simforge")
                .message(7, graph)
                .message(8, new Proto().string(1, "").int64(2, 17))
                .bytes();
    }

    private static Proto node(String op, String[] inputs, String[] outputs, Proto attributes) {
        Proto n = new Proto();
        for (String in : inputs) {
            n.string(1, in);
        }
        for (String out : outputs) {
            n.string(2, out);
        }
        n.string(3, op.toLowerCase(java.util.Locale.ROOT)).string(4, op);
        n.raw(attributes);
        return n;
    }

    private static Proto intAttr(String name, long value) {
        return new Proto().string(1, name).int64(3, value).int64(20, 2); // AttributeType INT
    }

    private static Proto ints(String name, long... values) {
        Proto a = new Proto().string(1, name);
        for (long v : values) {
            a.int64(8, v);
        }
        return a.int64(20, 7); // AttributeType INTS
    }

    /** A tensor ValueInfo: element type (1 float, 7 int64) and dims (numbers are fixed, names symbolic). */
    private static Proto value(String name, int elemType, String... dims) {
        Proto shape = new Proto();
        for (String d : dims) {
            shape.message(1, d.chars().allMatch(Character::isDigit) ? new Proto().int64(1, Long.parseLong(d))
                    : new Proto().string(2, d));
        }
        Proto tensor = new Proto().int64(1, elemType).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensor));
    }

    /** Just enough of the protobuf wire format: varints, length-delimited strings and messages. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto int64(int field, long value) {
            tag(field, 0);
            varint(value);
            return this;
        }

        Proto packedInt64(int field, long... values) {
            Proto body = new Proto();
            for (long v : values) {
                body.varint(v);
            }
            return bytesField(field, body.bytes());
        }

        Proto string(int field, String value) {
            return bytesField(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto message) {
            return bytesField(field, message.bytes());
        }

        /** Appends another message's fields to this one (for attributes built separately). */
        Proto raw(Proto fields) {
            byte[] b = fields.bytes();
            out.write(b, 0, b.length);
            return this;
        }

        private Proto bytesField(int field, byte[] b) {
            tag(field, 2);
            varint(b.length);
            out.write(b, 0, b.length);
            return this;
        }

        private void tag(int field, int wireType) {
            varint(((long) field << 3) | wireType);
        }

        private void varint(long v) {
            while ((v & ~0x7fL) != 0) {
                out.write((int) ((v & 0x7f) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
