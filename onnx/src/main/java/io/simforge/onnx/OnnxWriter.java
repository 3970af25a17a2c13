package io.simforge.onnx;

import io.simforge.core.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Encodes a {@link ModelProto} in the protobuf wire format, fields in field-number order as protobuf itself
 * writes them. Field numbers are those of {@code onnx/onnx.proto3}.
 */
public final class OnnxWriter {
    /** One protobuf message cannot exceed 2 GiB − 1 bytes; larger models keep their weights in external data. */
    public static final long MAX_MODEL_BYTES = Integer.MAX_VALUE;

    private OnnxWriter() {}

    /** The encoded size in bytes. */
    public static long serializedSize(ModelProto model) {
        ProtoEmitter.SizeCounter size = new ProtoEmitter.SizeCounter();
        try {
            model(model, size);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // counting does no I/O
        }
        return size.count();
    }

    /** The model's bytes. */
    public static byte[] toBytes(ModelProto model) {
        long size = checkedSize(model);
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
        try {
            write(model, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does no I/O
        }
        return out.toByteArray();
    }

    /** Writes the model's bytes to {@code out} (not closed). */
    public static void write(ModelProto model, OutputStream out) throws IOException {
        checkedSize(model);
        ProtoEmitter.StreamWriter w = new ProtoEmitter.StreamWriter(out);
        model(model, w);
        w.flush();
    }

    /** Writes the model to {@code file} atomically (a temporary file renamed into place). */
    public static void write(ModelProto model, Path file) throws IOException {
        checkedSize(model);
        AtomicFiles.write(file, out -> write(model, out));
    }

    /**
     * Writes a copy of the model file {@code source} to {@code target} (atomically) with {@code entries} added to its
     * {@code metadata_props}: the source's bytes unchanged, then one {@code metadata_props} field (number 14) per
     * entry. Protobuf merges repeated fields that appear again later in a message, so every reader sees the model
     * with the added entries, and nothing of the model — fields this package does not model included — is lost.
     *
     * @throws IllegalArgumentException when the copy would exceed the 2 GiB one ONNX file can hold
     */
    public static void appendMetadata(Path source, Path target, java.util.Map<String, String> entries)
            throws IOException {
        java.io.ByteArrayOutputStream tail = new java.io.ByteArrayOutputStream();
        for (java.util.Map.Entry<String, String> e : entries.entrySet()) {
            byte[] key = e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] value = e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            java.io.ByteArrayOutputStream entry = new java.io.ByteArrayOutputStream();
            entry.write(0x0a); // StringStringEntryProto.key = 1, length-delimited
            varint(entry, key.length);
            entry.write(key);
            entry.write(0x12); // value = 2, length-delimited
            varint(entry, value.length);
            entry.write(value);
            tail.write((14 << 3) | 2); // ModelProto.metadata_props = 14, length-delimited
            varint(tail, entry.size());
            entry.writeTo(tail);
        }
        if (java.nio.file.Files.size(source) + tail.size() > MAX_MODEL_BYTES) {
            throw new IllegalArgumentException(source + " with its new metadata would exceed the 2 GiB one ONNX file "
                    + "can hold");
        }
        AtomicFiles.write(target, out -> {
            java.nio.file.Files.copy(source, out);
            tail.writeTo(out);
        });
    }

