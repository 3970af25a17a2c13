package io.simforge.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our reader and writer against protobuf-java's generated ONNX classes (tribuo-util-onnx), an independent
 * implementation of the same schema: what we write, protobuf parses into the same content and would write
 * byte for byte the same; what protobuf writes, including fields we do not model, we read into the same content.
 */
class OnnxWireCrossCheckTest {
    private static final int RANDOM_MODELS = 400;

    @Test
    void randomModelsWrittenByUsParseInProtobufToTheSameContentAndBytes() throws Exception {
        for (int seed = 0; seed < RANDOM_MODELS; seed++) {
            ModelProto ours = new RandomModels(seed).model();
            byte[] bytes = OnnxWriter.toBytes(ours);
            assertEquals(bytes.length, OnnxWriter.serializedSize(ours));
            OnnxMl.ModelProto parsed = OnnxMl.ModelProto.parseFrom(bytes);
            assertTrue(parsed.getUnknownFields().asMap().isEmpty(), "seed " + seed + ": protobuf saw fields it does not know");
            assertEquals(ours, ProtobufMirror.fromProtobuf(parsed), "seed " + seed);
            assertEquals(ProtobufMirror.toProtobuf(ours), parsed, "seed " + seed);
            assertArrayEquals(parsed.toByteArray(), bytes, "seed " + seed + ": protobuf writes the same bytes");
        }
    }

    @Test
    void randomModelsWrittenByProtobufReadBackTheSame() throws Exception {
        for (int seed = 0; seed < RANDOM_MODELS; seed++) {
            OnnxMl.ModelProto proto = ProtobufMirror.toProtobuf(new RandomModels(1000 + seed).model());
            ModelProto ours = OnnxReader.read(proto.toByteArray(), "seed " + seed);
            assertEquals(ProtobufMirror.fromProtobuf(proto), ours, "seed " + seed);
        }
    }

