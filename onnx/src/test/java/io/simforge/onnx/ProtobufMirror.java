package io.simforge.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;

/**
 * Converts between this module's IR and protobuf-java's generated ONNX classes field by field, through the
 * generated getters and setters only, so protobuf stays an independent implementation of the wire format.
 * Only fields with a non-default value are set on the protobuf side (proto3 rules, which our writer follows).
 */
final class ProtobufMirror {
    private ProtobufMirror() {}

    static OnnxMl.ModelProto toProtobuf(ModelProto m) {
        OnnxMl.ModelProto.Builder b = OnnxMl.ModelProto.newBuilder();
        if (m.irVersion() != 0) {
            b.setIrVersion(m.irVersion());
        }
        m.opsetImports().forEach(o -> {
            OnnxMl.OperatorSetIdProto.Builder ob = OnnxMl.OperatorSetIdProto.newBuilder();
            if (!o.domain().isEmpty()) {
                ob.setDomain(o.domain());
            }
            if (o.version() != 0) {
                ob.setVersion(o.version());
            }
            b.addOpsetImport(ob);
        });
        if (!m.producerName().isEmpty()) {
            b.setProducerName(m.producerName());
        }
        if (!m.producerVersion().isEmpty()) {
            b.setProducerVersion(m.producerVersion());
        }
        if (!m.domain().isEmpty()) {
            b.setDomain(m.domain());
        }
        if (m.modelVersion() != 0) {
            b.setModelVersion(m.modelVersion());
        }
        if (!m.docString().isEmpty()) {
            b.setDocString(m.docString());
        }
        if (m.graph() != null) {
            b.setGraph(toProtobuf(m.graph()));
        }
        m.metadataProps().forEach(e -> b.addMetadataProps(entry(e)));
        return b.build();
    }

    private static OnnxMl.StringStringEntryProto entry(StringStringEntryProto e) {
        OnnxMl.StringStringEntryProto.Builder b = OnnxMl.StringStringEntryProto.newBuilder();
        if (!e.key().isEmpty()) {
            b.setKey(e.key());
        }
        if (!e.value().isEmpty()) {
            b.setValue(e.value());
        }
        return b.build();
    }

    static OnnxMl.GraphProto toProtobuf(GraphProto g) {
        OnnxMl.GraphProto.Builder b = OnnxMl.GraphProto.newBuilder();
        if (!g.name().isEmpty()) {
            b.setName(g.name());
        }
        if (!g.docString().isEmpty()) {
            b.setDocString(g.docString());
        }
        g.nodes().forEach(n -> b.addNode(toProtobuf(n)));
        g.initializers().forEach(t -> b.addInitializer(toProtobuf(t)));
        g.inputs().forEach(v -> b.addInput(toProtobuf(v)));
        g.outputs().forEach(v -> b.addOutput(toProtobuf(v)));
        g.valueInfo().forEach(v -> b.addValueInfo(toProtobuf(v)));
        return b.build();
    }

    static OnnxMl.NodeProto toProtobuf(NodeProto n) {
        OnnxMl.NodeProto.Builder b = OnnxMl.NodeProto.newBuilder().addAllInput(n.inputs()).addAllOutput(n.outputs());
        if (!n.name().isEmpty()) {
            b.setName(n.name());
        }
        if (!n.opType().isEmpty()) {
            b.setOpType(n.opType());
        }
        if (!n.domain().isEmpty()) {
            b.setDomain(n.domain());
        }
        if (!n.docString().isEmpty()) {
            b.setDocString(n.docString());
        }
        n.attributes().forEach(a -> b.addAttribute(toProtobuf(a)));
        return b.build();
    }

