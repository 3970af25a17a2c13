package io.simforge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Model;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.simforge.models.Architecture;
import io.simforge.models.DjlEmbedder;
import io.simforge.models.SavedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A saved model written by format version 1 (committed golden files) keeps loading and embedding the same. */
class GoldenFormatsTest {

    static float[] floats(JsonObject o, String key) {
        var a = o.getAsJsonArray(key);
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }

    @Test
    void savedModelVersion1Loads() throws Exception {
        Path golden = Path.of(getClass().getResource("/golden").toURI());
        JsonObject expected = JsonParser.parseString(Files.readString(golden.resolve("expected-v1.json"))).getAsJsonObject();
        Path dir = golden.resolve("saved-model-v1");
        SavedModel.Description d = SavedModel.readDescription(dir);
        assertEquals(1, d.formatVersion());
        assertEquals(Architecture.mlp(new int[] {4}, 2, 3), d.architecture());
        try (Model model = SavedModel.load(dir)) {
            float[] out = DjlEmbedder.embed(model.getBlock(), model.getNDManager(), floats(expected, "input"), new int[] {4}, 8);
            assertArrayEquals(floats(expected, "embeddings"), out, 1e-6f);
        }
    }
}
