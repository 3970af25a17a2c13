package io.simforge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.io.Npy;
import io.simforge.core.model.Preprocessing;
import io.simforge.export.ModelExport;
import io.simforge.export.OnnxExporter;
import io.simforge.infer.Embedder;
import io.simforge.infer.extract.ExtractionException;
import io.simforge.infer.extract.ExtractionJob;
import io.simforge.infer.extract.ItemSource;
import io.simforge.models.Architecture;
import io.simforge.models.DjlEmbedder;
import io.simforge.train.UntrainedNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch extraction over an image folder: output, rejects, and resuming after an interruption. */
class ExtractionTest {
    @TempDir
    static Path shared;

    static Path model;
    static Path images;
    static ImageDataset picked;
    static float[] djl;

    /** An untrained small ConvNet exported to ONNX, and a folder of real PNG images in class folders. */
    @BeforeAll
    static void setUp() throws Exception {
        Architecture arch = Architecture.convNet(1, 28, 28, 16, new int[] {4, 8});
        Preprocessing pre = Preprocessing.fashionMnist();
        picked = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2)).firstPerClass(13);
        model = shared.resolve("model.onnx");
        try (Model m = UntrainedNetwork.create(arch, 3)) {
            OnnxExporter.builder().setBlock(m.getBlock()).setMetadata(ModelExport.metadataFor(arch, pre, "{}")).build()
                    .export(model);
            djl = DjlEmbedder.embed(m.getBlock(), m.getNDManager(), picked.inputs(pre), arch.inputShape(), 16);
        }
        images = shared.resolve("images");
        String[] names = {"tshirt", "trouser", "pullover"};
        for (int i = 0; i < picked.size(); i++) {
            Path f = images.resolve(names[picked.label(i)]).resolve(String.format("img-%03d.png", i));
            Files.createDirectories(f.getParent());
            ImageIO.write(picked.picture(i), "png", f.toFile());
        }
        Files.writeString(images.resolve("trouser/broken.png"), "not really a png");
        Files.writeString(images.resolve("pullover/notes.txt"), "ignored: not an image name");
    }

    private static ExtractionJob.Builder job(Embedder e, Path out) throws Exception {
        return ExtractionJob.builder().setEmbedder(e, model).setOutput(out).optChunkSize(5)
                .setSource(ItemSource.folder(images, e.imagePreprocessor()));
    }

    @Test
    void aFolderBecomesEmbeddingsIdsLabelsAndRejectsMatchingDjl() throws Exception {
        Path out = shared.resolve("out-plain");
        try (Embedder e = Embedder.builder().setModelPath(model).optBatchSize(3).build()) {
            ExtractionJob.Summary s = job(e, out).build().run();
            assertEquals(40, s.items());
            assertEquals(39, s.rows());
            assertEquals(1, s.rejects());
        }
        List<String> ids = Files.readAllLines(out.resolve("ids.txt"));
        assertEquals(39, ids.size());
        assertEquals(ids.stream().sorted().toList(), ids, "ids in sorted path order");
        List<String> rejects = Files.readAllLines(out.resolve("rejects.tsv"));
        assertEquals("id\treason", rejects.get(0));
        assertTrue(rejects.get(1).startsWith("trouser/broken.png\tcannot decode"), rejects.get(1));
        assertEquals(List.of("pullover", "trouser", "tshirt"), Files.readAllLines(out.resolve("classes.txt")));
        int[] labels = Npy.readInts(out.resolve("labels.npy"));
        Npy.FloatArray emb = Npy.readFloats(out.resolve("embeddings.npy"));
        assertArrayEquals(new int[] {39, 16}, emb.shape());
        // Each row equals DJL's embedding of the same image (decoded back from its PNG).
        for (int r = 0; r < ids.size(); r++) {
            int item = Integer.parseInt(ids.get(r).replaceAll(".*img-(\\d+)\\.png", "$1"));
            String folder = ids.get(r).substring(0, ids.get(r).indexOf('/'));
            assertEquals(List.of("pullover", "trouser", "tshirt").indexOf(folder), labels[r]);
            for (int d = 0; d < 16; d++) {
                assertEquals(djl[item * 16 + d], emb.values()[r * 16 + d], 1e-4, "row " + r);
            }
        }
        assertTrue(!Files.exists(out.resolve(".parts")), "the parts are removed once assembled");
    }

    @Test
    void anInterruptedRunResumesToTheSameFilesWithoutLosingOrRepeatingRows() throws Exception {
        Path reference = shared.resolve("out-reference");
        Path out = shared.resolve("out-resumed");
        try (Embedder e = Embedder.builder().setModelPath(model).optBatchSize(2).build()) {
            job(e, reference).build().run();
            // Kill the job part-way through the fourth chunk (after 17 of 40 items).
            RuntimeException killed = new RuntimeException("killed");
            assertThrows(RuntimeException.class, () -> job(e, out).optListener((done, total, resumed) -> {
                if (done >= 17) {
                    throw killed;
                }
            }).build().run());
            assertTrue(Files.isRegularFile(out.resolve(".parts/chunk-000002.done")), "three chunks were committed");
            assertTrue(!Files.exists(out.resolve(".parts/chunk-000003.done")), "the fourth was not");
            assertTrue(!Files.exists(out.resolve("embeddings.npy")));

            AtomicInteger resumedItems = new AtomicInteger();
            List<Long> fresh = new ArrayList<>();
            job(e, out).optListener((done, total, resumed) -> {
                if (resumed) {
                    resumedItems.set((int) done);
                } else {
                    fresh.add(done);
                }
            }).build().run();
            assertEquals(15, resumedItems.get(), "the three committed chunks were not redone");
            for (String f : new String[] {"embeddings.npy", "ids.txt", "labels.npy", "rejects.tsv"}) {
                assertArrayEquals(Files.readAllBytes(reference.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
            }
            // Running the finished job again does nothing; another model in the same folder is refused.
            assertEquals(39, job(e, out).build().run().rows());
            Path other = shared.resolve("other.onnx");
            Files.copy(model, other);
            Files.write(other, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
            ExtractionException ex = assertThrows(ExtractionException.class, () -> ExtractionJob.builder()
                    .setEmbedder(e, other).setOutput(out).optChunkSize(5)
                    .setSource(ItemSource.folder(images, e.imagePreprocessor())).build().run());
            assertTrue(ex.getMessage().contains("another model or input"), ex.getMessage());
        }
    }

    @Test
    void strictModeStopsAtTheFirstUnreadableImageAndNamesIt() throws Exception {
        try (Embedder e = Embedder.builder().setModelPath(model).build()) {
            ExtractionException ex = assertThrows(ExtractionException.class,
                    () -> job(e, shared.resolve("out-strict")).optStrict(true).build().run());
            assertTrue(ex.getMessage().contains("trouser/broken.png"), ex.getMessage());
        }
    }
}
