package io.simforge.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelMetadataTest {

    private static ModelMetadata sample() {
        return new ModelMetadata(1, "simforge test", 64, true, ModelMetadata.InputKind.IMAGE, new int[] {1, 28, 28},
                "GRAY", Preprocessing.fashionMnist(), "pixels", "embedding", "{\"loss\":\"ms\"}");
    }

    @Test
    void roundTripsThroughTheKeyValueForm() {
        ModelMetadata m = sample();
        assertEquals(m, ModelMetadata.fromMap(m.toMap(), "test"));
    }

    /** Metadata written by format version 1 keeps loading: a golden copy of what version 1 wrote. */
    @Test
    void version1GoldenMetadataStillLoads() throws Exception {
        Map<String, String> golden;
        try (var in = new InputStreamReader(getClass().getResourceAsStream("/golden/model-metadata-v1.json"),
                StandardCharsets.UTF_8)) {
            golden = new Gson().fromJson(in, new TypeToken<Map<String, String>>() {}.getType());
        }
        ModelMetadata m = ModelMetadata.fromMap(golden, "golden v1");
        assertEquals(1, m.formatVersion());
        assertEquals(64, m.embeddingSize());
        assertEquals(Preprocessing.fashionMnist(), m.preprocessing());
        assertEquals(784, m.itemSize());
        assertEquals("pixels", m.inputName());
    }

    @Test
    void foreignNewerAndDamagedMetadataAreRefusedClearly() {
        var foreign = assertThrows(IllegalArgumentException.class, () -> ModelMetadata.fromMap(Map.of(), "x.onnx"));
        assertTrue(foreign.getMessage().contains("x.onnx is not a simforge embedding model"), foreign.getMessage());

        Map<String, String> newer = new HashMap<>(sample().toMap());
        newer.put(ModelMetadata.KEY_FORMAT_VERSION, "99");
        var e = assertThrows(IllegalArgumentException.class, () -> ModelMetadata.fromMap(newer, "n.onnx"));
        assertTrue(e.getMessage().contains("Upgrade simforge"), e.getMessage());

        Map<String, String> broken = new HashMap<>(sample().toMap());
        broken.remove(ModelMetadata.KEY_OUTPUT_NAME);
        e = assertThrows(IllegalArgumentException.class, () -> ModelMetadata.fromMap(broken, "b.onnx"));
        assertTrue(e.getMessage().contains("'simforge.output_name' is missing"), e.getMessage());
    }
}
