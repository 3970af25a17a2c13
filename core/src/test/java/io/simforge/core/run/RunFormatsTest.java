package io.simforge.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run-folder formats: version 1 files written by this release keep loading (golden files), round trips. */
class RunFormatsTest {
    @TempDir
    Path dir;

    private static Path golden(String name) throws Exception {
        return Path.of(RunFormatsTest.class.getResource("/golden/" + name).toURI());
    }

    @Test
    void trainingLogVersion1LoadsAndItsTornLastLineIsSkipped() throws Exception {
        TrainingLog.Contents c = TrainingLog.read(golden("training-log-v1.jsonl"));
        assertEquals(List.of(1, 2), c.steps().stream().map(TrainingLog.Step::iteration).toList());
        assertEquals(1.5510212182998657, c.steps().get(1).loss());
        assertEquals(List.of(0, 2), c.validations().stream().map(TrainingLog.Check::iteration).toList());
        assertEquals(0.3433, c.validations().get(1).metrics().get("map@r"));
    }

    @Test
    void trainingLogRoundTripsAndRefusesForeignOrNewerFiles() throws Exception {
        Path f = dir.resolve("log.jsonl");
        try (TrainingLog log = TrainingLog.create(f)) {
            log.iteration(1, 0.5, 0.1);
            log.validation(1, Map.of("recall@1", 0.75));
        }
        TrainingLog.Contents c = TrainingLog.read(f);
        assertEquals(0.5, c.steps().get(0).loss());
        assertEquals(0.75, c.validations().get(0).metrics().get("recall@1"));

        Path foreign = dir.resolve("other.jsonl");
        Files.writeString(foreign, "{\"a\":1}\n{\"iteration\":1,\"loss\":1,\"seconds\":1}\n");
        assertTrue(assertThrows(IOException.class, () -> TrainingLog.read(foreign)).getMessage()
                .contains("not a simforge training log"));
        Path newer = dir.resolve("newer.jsonl");
        Files.writeString(newer, "{\"format\":\"simforge-training-log\",\"version\":2}\n");
        assertEquals(newer + " is a simforge training log file of version 2, newer than this simforge reads (up to 1): "
                + "upgrade simforge", assertThrows(IOException.class, () -> TrainingLog.read(newer)).getMessage());
        Path broken = dir.resolve("broken.jsonl");
        Files.writeString(broken, "{\"format\":\"simforge-training-log\",\"version\":1}\nnot json\n{\"iteration\":1,"
                + "\"loss\":1,\"seconds\":1}\n");
        assertTrue(assertThrows(IOException.class, () -> TrainingLog.read(broken)).getMessage().contains("line 2"));
    }
}
