package io.simforge.infer;

import io.simforge.core.device.DeviceSpec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.simforge.core.model.ModelMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The inference library alone (no DJL on this module's class path) opens ONNX models exported by format
 * versions 1 and 2 (committed golden files) and reproduces the embeddings computed when they were written.
 */
class EmbedderGoldenTest {

    private static Path golden() throws Exception {
        return Path.of(EmbedderGoldenTest.class.getResource("/golden").toURI());
    }

    private static float[] floats(JsonObject o, String key) {
        var a = o.getAsJsonArray(key);
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }

    @Test
    void version1ModelLoadsAndEmbedsAsWhenItWasWritten() throws Exception {
        JsonObject expected = JsonParser.parseString(Files.readString(golden().resolve("expected-v1.json"))).getAsJsonObject();
        try (Embedder embedder = Embedder.builder().setModelPath(golden().resolve("model-v1.onnx")).optBatchSize(2).build()) {
            ModelMetadata m = embedder.metadata();
            assertEquals(1, m.formatVersion());
            assertEquals(ModelMetadata.InputKind.VECTOR, m.inputKind());
            assertEquals("features", m.inputName());
            assertArrayEquals(floats(expected, "embeddings"), embedder.embed(floats(expected, "input")), 1e-5f);
        }
    }

    /** Version 2: 8-bit pixel input, the graph normalising itself. */
    @Test
    void version2ModelLoadsAndEmbedsAsWhenItWasWritten() throws Exception {
        JsonObject expected = JsonParser.parseString(Files.readString(golden().resolve("expected-v2.json"))).getAsJsonObject();
        try (Embedder embedder = Embedder.builder().setModelPath(golden().resolve("model-v2.onnx")).build()) {
            ModelMetadata m = embedder.metadata();
            assertEquals(2, m.formatVersion());
            assertEquals(ModelMetadata.InputKind.IMAGE_UINT8, m.inputKind());
            assertArrayEquals(floats(expected, "embeddings"), embedder.embed(floats(expected, "input")), 1e-6f);
        }
    }

    @Test
    void inputsOfTheWrongLengthAreRefused() throws Exception {
        try (Embedder embedder = Embedder.builder().setModelPath(golden().resolve("model-v1.onnx")).build()) {
            io.simforge.core.error.InvalidInputException e = assertThrows(io.simforge.core.error.InvalidInputException.class, () -> embedder.embed(new float[5]));
            assertTrue(e.getMessage().contains("not a multiple of the model's item size 4"), e.getMessage());
        }
    }

    @Test
    void devicesParseAndBadOnesAreNamed() {
        assertEquals(DeviceSpec.cpu(), DeviceSpec.parse("cpu"));
        assertEquals(DeviceSpec.cuda(1), DeviceSpec.parse("gpu:1"));
        assertEquals("cuda:1", DeviceSpec.parse("gpu:1").toString());
        assertTrue(DeviceSpec.parse("gpu:1").deprecationNote().contains("write 'cuda:1'"));
        assertEquals(DeviceSpec.cuda(0), DeviceSpec.parse("cuda"));
        assertEquals("cuda:0,2", DeviceSpec.parse("cuda:0,2").toString());
        assertTrue(DeviceSpec.parse("cuda:all").isMultiple());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("tpu"));
        assertTrue(e.getMessage().contains("use cpu, cuda, cuda:N, cuda:N,M,... or cuda:all"), e.getMessage());
        RuntimeException multi = assertThrows(io.simforge.core.error.InvalidInputException.class, () -> Embedder.builder().setModelPath(golden().resolve(
                "model-v1.onnx")).optDevice(DeviceSpec.parse("cuda:0,1")).build());
        assertTrue(multi.getMessage().contains("runs a session on one device"), multi.getMessage());
    }
}