    static OnnxMl.AttributeProto toProtobuf(AttributeProto a) {
        OnnxMl.AttributeProto.Builder b = OnnxMl.AttributeProto.newBuilder();
        if (!a.name().isEmpty()) {
            b.setName(a.name());
        }
        if (a.type() != 0) {
            b.setType(OnnxMl.AttributeProto.AttributeType.forNumber(a.type()));
        }
        if (Float.floatToRawIntBits(a.f()) != 0) {
            b.setF(a.f());
        }
        if (a.i() != 0) {
            b.setI(a.i());
        }
        if (a.s().hasRemaining()) {
            b.setS(ByteString.copyFrom(a.s()));
        }
        if (a.t() != null) {
            b.setT(toProtobuf(a.t()));
        }
        if (a.g() != null) {
            b.setG(toProtobuf(a.g()));
        }
        for (float f : a.floats()) {
            b.addFloats(f);
        }
        for (long i : a.ints()) {
            b.addInts(i);
        }
        a.strings().forEach(s -> b.addStrings(ByteString.copyFrom(s)));
        a.tensors().forEach(t -> b.addTensors(toProtobuf(t)));
        a.graphs().forEach(g -> b.addGraphs(toProtobuf(g)));
        if (!a.docString().isEmpty()) {
            b.setDocString(a.docString());
        }
        return b.build();
    }

    static OnnxMl.TensorProto toProtobuf(TensorProto t) {
        OnnxMl.TensorProto.Builder b = OnnxMl.TensorProto.newBuilder();
        for (long d : t.dims()) {
            b.addDims(d);
        }
        if (t.dataType() != 0) {
            b.setDataType(t.dataType());
        }
        for (float f : t.floatData()) {
            b.addFloatData(f);
        }
        for (int i : t.int32Data()) {
            b.addInt32Data(i);
        }
        t.stringData().forEach(s -> b.addStringData(ByteString.copyFrom(s)));
        for (long i : t.int64Data()) {
            b.addInt64Data(i);
        }
        if (!t.name().isEmpty()) {
            b.setName(t.name());
        }
        if (t.rawData().hasRemaining()) {
            b.setRawData(ByteString.copyFrom(t.rawData()));
        }
        for (double d : t.doubleData()) {
            b.addDoubleData(d);
        }
        for (long u : t.uint64Data()) {
            b.addUint64Data(u);
        }
        if (!t.docString().isEmpty()) {
            b.setDocString(t.docString());
        }
        t.externalData().forEach(e -> b.addExternalData(entry(e)));
        if (t.dataLocation() != 0) {
            b.setDataLocation(OnnxMl.TensorProto.DataLocation.forNumber(t.dataLocation()));
        }
        return b.build();
    }

    static OnnxMl.ValueInfoProto toProtobuf(ValueInfoProto v) {
        OnnxMl.ValueInfoProto.Builder b = OnnxMl.ValueInfoProto.newBuilder();
        if (!v.name().isEmpty()) {
            b.setName(v.name());
        }
        if (!v.docString().isEmpty()) {
            b.setDocString(v.docString());
        }
        if (v.type() != null) {
            OnnxMl.TypeProto.Builder tb = OnnxMl.TypeProto.newBuilder();
            if (!v.type().denotation().isEmpty()) {
                tb.setDenotation(v.type().denotation());
            }
            TypeProto.Tensor t = v.type().tensorType();
            if (t != null) {
                OnnxMl.TypeProto.Tensor.Builder ttb = OnnxMl.TypeProto.Tensor.newBuilder();
                if (t.elemType() != 0) {
                    ttb.setElemType(t.elemType());
                }
                if (t.shape() != null) {
                    OnnxMl.TensorShapeProto.Builder sb = OnnxMl.TensorShapeProto.newBuilder();
                    for (TensorShapeProto.Dimension d : t.shape().dims()) {
                        OnnxMl.TensorShapeProto.Dimension.Builder db = OnnxMl.TensorShapeProto.Dimension.newBuilder();
                        if (d.value() != null) {
                            db.setDimValue(d.value());
                        }
                        if (d.param() != null) {
                            db.setDimParam(d.param());
                        }
                        if (!d.denotation().isEmpty()) {
                            db.setDenotation(d.denotation());
                        }
                        sb.addDim(db);
                    }
                    ttb.setShape(sb);
                }
                tb.setTensorType(ttb);
            }
            b.setType(tb);
        }
        return b.build();
    }

    // ---- protobuf → IR: what our decoder must produce for the fields we model ----

    static ModelProto fromProtobuf(OnnxMl.ModelProto m) {
        ModelProto.Builder b = ModelProto.builder().setIrVersion(m.getIrVersion())
                .optProducer(m.getProducerName(), m.getProducerVersion()).optDomain(m.getDomain())
                .optModelVersion(m.getModelVersion()).optDocString(m.getDocString())
                .setGraph(m.hasGraph() ? fromProtobuf(m.getGraph()) : null);
        m.getOpsetImportList().forEach(o -> b.addOpsetImport(o.getDomain(), o.getVersion()));
        m.getMetadataPropsList().forEach(e -> b.addMetadata(e.getKey(), e.getValue()));
        return b.buildAllowingNoGraph();
    }

