package io.simforge.infer.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.error.UnreadableFileException;
import io.simforge.core.format.FormatException;
import io.simforge.infer.Embedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code extraction.json} and its parts: a finished version-1 extraction is recognised, an interrupted one (its
 * manifest and plain-text chunk marker) resumes to the files an uninterrupted run wrote, and newer or foreign files
 * are refused. The golden folders were written by version 1 with the golden model and {@link #source()}.
 */
class ExtractionFormatTest {
    @TempDir
    Path dir;

    private static Path golden(String name) throws Exception {
        return Path.of(ExtractionFormatTest.class.getResource("/golden/" + name).toURI());
    }

    /** Seven items of four features, two classes; item 4 cannot be read. */
    static ItemSource source() {
        return new ItemSource() {
            @Override
            public int size() {
                return 7;
            }

            @Override
            public String id(int i) {
                return "item-" + i;
            }

            @Override
            public int label(int i) {
                return i % 2;
            }

            @Override
            public List<String> classNames() {
                return List.of("even", "odd");
            }

            @Override
            public void load(int i, float[] out, int offset) throws IOException {
                if (i == 4) {
                    throw new IOException("unreadable on purpose");
                }
                for (int d = 0; d < 4; d++) {
                    out[offset + d] = (float) Math.sin(i * 4 + d);
                }
            }
        };
    }

    private Path copy(String name) throws Exception {
        Path from = golden(name);
        Path to = dir.resolve(name);
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }

    private static ExtractionJob.Summary run(Path out, ExtractionJob.Listener listener) throws Exception {
        Path model = golden("model-v1.onnx");
        try (Embedder e = Embedder.builder().setModelPath(model).optBatchSize(2).build()) {
            return ExtractionJob.builder().setEmbedder(e, model).setSource(source()).setOutput(out).optChunkSize(3)
                    .optListener(listener).build().run();
        }
    }

    @Test
    void aFinishedVersion1ExtractionIsRecognisedAsDone() throws Exception {
        Path out = copy("extraction-v1");
        List<Boolean> resumed = new ArrayList<>();
        ExtractionJob.Summary s = run(out, (done, total, r) -> resumed.add(r));
        assertEquals(List.of(true), resumed, "nothing redone");
        assertEquals(7, s.items());
        assertEquals(6, s.rows());
        assertEquals(1, s.rejects());
        assertTrue(s.labelled());
    }

    @Test
    void anInterruptedVersion1ExtractionResumesToTheSameFiles() throws Exception {
        Path out = copy("extraction-v1-interrupted");
        List<Long> resumed = new ArrayList<>();
        run(out, (done, total, r) -> {
            if (r) {
                resumed.add(done);
            }
        });
        assertEquals(List.of(3L), resumed, "the committed chunk (its marker a line of text) was not redone");
        for (String file : List.of("extraction.json", "embeddings.npy", "ids.txt", "labels.npy", "classes.txt",
                "rejects.tsv")) {
            assertArrayEquals(Files.readAllBytes(golden("extraction-v1").resolve(file)), Files.readAllBytes(out.resolve(file)),
                    file);
        }
        assertFalse(Files.exists(out.resolve(".parts")));
    }

    @Test
    void chunkMarkersHaveTheHeader() throws Exception {
        Path out = dir.resolve("cut");
        assertThrows(IllegalStateException.class, () -> run(out, (done, total, r) -> {
            if (done >= 4) {
                throw new IllegalStateException("interrupted");
            }
        }));
        assertEquals("{\n  \"format\": \"simforge-extraction-chunk\",\n  \"version\": 1,\n  \"rows\": 3,\n  \"rejects\": 0\n}\n",
                Files.readString(out.resolve(".parts/chunk-000000.done")));
        assertTrue(Files.readString(out.resolve(".parts/manifest.json")).startsWith(
                "{\n  \"format\": \"simforge-extraction\",\n  \"version\": 1,\n"));
    }

    @Test
    void newerAndForeignSummariesAreRefused() throws Exception {
        Path out = copy("extraction-v1");
        Path summary = out.resolve("extraction.json");
        String v1 = Files.readString(summary);
        Files.writeString(summary, v1.replace("\"version\": 1", "\"version\": 2"));
        UnreadableFileException e = assertThrows(UnreadableFileException.class, () -> run(out, (d, t, r) -> {}));
        assertEquals(summary + " is a simforge extraction file of version 2, newer than this simforge reads (up to 1): "
                + "upgrade simforge", e.getMessage());
        Files.writeString(summary, v1.replace("simforge-extraction", "simforge-eval-source"));
        assertEquals(FormatException.Problem.FOREIGN,
                assertThrows(UnreadableFileException.class, () -> run(out, (d, t, r) -> {})).problem());

        Path interrupted = copy("extraction-v1-interrupted");
        Path manifest = interrupted.resolve(".parts/manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"version\": 1", "\"version\": 5"));
        assertEquals(FormatException.Problem.NEWER,
                assertThrows(UnreadableFileException.class, () -> run(interrupted, (d, t, r) -> {})).problem());
    }
}
