package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.nn.SequentialBlock;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #15: a checkpoint write that fails (a full disk) left {@code checkpoint.new/} behind. */
class CheckpointFailureTest {
    @TempDir
    Path run;

    @Test
    void aFailedWriteLeavesThePreviousCheckpointAndNothingElse() throws Exception {
        Path previous = Files.createDirectories(run.resolve("checkpoint"));
        Files.writeString(previous.resolve("state.json"), "the previous checkpoint");
        SequentialBlock fullDisk = new SequentialBlock() {
            @Override
            public void saveParameters(DataOutputStream os) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        IOException e = assertThrows(IOException.class,
                () -> Checkpoint.save(run, fullDisk, null, null, null, 7, TrainConfig.defaults()));
        assertEquals("No space left on device", e.getMessage());
        assertFalse(Files.exists(run.resolve("checkpoint.new")), "no half-written checkpoint");
        assertEquals("the previous checkpoint", Files.readString(previous.resolve("state.json")));
    }
}
