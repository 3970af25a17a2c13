package io.simforge.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Decodes ONNX models from the protobuf wire format into {@link ModelProto}. Fields it does not model are
 * skipped; corrupt, truncated or foreign input ends in an {@link OnnxFormatException} that names the source,
 * never in another exception (see {@link ProtoReader}). Field numbers are those of {@code onnx/onnx.proto3}.
 */
public final class OnnxReader {
    /** Files up to this size are read into the heap; larger ones are memory-mapped. */
    static final long MAP_ABOVE_BYTES = 256L << 20;

    private OnnxReader() {}

    /**
     * Reads a model file of up to 2 GiB. Files over {@value #MAP_ABOVE_BYTES} bytes are memory-mapped, and
     * the model's raw tensor data then stays in the mapping: do not shorten the file while the model is in use.
     * External data is not read here; see {@link ExternalData}.
     */
    public static ModelProto read(Path file) throws IOException {
        return read(file, MAP_ABOVE_BYTES);
    }

    static ModelProto read(Path file, long mapAboveBytes) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist or is not a file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new OnnxFormatException(file + " has " + size + " bytes, more than one ONNX file can hold (2 GiB); "
                        + "it is damaged or not ONNX (larger models keep their weights in external data files)");
            }
            ByteBuffer bytes;
            if (size > mapAboveBytes) {
                bytes = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            } else {
                bytes = ByteBuffer.allocate((int) size);
                while (bytes.hasRemaining() && ch.read(bytes) >= 0) {
                    // read fully
                }
                bytes.flip();
            }
            return read(bytes, file.toString());
        }
    }

    /** Decodes a model from bytes; {@code source} names them in error messages. */
    public static ModelProto read(byte[] bytes, String source) throws OnnxFormatException {
        return read(ByteBuffer.wrap(bytes), source);
    }

    /**
     * Decodes a model from the buffer's remaining bytes (which it does not move); tensors' raw data are views of
     * the buffer, not copies.
     */
    public static ModelProto read(ByteBuffer bytes, String source) throws OnnxFormatException {
        ProtoReader r = ProtoReader.over(bytes, source);
        try {
            return model(r);
        } catch (OnnxFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            // A guard missed somewhere: still the caller's exception, with what we know.
            throw new OnnxFormatException(source + ": cannot be decoded (" + e + ") at byte " + r.position()
                    + "; it is damaged or not ONNX", e);
        }
    }

    private static ModelProto model(ProtoReader r) throws OnnxFormatException {
        ModelProto.Builder b = ModelProto.builder();
        String producerName = "";
        String producerVersion = "";
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            switch (tag >>> 3) {
                case 1 -> {
                    if (wire == ProtoReader.VARINT) {
                        b.setIrVersion(r.varint());
                    } else {
                        r.skip(wire);
                    }
                }
                case 2 -> producerName = wire == ProtoReader.LENGTH_DELIMITED ? r.string() : skip(r, wire, producerName);
                case 3 -> producerVersion = wire == ProtoReader.LENGTH_DELIMITED ? r.string()
                        : skip(r, wire, producerVersion);
                case 4 -> {
                    if (wire == ProtoReader.LENGTH_DELIMITED) {
                        b.optDomain(r.string());
                    } else {
                        r.skip(wire);
                    }
                }
                case 5 -> {
                    if (wire == ProtoReader.VARINT) {
                        b.optModelVersion(r.varint());
                    } else {
                        r.skip(wire);
                    }
                }
                case 6 -> {
                    if (wire == ProtoReader.LENGTH_DELIMITED) {
                        b.optDocString(r.string());
                    } else {
                        r.skip(wire);
                    }
                }
                case 7 -> {
                    if (wire == ProtoReader.LENGTH_DELIMITED) {
                        b.setGraph(graph(r.message()));
                    } else {
                        r.skip(wire);
                    }
                }
                case 8 -> {
                    if (wire == ProtoReader.LENGTH_DELIMITED) {
                        OperatorSetIdProto o = opset(r.message());
                        b.addOpsetImport(o.domain(), o.version());
                    } else {
                        r.skip(wire);
                    }
                }
                case 14 -> {
                    if (wire == ProtoReader.LENGTH_DELIMITED) {
                        StringStringEntryProto e = entry(r.message());
                        b.addMetadata(e.key(), e.value());
                    } else {
                        r.skip(wire);
                    }
                }
                default -> r.skip(wire);
            }
        }
        return b.optProducer(producerName, producerVersion).buildAllowingNoGraph();
    }

    private static <T> T skip(ProtoReader r, int wire, T keep) throws OnnxFormatException {
        r.skip(wire);
        return keep;
    }

    private static OperatorSetIdProto opset(ProtoReader r) throws OnnxFormatException {
        String domain = "";
        long version = 0;
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            int field = tag >>> 3;
            if (field == 1 && wire == ProtoReader.LENGTH_DELIMITED) {
                domain = r.string();
            } else if (field == 2 && wire == ProtoReader.VARINT) {
                version = r.varint();
            } else {
                r.skip(wire);
            }
        }
        return new OperatorSetIdProto(domain, version);
    }

    private static StringStringEntryProto entry(ProtoReader r) throws OnnxFormatException {
        String key = "";
        String value = "";
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            int field = tag >>> 3;
            if (field == 1 && wire == ProtoReader.LENGTH_DELIMITED) {
                key = r.string();
            } else if (field == 2 && wire == ProtoReader.LENGTH_DELIMITED) {
                value = r.string();
            } else {
                r.skip(wire);
            }
        }
        return new StringStringEntryProto(key, value);
    }

    private static GraphProto graph(ProtoReader r) throws OnnxFormatException {
        GraphProto.Builder b = GraphProto.builder();
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            if (wire != ProtoReader.LENGTH_DELIMITED) {
                r.skip(wire);
                continue;
            }
            switch (tag >>> 3) {
                case 1 -> b.addNode(node(r.message()));
                case 2 -> b.optName(r.string());
                case 5 -> b.addInitializer(tensor(r.message()));
                case 10 -> b.optDocString(r.string());
                case 11 -> b.addInput(valueInfo(r.message()));
                case 12 -> b.addOutput(valueInfo(r.message()));
                case 13 -> b.addValueInfo(valueInfo(r.message()));
                default -> r.skip(wire);
            }
        }
        return b.build();
    }

    private static NodeProto node(ProtoReader r) throws OnnxFormatException {
        NodeProto.Builder b = NodeProto.builder().setOpType("");
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            if (wire != ProtoReader.LENGTH_DELIMITED) {
                r.skip(wire);
                continue;
            }
            switch (tag >>> 3) {
                case 1 -> b.addInput(r.string());
                case 2 -> b.addOutput(r.string());
                case 3 -> b.optName(r.string());
                case 4 -> b.setOpType(r.string());
                case 5 -> b.addAttribute(attribute(r.message()));
                case 6 -> b.optDocString(r.string());
                case 7 -> b.optDomain(r.string());
                default -> r.skip(wire);
            }
        }
        return b.build();
    }

    private static AttributeProto attribute(ProtoReader r) throws OnnxFormatException {
        AttributeProto.Builder b = AttributeProto.builder().setName("");
        Primitives.FloatList floats = new Primitives.FloatList();
        Primitives.LongList ints = new Primitives.LongList();
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            boolean delimited = wire == ProtoReader.LENGTH_DELIMITED;
            switch (tag >>> 3) {
                case 1 -> {
                    if (delimited) {
                        b.setName(r.string());
                    } else {
                        r.skip(wire);
                    }
                }
                case 2 -> {
                    if (wire == ProtoReader.FIXED32) {
                        b.optF(Float.intBitsToFloat(r.fixed32()));
                    } else {
                        r.skip(wire);
                    }
                }
                case 3 -> {
                    if (wire == ProtoReader.VARINT) {
                        b.optI(r.varint());
                    } else {
                        r.skip(wire);
                    }
                }
                case 4 -> {
                    if (delimited) {
                        b.optS(r.bytes());
                    } else {
                        r.skip(wire);
                    }
                }
                case 5 -> {
                    if (delimited) {
                        b.optT(tensor(r.message()));
                    } else {
                        r.skip(wire);
                    }
                }
                case 6 -> {
                    if (delimited) {
                        b.optG(graph(r.message()));
                    } else {
                        r.skip(wire);
                    }
                }
                case 7 -> {
                    if (delimited || wire == ProtoReader.FIXED32) {
                        r.floats(wire, floats);
                    } else {
                        r.skip(wire);
                    }
                }
                case 8 -> {
                    if (delimited || wire == ProtoReader.VARINT) {
                        r.varints(wire, ints);
                    } else {
                        r.skip(wire);
                    }
                }
                case 9 -> {
                    if (delimited) {
                        b.addString(r.bytes());
                    } else {
                        r.skip(wire);
                    }
                }
                case 10 -> {
                    if (delimited) {
                        b.addTensor(tensor(r.message()));
                    } else {
                        r.skip(wire);
                    }
                }
                case 11 -> {
                    if (delimited) {
                        b.addGraph(graph(r.message()));
                    } else {
                        r.skip(wire);
                    }
                }
                case 13 -> {
                    if (delimited) {
                        b.optDocString(r.string());
                    } else {
                        r.skip(wire);
                    }
                }
                case 20 -> {
                    if (wire == ProtoReader.VARINT) {
                        b.setType((int) r.varint());
                    } else {
                        r.skip(wire);
                    }
                }
                default -> r.skip(wire);
            }
        }
        return b.optFloats(floats.toArray()).optInts(ints.toArray()).build();
    }

    private static TensorProto tensor(ProtoReader r) throws OnnxFormatException {
        TensorProto.Builder b = TensorProto.builder();
        Primitives.LongList dims = new Primitives.LongList();
        Primitives.FloatList floatData = new Primitives.FloatList();
        Primitives.LongList int32Data = new Primitives.LongList();
        Primitives.LongList int64Data = new Primitives.LongList();
        Primitives.DoubleList doubleData = new Primitives.DoubleList();
        Primitives.LongList uint64Data = new Primitives.LongList();
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            boolean delimited = wire == ProtoReader.LENGTH_DELIMITED;
            boolean varintOrPacked = delimited || wire == ProtoReader.VARINT;
            switch (tag >>> 3) {
                case 1 -> {
                    if (varintOrPacked) {
                        r.varints(wire, dims);
                    } else {
                        r.skip(wire);
                    }
                }
                case 2 -> {
                    if (wire == ProtoReader.VARINT) {
                        b.setDataType((int) r.varint());
                    } else {
                        r.skip(wire);
                    }
                }
                case 4 -> {
                    if (delimited || wire == ProtoReader.FIXED32) {
                        r.floats(wire, floatData);
                    } else {
                        r.skip(wire);
                    }
                }
                case 5 -> {
                    if (varintOrPacked) {
                        r.varints(wire, int32Data);
                    } else {
                        r.skip(wire);
                    }
                }
                case 6 -> {
                    if (delimited) {
                        b.addStringData(r.bytes());
                    } else {
                        r.skip(wire);
                    }
                }
                case 7 -> {
                    if (varintOrPacked) {
                        r.varints(wire, int64Data);
                    } else {
                        r.skip(wire);
                    }
                }
                case 8 -> {
                    if (delimited) {
                        b.setName(r.string());
                    } else {
                        r.skip(wire);
                    }
                }
                case 9 -> {
                    if (delimited) {
                        b.optRawData(r.bytes());
                    } else {
                        r.skip(wire);
                    }
                }
                case 10 -> {
                    if (delimited || wire == ProtoReader.FIXED64) {
                        r.doubles(wire, doubleData);
                    } else {
                        r.skip(wire);
                    }
                }
                case 11 -> {
                    if (varintOrPacked) {
                        r.varints(wire, uint64Data);
                    } else {
                        r.skip(wire);
                    }
                }
                case 12 -> {
                    if (delimited) {
                        b.optDocString(r.string());
                    } else {
                        r.skip(wire);
                    }
                }
                case 13 -> {
                    if (delimited) {
                        StringStringEntryProto e = entry(r.message());
                        b.addExternalData(e.key(), e.value());
                    } else {
                        r.skip(wire);
                    }
                }
                case 14 -> {
                    if (wire == ProtoReader.VARINT) {
                        b.optDataLocation((int) r.varint());
                    } else {
                        r.skip(wire);
                    }
                }
                default -> r.skip(wire);
            }
        }
        return b.setDims(dims.toArray()).optFloatData(floatData.toArray()).optInt32Data(int32Data.toIntArray())
                .optInt64Data(int64Data.toArray()).optDoubleData(doubleData.toArray())
                .optUint64Data(uint64Data.toArray()).build();
    }

    private static ValueInfoProto valueInfo(ProtoReader r) throws OnnxFormatException {
        String name = "";
        TypeProto type = null;
        String doc = "";
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            if (wire != ProtoReader.LENGTH_DELIMITED) {
                r.skip(wire);
                continue;
            }
            switch (tag >>> 3) {
                case 1 -> name = r.string();
                case 2 -> type = type(r.message());
                case 3 -> doc = r.string();
                default -> r.skip(wire);
            }
        }
        return new ValueInfoProto(name, type, doc);
    }

    private static TypeProto type(ProtoReader r) throws OnnxFormatException {
        TypeProto.Tensor tensor = null;
        String denotation = "";
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            if (wire != ProtoReader.LENGTH_DELIMITED) {
                r.skip(wire);
                continue;
            }
            switch (tag >>> 3) {
                case 1 -> tensor = tensorType(r.message());
                case 6 -> denotation = r.string();
                default -> r.skip(wire); // sequence, map, optional, sparse tensor: not modelled
            }
        }
        return new TypeProto(tensor, denotation);
    }

    private static TypeProto.Tensor tensorType(ProtoReader r) throws OnnxFormatException {
        int elemType = 0;
        TensorShapeProto shape = null;
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            int field = tag >>> 3;
            if (field == 1 && wire == ProtoReader.VARINT) {
                elemType = (int) r.varint();
            } else if (field == 2 && wire == ProtoReader.LENGTH_DELIMITED) {
                shape = shape(r.message());
            } else {
                r.skip(wire);
            }
        }
        return new TypeProto.Tensor(elemType, shape);
    }

    private static TensorShapeProto shape(ProtoReader r) throws OnnxFormatException {
        java.util.List<TensorShapeProto.Dimension> dims = new java.util.ArrayList<>();
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            if (tag >>> 3 == 1 && wire == ProtoReader.LENGTH_DELIMITED) {
                dims.add(dimension(r.message()));
            } else {
                r.skip(wire);
            }
        }
        return new TensorShapeProto(dims);
    }

    private static TensorShapeProto.Dimension dimension(ProtoReader r) throws OnnxFormatException {
        Long value = null;
        String param = null;
        String denotation = "";
        while (r.hasMore()) {
            int tag = r.tag();
            int wire = tag & 7;
            int field = tag >>> 3;
            if (field == 1 && wire == ProtoReader.VARINT) {
                value = r.varint();
                param = null; // a oneof: the last member read wins
            } else if (field == 2 && wire == ProtoReader.LENGTH_DELIMITED) {
                param = r.string();
                value = null;
            } else if (field == 3 && wire == ProtoReader.LENGTH_DELIMITED) {
                denotation = r.string();
            } else {
                r.skip(wire);
            }
        }
        return new TensorShapeProto.Dimension(value, param, denotation);
    }
}
