package io.simforge.infer.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.infer.Embedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed extraction leaves the output folder as it found it, or with committed chunks the same command resumes
 * (issue #15, row 8); inputs with NaN are rejects, not NaN rows.
 */
class ExtractionFailureTest {
    @TempDir
    Path dir;

    private static Path model() throws Exception {
        return Path.of(ExtractionFailureTest.class.getResource("/golden/model-v1.onnx").toURI());
    }

    /** Items of {@code width} values each (the golden model takes 4). */
    private static ItemSource items(int n, int width, int nanAt) {
        return new ItemSource() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public String id(int i) {
                return "item-" + i;
            }

            @Override
            public void load(int i, float[] out, int offset) throws IOException {
                if (width != 4) {
                    throw new IOException("item-" + i + " has " + width + " values, the model takes 4");
                }
                for (int d = 0; d < 4; d++) {
                    out[offset + d] = i == nanAt && d == 2 ? Float.NaN : (float) Math.cos(i + d);
                }
            }
        };
    }

    private static ExtractionJob.Summary run(Path out, ItemSource source) throws Exception {
        try (Embedder e = Embedder.builder().setModelPath(model()).optBatchSize(2).build()) {
            return ExtractionJob.builder().setEmbedder(e, model()).setSource(source).setOutput(out).optChunkSize(3)
                    .build().run();
        }
    }

    @Test
    void inputThatDoesNotFitTheModelFailsBeforeAnythingIsWritten() throws Exception {
        Path out = dir.resolve("out");
        ExtractionException e = assertThrows(ExtractionException.class, () -> run(out, items(5, 3, -1)));
        assertTrue(e.getMessage().contains("none of the first 2 items can be read for this model")
                && e.getMessage().contains("Nothing was written to " + out), e.getMessage());
        assertFalse(Files.exists(out), "the folder it would have made is not there");
        assertEquals(5, run(out, items(5, 4, -1)).rows(), "the same folder takes the right input at once");
    }

    @Test
    void aFailureInTheFirstChunkLeavesAnExistingFolderAsItWas() throws Exception {
        Path out = Files.createDirectories(dir.resolve("existing"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        ItemSource failsLater = new ItemSource() {
            private final ItemSource ok = items(5, 4, -1);

            @Override
            public int size() {
                return 5;
            }

            @Override
            public String id(int i) {
                return ok.id(i);
            }

            @Override
            public void load(int i, float[] o, int offset) throws IOException {
                if (i == 2) {
                    throw new IllegalStateException("the disk went away");
                }
                ok.load(i, o, offset);
            }
        };
        try (Embedder e = Embedder.builder().setModelPath(model()).optBatchSize(2).build()) {
            assertThrows(ExtractionException.class, () -> ExtractionJob.builder().setEmbedder(e, model())
                    .setSource(failsLater).setOutput(out).optChunkSize(3).optStrict(true).build().run());
        }
        try (var files = Files.list(out)) {
            assertEquals(List.of(out.resolve("notes.txt")), files.toList(), "only what was there before");
        }
    }

    @Test
    void aStaleJobWithNoCommittedChunkIsReplacedAndOneWithChunksResumes() throws Exception {
        Path out = dir.resolve("stale");
        // An interrupted job of other input, with no chunk committed: the manifest alone.
        Files.createDirectories(out.resolve(".parts"));
        ExtractionJob.FORMAT.write(out.resolve(".parts/manifest.json"), new ExtractionJob.Summary(9, -1, -1, 4, 3,
                "0".repeat(64), "1".repeat(64), false));
        assertEquals(5, run(out, items(5, 4, -1)).rows());
        assertFalse(Files.exists(out.resolve(".parts")));
    }

    @Test
    void anItemWithANanInputIsARejectWithItsReason() throws Exception {
        Path out = dir.resolve("nan");
        ExtractionJob.Summary s = run(out, items(5, 4, 3));
        assertEquals(4, s.rows());
        assertEquals(1, s.rejects());
        String rejects = Files.readString(out.resolve("rejects.tsv"));
        assertTrue(rejects.contains("item-3\tinput value 2 is NaN (not a finite number)"), rejects);
    }
}