    /** Fields this IR does not model are skipped, wherever they are, and the rest reads as protobuf reads it. */
    @Test
    void fieldsWeDoNotModelAreSkipped() throws Exception {
        OnnxMl.TensorProto weight = OnnxMl.TensorProto.newBuilder().setName("w").setDataType(1).addDims(2)
                .setRawData(ByteString.copyFrom(new byte[8]))
                .setSegment(OnnxMl.TensorProto.Segment.newBuilder().setBegin(0).setEnd(2))
                .addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey("k").setValue("v")).build();
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().setName("g")
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("y").setOverload("o")
                        .addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey("a").setValue("b"))
                        .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("r").setRefAttrName("outer")
                                .setType(OnnxMl.AttributeProto.AttributeType.SPARSE_TENSOR)
                                .setSparseTensor(OnnxMl.SparseTensorProto.newBuilder().setValues(weight).addDims(4))
                                .addTypeProtos(OnnxMl.TypeProto.newBuilder().setDenotation("IMAGE"))))
                .addInitializer(weight)
                .addSparseInitializer(OnnxMl.SparseTensorProto.newBuilder().setValues(weight).addDims(9))
                .addInput(OnnxMl.ValueInfoProto.newBuilder().setName("x").setType(OnnxMl.TypeProto.newBuilder()
                        .setSequenceType(OnnxMl.TypeProto.Sequence.newBuilder().setElemType(OnnxMl.TypeProto.newBuilder()
                                .setMapType(OnnxMl.TypeProto.Map.newBuilder().setKeyType(7))))))
                .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("y").setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1).setShape(OnnxMl.TensorShapeProto
                                .newBuilder().addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("n")
                                        .setDenotation("DATA_BATCH")))))
                        .addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey("c").setValue("d")))
                .addQuantizationAnnotation(OnnxMl.TensorAnnotation.newBuilder().setTensorName("w"))
                .addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey("e").setValue("f")).build();
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder().setIrVersion(10).setGraph(graph)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(21))
                .addTrainingInfo(OnnxMl.TrainingInfoProto.newBuilder().setAlgorithm(graph))
                .addFunctions(OnnxMl.FunctionProto.newBuilder().setName("f").addNode(graph.getNode(0)))
                .addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey("m").setValue("n")).build();
        ModelProto ours = OnnxReader.read(model.toByteArray(), "foreign");
        assertEquals(ProtobufMirror.fromProtobuf(model), ours);
        assertEquals("Relu", ours.graph().nodes().get(0).opType());
        assertEquals(AttributeProto.UNDEFINED + 11, ours.graph().nodes().get(0).attributes().get(0).type());
        assertEquals(null, ours.graph().inputs().get(0).tensorType(), "a sequence type is not a tensor type");
        assertEquals("n", ours.graph().outputs().get(0).tensorType().shape().dims().get(0).param());
        assertEquals(java.util.Map.of("m", "n"), ours.metadata());
    }

    /**
     * proto3 writers pack every repeated scalar, the ONNX schema packs only the typed data fields: dims, ints and
     * floats arrive both ways, typed data unpacked too, and a repeated field may mix both; the reader takes all.
     */
    @Test
    void repeatedScalarsReadPackedAndUnpacked() throws Exception {
        ByteArrayOutputStream tensorBytes = new ByteArrayOutputStream();
        CodedOutputStream t = CodedOutputStream.newInstance(tensorBytes);
        t.writeTag(1, 2); // dims, packed
        t.writeUInt32NoTag(CodedOutputStream.computeInt64SizeNoTag(3) + CodedOutputStream.computeInt64SizeNoTag(300));
        t.writeInt64NoTag(3);
        t.writeInt64NoTag(300);
        t.writeInt64(1, 5); // and one more unpacked
        t.writeInt32(2, 1);
        t.writeFloat(4, 1.5f); // float_data unpacked
        t.writeFloat(4, -2f);
        t.writeInt32(5, -7); // int32_data unpacked, negative (10-byte varint)
        t.writeDouble(10, 0.25); // double_data unpacked
        t.writeString(8, "mixed");
        t.flush();
        ByteArrayOutputStream attrBytes = new ByteArrayOutputStream();
        CodedOutputStream a = CodedOutputStream.newInstance(attrBytes);
        a.writeString(1, "pads");
        a.writeTag(8, 2); // ints, packed
        a.writeUInt32NoTag(CodedOutputStream.computeInt64SizeNoTag(-1) + 1);
        a.writeInt64NoTag(-1);
        a.writeInt64NoTag(2);
        a.writeTag(7, 2); // floats, packed
        a.writeUInt32NoTag(8);
        a.writeFloatNoTag(0.5f);
        a.writeFloatNoTag(4f);
        a.writeInt32(20, 7);
        a.flush();
        ByteArrayOutputStream graphBytes = new ByteArrayOutputStream();
        CodedOutputStream g = CodedOutputStream.newInstance(graphBytes);
        g.writeByteArray(5, tensorBytes.toByteArray());
        ByteArrayOutputStream nodeBytes = new ByteArrayOutputStream();
        CodedOutputStream n = CodedOutputStream.newInstance(nodeBytes);
        n.writeString(4, "Pad");
        n.writeByteArray(5, attrBytes.toByteArray());
        n.flush();
        g.writeByteArray(1, nodeBytes.toByteArray());
        g.flush();
        ByteArrayOutputStream modelBytes = new ByteArrayOutputStream();
        CodedOutputStream m = CodedOutputStream.newInstance(modelBytes);
        m.writeByteArray(7, graphBytes.toByteArray());
        m.flush();
        byte[] bytes = modelBytes.toByteArray();
        ModelProto ours = OnnxReader.read(bytes, "hand-written");
        assertEquals(ProtobufMirror.fromProtobuf(OnnxMl.ModelProto.parseFrom(bytes)), ours);
        TensorProto tensor = ours.graph().initializers().get(0);
        assertArrayEquals(new long[] {3, 300, 5}, tensor.dims());
        assertArrayEquals(new float[] {1.5f, -2f}, tensor.floatData());
        assertArrayEquals(new int[] {-7}, tensor.int32Data());
        assertArrayEquals(new long[] {-1, 2}, ours.graph().nodes().get(0).attribute("pads").ints());
        assertArrayEquals(new float[] {0.5f, 4f}, ours.graph().nodes().get(0).attribute("pads").floats());
    }

    static Stream<Path> existingFiles() {
        return Stream.of(Path.of("../infer/src/test/resources/golden/model-v1.onnx"),
                Path.of("../models/src/test/resources/io/simforge/models/torchvision/resnet18-w4.onnx"),
                Path.of("../models/src/test/resources/io/simforge/models/torchvision/resnet18-w4-folded.onnx"),
                Path.of("../models/src/test/resources/io/simforge/models/torchvision/resnet50-w2-folded.onnx"),
                Path.of("src/test/resources/io/simforge/onnx/v1/convnet-external.onnx"),
                Path.of("src/test/resources/io/simforge/onnx/v1/convnet-fp16.onnx"),
                Path.of("src/test/resources/io/simforge/onnx/v1/scoring-graph.onnx"));
    }

    /** The golden model, PyTorch's torchvision exports and simforge's earlier exports read as protobuf reads them. */
    @ParameterizedTest
    @MethodSource("existingFiles")
    void existingFilesReadAsProtobufReadsThem(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(bytes);
        ModelProto ours = OnnxReader.read(file);
        assertEquals(ProtobufMirror.fromProtobuf(proto), ours, file.toString());
        assertTrue(ours.graph().nodes().size() > 0);
        // And what we write of it, protobuf reads back to the same content.
        assertEquals(ours, ProtobufMirror.fromProtobuf(OnnxMl.ModelProto.parseFrom(OnnxWriter.toBytes(ours))));
    }
}
