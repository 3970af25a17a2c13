package io.simforge.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import io.simforge.core.format.FormatException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelMetadataTest {

    private static ModelMetadata sample() {
        return new ModelMetadata(ModelMetadata.WRITTEN_VERSION, "simforge test", 64, true, ModelMetadata.InputKind.IMAGE, new int[] {1, 28, 28},
                "GRAY", Preprocessing.fashionMnist(), "pixels", "embedding", "{\"loss\":\"ms\"}");
    }

    @Test
    void roundTripsThroughTheKeyValueForm() {
        ModelMetadata m = sample();
        assertEquals(m, ModelMetadata.fromMap(m.toMap(), "test"));
    }

    private static Map<String, String> golden(String name) throws Exception {
        try (var in = new InputStreamReader(ModelMetadataTest.class.getResourceAsStream("/golden/" + name),
                StandardCharsets.UTF_8)) {
            return new Gson().fromJson(in, new TypeToken<Map<String, String>>() {}.getType());
        }
    }

    @Test
    void writtenWithTheCommonHeader() {
        Map<String, String> m = sample().toMap();
        assertEquals("simforge-model", m.get("simforge.format"));
        assertEquals("3", m.get("simforge.version"));
        assertTrue(!m.containsKey("simforge.format_version"), "the old spelling is not written");
    }

    /** Metadata written by format version 1 keeps loading: a golden copy of what version 1 wrote. */
    @Test
    void version1GoldenMetadataStillLoads() throws Exception {
        ModelMetadata m = ModelMetadata.fromMap(golden("model-metadata-v1.json"), "golden v1");
        assertEquals(1, m.formatVersion());
        assertEquals(64, m.embeddingSize());
        assertEquals(Preprocessing.fashionMnist(), m.preprocessing());
        assertEquals(784, m.itemSize());
        assertEquals("pixels", m.inputName());
    }

    /** Version 2 (8-bit pixel input), as an export of that version wrote it. */
    @Test
    void version2GoldenMetadataStillLoads() throws Exception {
        ModelMetadata m = ModelMetadata.fromMap(golden("model-metadata-v2.json"), "golden v2");
        assertEquals(2, m.formatVersion());
        assertEquals(ModelMetadata.InputKind.IMAGE_UINT8, m.inputKind());
        assertEquals("pixels_u8", m.inputName());
        assertEquals(8, m.embeddingSize());
        assertEquals(Preprocessing.fashionMnist(), m.preprocessing());
        ModelMetadata rewritten = ModelMetadata.fromMap(m.toMap(), "rewritten");
        assertEquals(ModelMetadata.WRITTEN_VERSION, rewritten.formatVersion(), "written as the current version");
        assertEquals(m.toMap(), rewritten.toMap());
    }

    @Test
    void foreignNewerAndDamagedMetadataAreRefusedClearly() throws Exception {
        var foreign = assertThrows(IllegalArgumentException.class, () -> ModelMetadata.fromMap(Map.of(), "x.onnx"));
        assertTrue(foreign.getMessage().startsWith("x.onnx is not a simforge model file: it does not name its format. "
                + "Export the model with `simforge export`"), foreign.getMessage());
        Map<String, String> other = new HashMap<>(sample().toMap());
        other.put(ModelMetadata.KEY_FORMAT, "simforge-index");
        assertEquals(FormatException.Problem.FOREIGN, ((FormatException) assertThrows(IllegalArgumentException.class,
                () -> ModelMetadata.fromMap(other, "o.onnx")).getCause()).problem());

        String newerMessage = "n.onnx is a simforge model file of version 99, newer than this simforge reads (up to 4): "
                + "upgrade simforge";
        Map<String, String> newer = new HashMap<>(sample().toMap());
        newer.put(ModelMetadata.KEY_VERSION, "99");
        var e = assertThrows(IllegalArgumentException.class, () -> ModelMetadata.fromMap(newer, "n.onnx"));
        assertEquals(newerMessage, e.getMessage());
        Map<String, String> newerOldSpelling = new HashMap<>(golden("model-metadata-v1.json"));
        newerOldSpelling.put("simforge.format_version", "99");
        e = assertThrows(IllegalArgumentException.class, () -> ModelMetadata.fromMap(newerOldSpelling, "n.onnx"));
        assertEquals(newerMessage, e.getMessage());

        Map<String, String> broken = new HashMap<>(sample().toMap());
        broken.remove(ModelMetadata.KEY_OUTPUT_NAME);
        e = assertThrows(IllegalArgumentException.class, () -> ModelMetadata.fromMap(broken, "b.onnx"));
        assertTrue(e.getMessage().contains("'simforge.output_name' is missing"), e.getMessage());
    }
}
