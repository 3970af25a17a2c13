package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.training.tracker.Tracker;
import io.simforge.core.format.FormatException;
import io.simforge.core.fuzz.Fuzzer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint's own files on damaged input ({@link Fuzzer}): {@code state.json} and {@code optimizer.state} give a
 * value or a {@link FormatException} naming the file. ({@code weights.params} is DJL's format, read by DJL.)
 */
class CheckpointFuzzTest {
    @TempDir
    Path dir;

    private static Path golden(String file) throws Exception {
        return Path.of(CheckpointFuzzTest.class.getResource("golden/run-v2/checkpoint/" + file).toURI());
    }

    @Test
    void stateFiles() throws Exception {
        Fuzzer.Outcome o = new Fuzzer("Checkpoint.readState", dir, "state.json", t -> t instanceof FormatException,
                file -> Checkpoint.readState(file.getParent())).seed(golden("state.json")).run();
        assertTrue(o.read() > 0 && o.refused() > 0, "state.json: " + o);
    }

    @Test
    void optimizerStates() throws Exception {
        // The refusal of another update rule's state is an IOException naming the file too.
        Fuzzer.Outcome o = new Fuzzer("ResumableOptimizer.load", dir, ResumableOptimizer.FILE,
                t -> t instanceof java.io.IOException, file -> ResumableOptimizer.builder(ResumableOptimizer.Kind.ADAM,
                        Tracker.fixed(0.001f), 0).build().load(file)).seed(golden(ResumableOptimizer.FILE)).run();
        assertTrue(o.read() > 0 && o.refused() > 0, "optimizer.state: " + o);
    }
}