    static GraphProto fromProtobuf(OnnxMl.GraphProto g) {
        GraphProto.Builder b = GraphProto.builder().optName(g.getName()).optDocString(g.getDocString());
        g.getNodeList().forEach(n -> b.addNode(fromProtobuf(n)));
        g.getInitializerList().forEach(t -> b.addInitializer(fromProtobuf(t)));
        g.getInputList().forEach(v -> b.addInput(fromProtobuf(v)));
        g.getOutputList().forEach(v -> b.addOutput(fromProtobuf(v)));
        g.getValueInfoList().forEach(v -> b.addValueInfo(fromProtobuf(v)));
        return b.build();
    }

    static NodeProto fromProtobuf(OnnxMl.NodeProto n) {
        return new NodeProto(n.getInputList(), n.getOutputList(), n.getName(), n.getOpType(), n.getDomain(),
                n.getAttributeList().stream().map(ProtobufMirror::fromProtobuf).toList(), n.getDocString());
    }

    static AttributeProto fromProtobuf(OnnxMl.AttributeProto a) {
        AttributeProto.Builder b = AttributeProto.builder().setName(a.getName()).setType(a.getType().getNumber())
                .optF(a.getF()).optI(a.getI()).optS(a.getS().asReadOnlyByteBuffer())
                .optT(a.hasT() ? fromProtobuf(a.getT()) : null).optG(a.hasG() ? fromProtobuf(a.getG()) : null)
                .optFloats(toFloats(a.getFloatsList())).optInts(a.getIntsList().stream().mapToLong(Long::longValue).toArray())
                .optDocString(a.getDocString());
        a.getStringsList().forEach(s -> b.addString(s.asReadOnlyByteBuffer()));
        a.getTensorsList().forEach(t -> b.addTensor(fromProtobuf(t)));
        a.getGraphsList().forEach(g -> b.addGraph(fromProtobuf(g)));
        return b.build();
    }

    static TensorProto fromProtobuf(OnnxMl.TensorProto t) {
        TensorProto.Builder b = TensorProto.builder().setName(t.getName())
                .setDims(t.getDimsList().stream().mapToLong(Long::longValue).toArray()).setDataType(t.getDataType())
                .optRawData(t.getRawData().isEmpty() ? null : t.getRawData().asReadOnlyByteBuffer())
                .optFloatData(toFloats(t.getFloatDataList()))
                .optInt32Data(t.getInt32DataList().stream().mapToInt(Integer::intValue).toArray())
                .optInt64Data(t.getInt64DataList().stream().mapToLong(Long::longValue).toArray())
                .optDoubleData(t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray())
                .optUint64Data(t.getUint64DataList().stream().mapToLong(Long::longValue).toArray())
                .optDataLocation(t.getDataLocation().getNumber()).optDocString(t.getDocString());
        t.getStringDataList().forEach(s -> b.addStringData(s.asReadOnlyByteBuffer()));
        t.getExternalDataList().forEach(e -> b.addExternalData(e.getKey(), e.getValue()));
        return b.build();
    }

    static ValueInfoProto fromProtobuf(OnnxMl.ValueInfoProto v) {
        TypeProto type = null;
        if (v.hasType()) {
            TypeProto.Tensor tensor = null;
            if (v.getType().hasTensorType()) {
                OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
                TensorShapeProto shape = t.hasShape() ? new TensorShapeProto(t.getShape().getDimList().stream()
                        .map(d -> new TensorShapeProto.Dimension(d.hasDimValue() ? d.getDimValue() : null,
                                d.hasDimParam() ? d.getDimParam() : null, d.getDenotation())).toList()) : null;
                tensor = new TypeProto.Tensor(t.getElemType(), shape);
            }
            type = new TypeProto(tensor, v.getType().getDenotation());
        }
        return new ValueInfoProto(v.getName(), type, v.getDocString());
    }

    private static float[] toFloats(java.util.List<Float> list) {
        float[] r = new float[list.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = list.get(i);
        }
        return r;
    }
}
