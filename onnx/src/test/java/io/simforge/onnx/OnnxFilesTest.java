package io.simforge.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** External data, the weights checksum, the scoring graph and model inspection, on files old and new. */
class OnnxFilesTest {
    private static final Path V1 = Path.of("src/test/resources/io/simforge/onnx/v1");

    @TempDir
    Path dir;

    /** Models exported before this module existed still verify: the digest is computed the same way. */
    @Test
    void checksumsRecordedByEarlierExportsStillVerify() throws Exception {
        for (String name : List.of("convnet-external.onnx", "convnet-fp16.onnx")) {
            ModelProto m = OnnxReader.read(V1.resolve(name));
            assertEquals(m.metadata().get("simforge.weights_sha256"), WeightChecksum.of(m.graph().initializers(), V1), name);
        }
    }

    @Test
    void externalDataIsWrittenAlignedAndReadBackBoundsChecked() throws Exception {
        float[] big = new float[700];
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 0.5f;
        }
        GraphBuilder g = new GraphBuilder(false);
        String small = g.floats("small", new float[] {1, 2}, 2);
        String w1 = g.floats("w", big, 700);
        String w2 = g.floats("w", java.util.Arrays.copyOf(big, 333), 333);
        g.addInput(ValueInfoProto.batched("x", ElementType.FLOAT, 700));
        g.nodeWithOutput("Mul", "y", List.of("x", w1));
        ModelProto inline = ModelProto.builder().setIrVersion(8).addOpsetImport("", 17).setGraph(g.build()).build();
        Path file = dir.resolve("m.onnx");
        ModelProto external = ExternalData.write(inline, file);
        OnnxWriter.write(external, file);

        ModelProto back = OnnxReader.read(file);
        assertTrue(OnnxModelInfo.of(back).usesExternalData());
        assertEquals(java.util.Set.of("m.onnx.data"), OnnxModelInfo.of(back).externalDataFiles());
        assertFalse(back.graph().initializers().get(0).isExternal(), small + " is under 1 KiB and stays inline");
        for (int i = 1; i <= 2; i++) {
            TensorProto t = back.graph().initializers().get(i);
            assertTrue(t.isExternal());
            assertEquals(0, ExternalData.locationOf(t).offset() % ExternalData.ALIGNMENT, "aligned");
            assertArrayEquals(TensorData.toFloats(inline.graph().initializers().get(i), null), TensorData.toFloats(t, dir));
        }
        assertEquals(WeightChecksum.of(inline.graph().initializers(), null), WeightChecksum.of(back.graph().initializers(), dir),
                "the checksum does not depend on where the bytes are");
        assertEquals(w2, back.graph().initializers().get(2).name());

        // A truncated data file, a data file that is missing, a location outside the model's folder.
        Path data = dir.resolve("m.onnx.data");
        byte[] bytes = Files.readAllBytes(data);
        Files.write(data, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        TensorProto last = back.graph().initializers().get(2);
        OnnxFormatException cut = assertThrows(OnnxFormatException.class, () -> TensorData.toFloats(last, dir));
        assertTrue(cut.getMessage().contains("truncated"), cut.getMessage());
        Files.delete(data);
        IOException missing = assertThrows(IOException.class, () -> WeightChecksum.of(back.graph().initializers(), dir));
        assertTrue(missing.getMessage().contains("missing"), missing.getMessage());
        TensorProto escaping = last.toBuilder().clearExternalData().addExternalData("location", "../../etc/passwd").build();
        OnnxFormatException outside = assertThrows(OnnxFormatException.class, () -> ExternalData.read(escaping, dir));
        assertTrue(outside.getMessage().contains("outside the model's folder"), outside.getMessage());
        TensorProto garbled = last.toBuilder().clearExternalData().addExternalData("location", "m.onnx.data")
                .addExternalData("offset", "-5").build();
        assertThrows(OnnxFormatException.class, () -> ExternalData.read(garbled, dir));
    }

