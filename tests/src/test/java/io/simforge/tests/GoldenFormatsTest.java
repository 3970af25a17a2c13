package io.simforge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.simforge.models.Architecture;
import io.simforge.models.DjlEmbedder;
import io.simforge.core.format.FormatException;
import io.simforge.models.SavedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A saved model written by format version 1 (committed golden files) keeps loading and embedding the same; it is
 * saved again as version 2, with the common header; newer and foreign descriptions are refused.
 */
class GoldenFormatsTest {
    @TempDir
    Path dir;

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
        assertEquals(1, d.version());
        assertEquals(Architecture.mlp(new int[] {4}, 2, 3), d.architecture());
        try (Model model = SavedModel.load(dir)) {
            float[] out = DjlEmbedder.embed(model.getBlock(), model.getNDManager(), floats(expected, "input"), new int[] {4}, 8);
            assertArrayEquals(floats(expected, "embeddings"), out, 1e-6f);
            Path again = dir.resolve("again");
            SavedModel.save(again, model.getBlock(), d);
            String text = Files.readString(again.resolve(SavedModel.DESCRIPTION_FILE));
            assertTrue(text.startsWith("{\n  \"format\": \"simforge-saved-model\",\n  \"version\": 2,\n"), text);
            assertEquals(new SavedModel.Description(2, d.architecture(), null, d.training()), SavedModel.readDescription(again));
        }
    }

    @Test
    void newerAndForeignDescriptionsAreRefused() throws Exception {
        Path golden = Path.of(getClass().getResource("/golden/saved-model-v1").toURI());
        String v1 = Files.readString(golden.resolve(SavedModel.DESCRIPTION_FILE));
        Path file = dir.resolve(SavedModel.DESCRIPTION_FILE);
        Files.writeString(file, v1.replace("\"formatVersion\": 1", "\"formatVersion\": 3"));
        assertEquals(file + " is a simforge saved model file of version 3, newer than this simforge reads (up to 2): "
                + "upgrade simforge", assertThrows(FormatException.class, () -> SavedModel.readDescription(dir)).getMessage());
        Files.writeString(file, v1.replace("\"formatVersion\": 1", "\"format\": \"simforge-saved-model\", \"version\": 3"));
        assertEquals(FormatException.Problem.NEWER,
                assertThrows(FormatException.class, () -> SavedModel.readDescription(dir)).problem());
        Files.writeString(file, v1.replace("\"formatVersion\": 1", "\"format\": \"simforge-checkpoint\", \"version\": 1"));
        assertEquals(FormatException.Problem.FOREIGN,
                assertThrows(FormatException.class, () -> SavedModel.readDescription(dir)).problem());
        Files.writeString(file, "{\"architecture\": null}");
        assertTrue(assertThrows(FormatException.class, () -> SavedModel.readDescription(dir)).getMessage()
                .contains("is not a simforge saved model file: it does not name its format"));
    }
}
