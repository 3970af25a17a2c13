package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.model.Preprocessing;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #15: a run that fails before its first checkpoint leaves no partial run folder behind. */
class FailedRunTest {
    @TempDir
    Path dir;

    @Test
    void aRunThatFailsAfterMakingItsFolderRemovesIt() {
        Path run = dir.resolve("run");
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1)).firstPerClass(20);
        // initFrom is checked where the run starts from it, after the folder and its settings were written.
        TrainConfig c = TrainConfig.builder().optIterations(2).optClassesPerBatch(2).optInitFrom(dir.resolve("missing.onnx").toString())
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Training.train(c, data,
                Preprocessing.fashionMnist(), null, TrainingListener.NONE, run, false));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertFalse(Files.exists(run), "the folder the run made is gone");
    }
}