    private static void varint(java.io.ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long checkedSize(ModelProto model) {
        long size = serializedSize(model);
        if (size > MAX_MODEL_BYTES) {
            throw new IllegalArgumentException("the model takes " + size + " bytes, over the 2 GiB one ONNX file can "
                    + "hold: keep its weights in external data (ExternalData.write)");
        }
        return size;
    }

    static void model(ModelProto m, ProtoEmitter out) throws IOException {
        out.int64(1, m.irVersion());
        out.string(2, m.producerName());
        out.string(3, m.producerVersion());
        out.string(4, m.domain());
        out.int64(5, m.modelVersion());
        out.string(6, m.docString());
        out.message(7, m.graph(), OnnxWriter::graph);
        out.messages(8, m.opsetImports(), OnnxWriter::opset);
        out.messages(14, m.metadataProps(), OnnxWriter::entry);
    }

    private static void opset(OperatorSetIdProto o, ProtoEmitter out) throws IOException {
        out.string(1, o.domain());
        out.int64(2, o.version());
    }

    private static void entry(StringStringEntryProto e, ProtoEmitter out) throws IOException {
        out.string(1, e.key());
        out.string(2, e.value());
    }

    static void graph(GraphProto g, ProtoEmitter out) throws IOException {
        out.messages(1, g.nodes(), OnnxWriter::node);
        out.string(2, g.name());
        out.messages(5, g.initializers(), OnnxWriter::tensor);
        out.string(10, g.docString());
        out.messages(11, g.inputs(), OnnxWriter::valueInfo);
        out.messages(12, g.outputs(), OnnxWriter::valueInfo);
        out.messages(13, g.valueInfo(), OnnxWriter::valueInfo);
    }

    private static void node(NodeProto n, ProtoEmitter out) throws IOException {
        out.strings(1, n.inputs());
        out.strings(2, n.outputs());
        out.string(3, n.name());
        out.string(4, n.opType());
        out.messages(5, n.attributes(), OnnxWriter::attribute);
        out.string(6, n.docString());
        out.string(7, n.domain());
    }

    private static void attribute(AttributeProto a, ProtoEmitter out) throws IOException {
        out.string(1, a.name());
        out.float32(2, a.f());
        out.int64(3, a.i());
        out.bytes(4, a.sView());
        out.message(5, a.t(), OnnxWriter::tensor);
        out.message(6, a.g(), OnnxWriter::graph);
        out.unpackedFloat(7, a.floatsView());
        out.unpackedInt64(8, a.intsView());
        out.bytesList(9, a.stringsView());
        out.messages(10, a.tensors(), OnnxWriter::tensor);
        out.messages(11, a.graphs(), OnnxWriter::graph);
        out.string(13, a.docString());
        out.int64(20, a.type());
    }

    static void tensor(TensorProto t, ProtoEmitter out) throws IOException {
        out.unpackedInt64(1, t.dimsView());
        out.int64(2, t.dataType());
        out.packedFloat(4, t.floatDataView());
        out.packedInt32(5, t.int32DataView());
        out.bytesList(6, t.stringDataView());
        out.packedVarint(7, t.int64DataView());
        out.string(8, t.name());
        out.bytes(9, t.rawDataView());
        out.packedDouble(10, t.doubleDataView());
        out.packedVarint(11, t.uint64DataView());
        out.string(12, t.docString());
        out.messages(13, t.externalData(), OnnxWriter::entry);
        out.int64(14, t.dataLocation());
    }

    private static void valueInfo(ValueInfoProto v, ProtoEmitter out) throws IOException {
        out.string(1, v.name());
        out.message(2, v.type(), OnnxWriter::type);
        out.string(3, v.docString());
    }

    private static void type(TypeProto t, ProtoEmitter out) throws IOException {
        out.message(1, t.tensorType(), OnnxWriter::tensorType);
        out.string(6, t.denotation());
    }

    private static void tensorType(TypeProto.Tensor t, ProtoEmitter out) throws IOException {
        out.int64(1, t.elemType());
        out.message(2, t.shape(), OnnxWriter::shape);
    }

    private static void shape(TensorShapeProto s, ProtoEmitter out) throws IOException {
        out.messages(1, s.dims(), OnnxWriter::dimension);
    }

    private static void dimension(TensorShapeProto.Dimension d, ProtoEmitter out) throws IOException {
        if (d.value() != null) {
            out.int64Always(1, d.value());
        }
        if (d.param() != null) {
            out.stringAlways(2, d.param());
        }
        out.string(3, d.denotation());
    }
}