    @Test
    void anEarlierExternalDataExportReadsItsWeights() throws Exception {
        Files.copy(V1.resolve("convnet-external.onnx"), dir.resolve("convnet-external.onnx"));
        Files.copy(V1.resolve("convnet-external.onnx.data"), dir.resolve("convnet-external.onnx.data"),
                StandardCopyOption.REPLACE_EXISTING);
        ModelProto m = OnnxReader.read(dir.resolve("convnet-external.onnx"));
        long external = 0;
        for (TensorProto t : m.graph().initializers()) {
            if (t.isExternal()) {
                external++;
                assertEquals(t.elementCount(), TensorData.toFloats(t, dir).length);
            }
        }
        assertTrue(external > 0);
    }

    /** Dims that claim more values than the data holds are refused before anything that size is allocated. */
    @Test
    void tensorValuesAreCheckedAgainstTheirDims() throws Exception {
        TensorProto lying = TensorProto.ofFloats("w", new float[] {1, 2}, 2).toBuilder().setDims(2_000_000_000L).build();
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> TensorData.toFloats(lying, null));
        assertTrue(e.getMessage().contains("8 bytes of data for dims [2000000000]"), e.getMessage());
        TensorProto typed = TensorProto.builder().setName("t").setDataType(ElementType.FLOAT16.number()).setDims(3)
                .optInt32Data(0x3c00, 0xc000).build();
        assertThrows(OnnxFormatException.class, () -> TensorData.toFloats(typed, null));
        TensorProto half = typed.toBuilder().setDims(2).build();
        assertArrayEquals(new float[] {1f, -2f}, TensorData.toFloats(half, null));
        TensorProto overflow = lying.toBuilder().setDims(1L << 40, 1L << 40).build();
        assertThrows(OnnxFormatException.class, () -> TensorData.toFloats(overflow, null));
    }

    /** Large files are memory-mapped rather than read into the heap; they decode the same. */
    @Test
    void aMappedFileReadsAsTheSameModel() throws Exception {
        Path file = V1.resolve("convnet-fp16.onnx");
        assertEquals(OnnxReader.read(file), OnnxReader.read(file, 0));
    }

    /** Today's scoring graph is the graph the hand-encoded protobuf of earlier versions wrote. */
    @Test
    void theScoringGraphIsUnchanged() throws Exception {
        assertEquals(OnnxReader.read(V1.resolve("scoring-graph.onnx")), ScoringGraph.modelProto());
        assertEquals(ScoringGraph.modelProto(), OnnxReader.read(ScoringGraph.model(), "scoring graph"));
    }

    @Test
    void inspectionReportsSignatureOpsetsMetadataAndSymbolicDims() throws Exception {
        OnnxModelInfo info = OnnxModelInfo.read(Path.of("../infer/src/test/resources/golden/model-v1.onnx"));
        assertEquals(8, info.irVersion());
        assertEquals(17, info.defaultOpset());
        assertEquals("simforge", info.producerName());
        assertEquals(1, info.inputs().size());
        OnnxModelInfo.Port in = info.inputs().get(0);
        assertEquals(ElementType.FLOAT.number(), in.elementType());
        assertEquals("batch", in.shape().get(0).param());
        assertEquals("1", info.metadata().get("simforge.format_version"));
        assertFalse(info.usesExternalData());

        OnnxModelInfo scoring = OnnxModelInfo.of(ScoringGraph.modelProto());
        assertEquals(List.of("queries", "gallery", "mask", "k"), scoring.inputs().stream().map(OnnxModelInfo.Port::name).toList());
        assertEquals("indices: int64 [q, k]", scoring.outputs().get(1).toString());
        assertEquals("gallery: float32 [blocks, dim, 128]", scoring.inputs().get(1).toString());

        OnnxModelInfo torch = OnnxModelInfo.read(
                Path.of("../models/src/test/resources/io/simforge/models/torchvision/resnet18-w4.onnx"));
        assertTrue(torch.defaultOpset() > 0);
        assertEquals(1, torch.inputs().size(), "initialisers are not inputs: " + torch.inputs());
    }
}
