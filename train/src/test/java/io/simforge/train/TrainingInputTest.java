package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.datasets.BenchmarkLayout;
import io.simforge.datasets.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train-input.json: what a run trained on, both versions, and what the library decides from it. */
class TrainingInputTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAndReadsTheFlatVersionOneForm() throws Exception {
        TrainingInput in = TrainingInput.of(DataSource.layout(BenchmarkLayout.CUB, Path.of("/data/cub"), null))
                .withImageSize(224).withValidation((String) null, 20, 50);
        Path f = dir.resolve("train-input.json");
        in.write(f);
        assertTrue(Files.readString(f).startsWith("{\n  \"format\": \"simforge-train-input\",\n  \"version\": 2,"));
        assertEquals(in, TrainingInput.read(f));

        // What `simforge train --validation-classes 5-9 --validation-per-class 20` wrote before versions.
        Files.writeString(f, "{\"data\": \"bundled\", \"split\": \"t10k\", \"classes\": \"0-4\", \"validationClasses\": "
                + "\"5-9\", \"validationPerClass\": 20, \"validateEvery\": 5, \"imageSize\": 64, \"validateLayout\": false}");
        TrainingInput v1 = TrainingInput.read(f);
        assertEquals(DataSource.bundled(), v1.source());
        assertEquals("0-4", v1.classes());
        assertEquals(new TrainingInput.ValidationInput(null, "5-9", 20, 5), v1.validation());
        Files.writeString(f, "{\"images\": \"/photos\", \"validationImages\": \"/held\", \"validationPerClass\": 3, "
                + "\"validateEvery\": 10, \"imageSize\": 32}");
        TrainingInput images = TrainingInput.read(f);
        assertEquals(DataSource.imageFolder(Path.of("/photos")), images.source());
        assertNull(images.classes());
        assertEquals(DataSource.imageFolder(Path.of("/held")), images.validation().source());
        Files.writeString(f, "{\"format\": \"simforge-train-input\", \"version\": 3}");
        assertTrue(assertThrows(java.io.IOException.class, () -> TrainingInput.read(f)).getMessage()
                .contains("newer than this simforge reads (up to 2): upgrade simforge"));
        Files.writeString(f, "{\"format\": \"simforge-metrics\", \"version\": 1}");
        assertTrue(assertThrows(java.io.IOException.class, () -> TrainingInput.read(f)).getMessage()
                .contains("simforge-metrics"));
    }

    @Test
    void theLibraryDecidesPreprocessingAndValidation() {
        TrainingData d = TrainingInput.of(DataSource.bundled()).withClasses("0-1").withValidation("7", 30, 10).open(TrainConfig.defaults());
        assertEquals(2000, d.items().size());
        assertEquals(30, d.validation().labels().length);
        assertEquals(1, d.preprocessing().channels());
        assertTrue(d.description().contains("classes 0-1"), d.description());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingInput.of(DataSource.bundled())
                .withClasses("0-4").withValidation("3-5", 10, 10)).getMessage().contains("overlap the training classes"));
    }
}
