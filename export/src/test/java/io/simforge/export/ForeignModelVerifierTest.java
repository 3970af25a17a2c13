package io.simforge.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.infer.ModelAdoption;
import io.simforge.infer.ModelCheck;
import io.simforge.infer.PartialSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simforge verify} on models from elsewhere (issue #14): it reports what it found and which settings are
 * missing instead of one failure, and an adopted copy passes every check. The models are the runtime's fixtures,
 * made by {@code tools/foreign_models.py}.
 */
class ForeignModelVerifierTest {
    @TempDir
    Path dir;

    private static Path foreign(String path) {
        return Path.of("..", "infer", "src", "test", "resources", "foreign").resolve(path);
    }

    private static Map<String, ModelCheck> byName(List<ModelCheck> checks) {
        return checks.stream().collect(Collectors.toMap(ModelCheck::name, c -> c));
    }

    @Test
    void aModelWithoutSettingsGetsWhatWasFoundAndWhatIsMissing() throws Exception {
        Path bare = Files.copy(foreign("dynamo/net.onnx"), dir.resolve("net.onnx"));
        Files.copy(foreign("dynamo/net.onnx.data"), dir.resolve("net.onnx.data"));
        List<ModelCheck> checks = ModelVerifier.verify(bare, null);
        assertEquals(List.of("file", "graph", "opset", "metadata", "settings"),
                checks.stream().map(ModelCheck::name).toList());
        Map<String, ModelCheck> c = byName(checks);
        assertTrue(c.get("graph").passed() && c.get("graph").detail().contains("inputs [pixels: float32 [batch, 3, 32, "
                + "32]], outputs [embedding: float32 [batch, 12]], weights in [net.onnx.data]"), c.get("graph").detail());
        assertTrue(c.get("opset").detail().contains("opset 18"), c.get("opset").detail());
        assertFalse(c.get("settings").passed());
        assertTrue(c.get("settings").detail().contains("normalisation: give --mean and --std"),
                c.get("settings").detail());

        Files.delete(dir.resolve("net.onnx.data"));
        ModelCheck graph = byName(ModelVerifier.verify(bare, null)).get("graph");
        assertFalse(graph.passed());
        assertTrue(graph.detail().contains("missing: keep [net.onnx.data] beside the model"), graph.detail());
    }

    @Test
    void aModelWithItsSettingsFilePassesAndSoDoesItsAdoptedCopy() throws Exception {
        List<ModelCheck> checks = ModelVerifier.verify(foreign("classic/net.onnx"), null);
        checks.forEach(c -> assertTrue(c.passed(), c.name() + ": " + c.detail()));
        assertTrue(byName(checks).get("settings").detail().startsWith("from preprocessor_config.json over the graph"),
                byName(checks).get("settings").detail());

        Path adopted = dir.resolve("adopted.onnx");
        ModelAdoption.adopt(foreign("classic/net.onnx"), adopted, PartialSettings.NONE); // no settings file beside it
        Map<String, ModelCheck> c = byName(ModelVerifier.verify(adopted, null));
        c.values().forEach(x -> assertTrue(x.passed(), x.name() + ": " + x.detail()));
        assertTrue(c.get("settings").detail().startsWith("from simforge metadata"), c.get("settings").detail());
        assertTrue(c.get("weights").detail().startsWith("SHA-256 of the weights matches"), c.get("weights").detail());
        assertTrue(c.get("runs").detail().contains("largest |‖e‖ − 1|"), c.get("runs").detail());
    }
}
