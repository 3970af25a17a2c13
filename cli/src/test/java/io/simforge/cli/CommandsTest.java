package io.simforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {
    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void quickstartWritesARunFolderAndTheExportedModelEvaluatesAgain() throws Exception {
        Path run = dir.resolve("qs");
        CliRun o = run("quickstart", "--iterations", "20", "-o", run.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("R@1"), o.out());
        assertTrue(o.out().contains("(ok)"), "parity check line: " + o.out());
        for (String f : new String[] {"model.onnx", "config.json", "metrics.json", "model/simforge-model.json",
                "model/weights.params", "train-log.jsonl", "eval/embeddings.npy", "eval/labels.npy", "eval/source.json",
                "report.html", "train-input.json", "training.json", "export.json"}) {
            assertTrue(Files.isRegularFile(run.resolve(f)), f + " is missing");
        }
        JsonObject metrics = JsonParser.parseString(Files.readString(run.resolve("metrics.json"))).getAsJsonObject();
        double r1 = metrics.getAsJsonObject("learned").get("recall@1").getAsDouble();
        assertTrue(r1 > 0.2 && r1 <= 1.0, "Recall@1 " + r1);
        assertEquals(5000, metrics.get("items").getAsInt());
        assertEquals("simforge-metrics", metrics.get("format").getAsString());
        assertTrue(o.out().contains("Report: " + run.resolve("report.html").toAbsolutePath().normalize().toUri()), o.out());
        var log = io.simforge.core.run.TrainingLog.read(run.resolve("train-log.jsonl"));
        assertEquals(20, log.steps().size());
        assertEquals(java.util.List.of(0, 20), log.validations().stream().map(c -> c.iteration()).toList(),
                "validated before training and after the last iteration");
        assertEquals(5000, io.simforge.core.io.Npy.readInts(run.resolve("eval/labels.npy")).length);
        assertTrue(metrics.getAsJsonObject("baselines").has("raw pixels"));

        // The saved model exports again and the ONNX file evaluates with ONNX Runtime alone.
        Path again = dir.resolve("again.onnx");
        CliRun export = run("export", run.resolve("model").toString(), "-o", again.toString());
        assertEquals(0, export.code(), export.err());
        Path evalDir = dir.resolve("eval");
        CliRun eval = run("eval", "-m", again.toString(), "--classes", "5-9", "-o", evalDir.toString(), "--report");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(Files.isRegularFile(evalDir.resolve("report.html")));
        JsonObject evalMetrics = JsonParser.parseString(Files.readString(evalDir.resolve("metrics.json")))
                .getAsJsonObject().getAsJsonObject("learned");
        assertEquals(r1, evalMetrics.get("recall@1").getAsDouble(), 1e-9, "the re-exported model gives the same Recall@1");
        for (String key : new String[] {"p@1", "map@r", "r_precision", "nmi", "f1"}) {
            double v = evalMetrics.get(key).getAsDouble();
            assertTrue(v > 0 && v <= 1, key + " = " + v);
        }
        assertTrue(eval.out().contains("map@r"), eval.out());

        // Batch extraction of a folder of real images, an index, and searches by id, vector and image.
        Path images = dir.resolve("images");
        io.simforge.datasets.ImageDataset few = io.simforge.datasets.FashionMnist.bundledTestSplit()
                .withClasses(java.util.List.of(7, 9)).firstPerClass(6);
        for (int i = 0; i < few.size(); i++) {
            Path f = images.resolve(few.label(i) == 7 ? "sneaker" : "boot").resolve("i" + i + ".png");
            Files.createDirectories(f.getParent());
            javax.imageio.ImageIO.write(few.picture(i), "png", f.toFile());
        }
        Files.writeString(images.resolve("boot/corrupt.png"), "no image here");
        Path emb = dir.resolve("emb");
        CliRun embed = run("embed", "-m", again.toString(), "--images", images.toString(), "-o", emb.toString(),
                "--batch-size", "5", "--chunk", "4");
        assertEquals(0, embed.code(), embed.err());
        assertTrue(embed.out().contains("Wrote 12 embeddings of 64 dimensions (1 unreadable"), embed.out());
        CliRun again2 = run("embed", "-m", again.toString(), "--images", images.toString(), "-o", emb.toString(),
                "--batch-size", "5", "--chunk", "4");
        assertEquals(0, again2.code(), "running a finished extraction again is harmless: " + again2.err());
        // The same folder evaluated leave-one-out (the corrupt file left out), with baselines and a report that shows
        // the images themselves and the files they came from.
        Path folderEval = dir.resolve("folder-eval");
        CliRun fe = run("eval", "-m", again.toString(), "--images", images.toString(), "--baselines", "--report", "-o",
                folderEval.toString());
        assertEquals(0, fe.code(), fe.err());
        JsonObject fm = JsonParser.parseString(Files.readString(folderEval.resolve("metrics.json"))).getAsJsonObject();
        assertEquals(12, fm.get("items").getAsInt());
        assertTrue(fm.getAsJsonObject("baselines").has("raw pixels"), fm.toString());
        String page = Files.readString(folderEval.resolve("report.html"));
        assertTrue(page.contains("data:image/png;base64,") && page.contains("sneaker/i"), "images and their files");
        Path index = dir.resolve("images.sfindex");
        CliRun idx = run("index", emb.toString(), "-o", index.toString());
        assertEquals(0, idx.code(), idx.err());
        Path results = dir.resolve("results.json");
        String first = Files.readAllLines(emb.resolve("ids.txt")).get(0);
        CliRun byId = run("search", index.toString(), "--ids", first, "-k", "3", "--json", results.toString());
        assertEquals(0, byId.code(), byId.err());
        var list = JsonParser.parseString(Files.readString(results)).getAsJsonArray().get(0).getAsJsonObject();
        assertEquals(first, list.get("query").getAsString());
        assertEquals(3, list.getAsJsonArray("results").size());
        for (var hit : list.getAsJsonArray("results")) {
            assertTrue(!hit.getAsJsonObject().get("id").getAsString().equals(first), "the query is left out");
        }
        // The image itself, embedded again, finds itself first with similarity 1.
        CliRun byImage = run("search", index.toString(), "--images", images.resolve(first).toString(), "-m",
                again.toString(), "-k", "2", "--scoring", "onnx");
        assertEquals(0, byImage.code(), byImage.err());
        assertTrue(byImage.out().contains("1. 1.0000  " + first), byImage.out());
        // The same items in an int8 index (8-bit codes pick the candidates, float32 re-ranks them): the same answer.
        Path int8 = dir.resolve("images-int8.sfindex");
        CliRun idx8 = run("index", emb.toString(), "-o", int8.toString(), "--int8");
        assertEquals(0, idx8.code(), idx8.err());
        assertTrue(idx8.out().contains("int8"), idx8.out());
        CliRun byImage8 = run("search", int8.toString(), "--images", images.resolve(first).toString(), "-m",
                again.toString(), "-k", "2");
        assertEquals(0, byImage8.code(), byImage8.err());
        assertTrue(byImage8.out().contains("1. 1.0000  " + first), byImage8.out());
    }

    /** The In-Shop hand-worked example of QueryGalleryMetricsTest, through NumPy files and the command line. */
    @Test
    void evalReadsNumpyEmbeddingsInBothForms() throws Exception {
        Path q = dir.resolve("q.npy");
        Path ql = dir.resolve("ql.txt");
        Path g = dir.resolve("g.npy");
        Path gl = dir.resolve("gl.npy");
        io.simforge.core.io.Npy.writeFloats(q, angles(3, 86, 45), 3, 2);
        Files.writeString(ql, "0\n1\n2\n");
        io.simforge.core.io.Npy.writeFloats(g, angles(0, 90, 10, 80), 4, 2);
        io.simforge.core.io.Npy.writeInts(gl, new int[] {0, 1, 1, 0});
        Path out = dir.resolve("qg");
        CliRun o = run("eval", "--embeddings", q.toString(), "--labels", ql.toString(), "--gallery-embeddings",
                g.toString(), "--gallery-labels", gl.toString(), "-o", out.toString());
        assertEquals(0, o.code(), o.err());
        JsonObject m = JsonParser.parseString(Files.readString(out.resolve("metrics.json"))).getAsJsonObject()
                .getAsJsonObject("learned");
        assertEquals(2 / 3.0, m.get("recall@1").getAsDouble(), 1e-12);
        assertEquals(0.5, m.get("map@r").getAsDouble(), 1e-12);

        // Leave-one-out over the gallery alone, with a report (no images: classes only).
        Path loo = dir.resolve("loo");
        CliRun o2 = run("eval", "--embeddings", g.toString(), "--labels", gl.toString(), "-o", loo.toString(), "--report");
        assertEquals(0, o2.code(), o2.err());
        // 0°: nearest 10° (B) miss; 90°: 80° (A) miss; 10°: 0° (A) miss; 80°: 90° (B) miss.
        assertEquals(0.0, JsonParser.parseString(Files.readString(loo.resolve("metrics.json"))).getAsJsonObject()
                .getAsJsonObject("learned").get("recall@1").getAsDouble());
        assertTrue(Files.readString(loo.resolve("report.html")).contains("No images are available"));

        CliRun mismatch = run("eval", "--embeddings", g.toString(), "--labels", ql.toString(), "-o", loo.toString());
        assertEquals(1, mismatch.code());
        assertTrue(mismatch.err().contains("holds 3 labels but " + g + " has 4 rows"), mismatch.err());
        CliRun noEval = run("report", dir.resolve("empty").toString());
        assertEquals(1, noEval.code());
        assertTrue(noEval.err().contains("run folder not found"), noEval.err());
    }

    private static float[] angles(double... degrees) {
        float[] x = new float[degrees.length * 2];
        for (int i = 0; i < degrees.length; i++) {
            x[2 * i] = (float) Math.cos(Math.toRadians(degrees[i]));
            x[2 * i + 1] = (float) Math.sin(Math.toRadians(degrees[i]));
        }
        return x;
    }

    /** A `simforge train` run (with validation) evaluates and reports straight from its folder. */
    @Test
    void aTrainingRunIsEvaluatedAndReportedFromItsFolder() throws Exception {
        Path run = dir.resolve("trained");
        CliRun train = run("train", "--iterations", "12", "--validation-classes", "5-9", "--validation-per-class", "20",
                "--validate-every", "5", "-o", run.toString());
        assertEquals(0, train.code(), train.err());
        assertEquals(java.util.List.of(0, 5, 10, 12), io.simforge.core.run.TrainingLog.read(run.resolve("train-log.jsonl"))
                .validations().stream().map(c -> c.iteration()).toList());
        CliRun eval = run("eval", "-m", run.toString(), "--classes", "5-9", "--report");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("Exported " + run.resolve("model")), eval.out());
        for (String f : new String[] {"model.onnx", "metrics.json", "eval/embeddings.npy", "report.html"}) {
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        }
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("id=\"loss-chart\"") && html.contains("data:image/png;base64,"));
        CliRun overlap = run("train", "--validation-classes", "3-5", "-o", dir.resolve("bad").toString());
        assertEquals(1, overlap.code());
        assertTrue(overlap.err().contains("overlap the training classes"), overlap.err());
    }

    /** Any setting from the command line, checkpoints, and a run continued with --resume (here: extended). */
    @Test
    void settingsOverridesCheckpointsAndResume() throws Exception {
        Path run = dir.resolve("resumable");
        CliRun first = run("train", "--iterations", "8", "--set", "checkpointEvery=4", "--set", "optimizer=sgd",
                "--set", "schedule=cosine", "--set", "widths=[4,8]", "-o", run.toString());
        assertEquals(0, first.code(), first.err());
        JsonObject config = JsonParser.parseString(Files.readString(run.resolve("config.json"))).getAsJsonObject();
        assertEquals("sgd", config.get("optimizer").getAsString());
        assertEquals(2, config.getAsJsonArray("widths").size());
        assertTrue(Files.isRegularFile(run.resolve("checkpoint/weights.params")));
        config.addProperty("iterations", 12);
        Files.writeString(run.resolve("config.json"), config.toString());
        CliRun resumed = run("train", "--resume", run.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("Resuming " + run), resumed.out());
        var log = io.simforge.core.run.TrainingLog.read(run.resolve("train-log.jsonl"));
        assertEquals(java.util.stream.IntStream.rangeClosed(1, 12).boxed().toList(),
                log.steps().stream().map(s -> s.iteration()).toList(), "one log, iterations 1 to 12, none twice");
        CliRun typo = run("train", "--set", "learningrate=0.1", "-o", dir.resolve("typo").toString());
        assertEquals(1, typo.code());
        assertTrue(typo.err().contains("unknown setting 'learningrate'"), typo.err());
    }

    @Test
    void aMissingDatasetFolderIsNamed() {
        CliRun o = run("train", "--data", dir.resolve("nowhere").toString(), "-o", dir.resolve("r").toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("dataset folder not found: " + dir.resolve("nowhere")), o.err());
    }

    @Test
    void aBatchSizeThatIsNotPTimesKFailsBeforeTraining() {
        CliRun o = run("train", "--batch-size", "50", "--samples-per-class", "16", "-o", dir.resolve("r").toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("batchSize 50 is not P×K for K = 16"), o.err());
        assertTrue(!Files.exists(dir.resolve("r")), "nothing is written for an invalid configuration");
    }

    @Test
    void aFileThatIsNotAnEmbeddingModelIsRefused() throws Exception {
        Path junk = dir.resolve("junk.onnx");
        Files.writeString(junk, "this is not a model");
        CliRun o = run("eval", "-m", junk.toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("cannot load " + junk + " as an ONNX model"), o.err());
    }

    @Test
    void classListsParse() {
        assertEquals(java.util.List.of(0, 1, 2, 8), io.simforge.datasets.ClassSelection.parse("0-2,8"));
        assertEquals(1, run("eval", "-m", "x.onnx", "--classes", "a-b").code());
    }
}
