package io.simforge.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import io.simforge.core.model.Preprocessing;
import io.simforge.infer.ModelCheck;
import io.simforge.models.Architecture;
import io.simforge.models.SavedModel;
import io.simforge.onnx.ModelProto;
import io.simforge.onnx.OnnxReader;
import io.simforge.onnx.OnnxWriter;
import io.simforge.onnx.TensorProto;
import io.simforge.train.UntrainedNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelVerifierTest {
    @TempDir
    Path dir;

    private static Map<String, ModelCheck> byName(List<ModelCheck> checks) {
        return checks.stream().collect(Collectors.toMap(ModelCheck::name, c -> c));
    }

    @Test
    void aSoundExportPassesEveryCheckAndDamageIsNamed() throws Exception {
        Architecture arch = Architecture.convNet(1, 28, 28, 16, 4, 8);
        Path saved = dir.resolve("model");
        try (Model m = UntrainedNetwork.create(arch, 2)) {
            SavedModel.save(saved, m.getBlock(), new SavedModel.Description(SavedModel.FORMAT_VERSION, arch,
                    Preprocessing.fashionMnist(), "{}"));
        }
        Path onnx = dir.resolve("model.onnx");
        ModelExport.exportSaved(saved, onnx, OnnxExporter.DEFAULT_OPSET);
        List<ModelCheck> ok = ModelVerifier.verify(onnx, saved);
        assertEquals(List.of("file", "graph", "opset", "metadata", "settings", "weights", "runs", "parity"),
                ok.stream().map(ModelCheck::name).toList());
        ok.forEach(c -> assertTrue(c.passed(), c.name() + ": " + c.detail()));

        // Weights changed after export: the checksum check fails and says so.
        ModelProto model = OnnxReader.read(onnx);
        TensorProto w = model.graph().initializers().get(0);
        byte[] raw = new byte[w.rawData().remaining()];
        w.rawData().get(raw);
        raw[0] ^= 0x40;
        Path tampered = dir.resolve("tampered.onnx");
        OnnxWriter.write(model.toBuilder().setGraph(model.graph().toBuilder().setInitializer(0,
                w.toBuilder().optRawData(raw).build()).build()).build(), tampered);
        ModelCheck weights = byName(ModelVerifier.verify(tampered, null)).get("weights");
        assertFalse(weights.passed());
        assertTrue(weights.detail().contains("changed or damaged after export"), weights.detail());

        // A truncated file stops at the first check.
        Path truncated = dir.resolve("truncated.onnx");
        byte[] all = Files.readAllBytes(onnx);
        Files.write(truncated, java.util.Arrays.copyOf(all, all.length / 2));
        List<ModelCheck> cut = ModelVerifier.verify(truncated, null);
        assertEquals(1, cut.size());
        assertFalse(cut.get(0).passed());
        assertTrue(cut.get(0).detail().contains("truncated, damaged or not ONNX"), cut.get(0).detail());

        // A model from another architecture fails the parity check by name.
        Path other = dir.resolve("other");
        Architecture wide = Architecture.convNet(1, 28, 28, 32, 4, 8);
        try (Model m = UntrainedNetwork.create(wide, 2)) {
            SavedModel.save(other, m.getBlock(), new SavedModel.Description(SavedModel.FORMAT_VERSION, wide,
                    Preprocessing.fashionMnist(), "{}"));
        }
        ModelCheck parity = byName(ModelVerifier.verify(onnx, other)).get("parity");
        assertFalse(parity.passed());
        assertTrue(parity.detail().contains("different models"), parity.detail());
    }
}
