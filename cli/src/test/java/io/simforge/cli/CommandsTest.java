package io.simforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandsTest {
    @TempDir
    Path dir;

    private record Outcome(int code, String out, String err) {}

    private static Outcome run(String... args) {
        PrintStream originalOut = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = cl.execute(args);
        } finally {
            System.setOut(originalOut);
        }
        return new Outcome(code, captured.toString(StandardCharsets.UTF_8), err.toString());
    }

    @Test
    void quickstartWritesARunFolderAndTheExportedModelEvaluatesAgain() throws Exception {
        Path run = dir.resolve("qs");
        Outcome o = run("quickstart", "--iterations", "20", "-o", run.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("R@1"), o.out());
        assertTrue(o.out().contains("(ok)"), "parity check line: " + o.out());
        for (String f : new String[] {"model.onnx", "config.json", "metrics.json", "model/simforge-model.json",
                "model/weights.params"}) {
            assertTrue(Files.isRegularFile(run.resolve(f)), f + " is missing");
        }
        JsonObject metrics = JsonParser.parseString(Files.readString(run.resolve("metrics.json"))).getAsJsonObject();
        double r1 = metrics.getAsJsonObject("learned").get("recall@1").getAsDouble();
        assertTrue(r1 > 0.2 && r1 <= 1.0, "Recall@1 " + r1);
        assertEquals(5000, metrics.get("test_items").getAsInt());

        // The saved model exports again and the ONNX file evaluates with ONNX Runtime alone.
        Path again = dir.resolve("again.onnx");
        Outcome export = run("export", run.resolve("model").toString(), "-o", again.toString());
        assertEquals(0, export.code(), export.err());
        Path metricsFile = dir.resolve("eval.json");
        Outcome eval = run("eval", "-m", again.toString(), "--classes", "5-9", "--metrics", metricsFile.toString());
        assertEquals(0, eval.code(), eval.err());
        JsonObject evalMetrics = JsonParser.parseString(Files.readString(metricsFile)).getAsJsonObject();
        assertEquals(r1, evalMetrics.get("recall@1").getAsDouble(), 1e-9, "the re-exported model gives the same Recall@1");
        for (String key : new String[] {"map@r", "r_precision", "nmi", "f1"}) {
            double v = evalMetrics.get(key).getAsDouble();
            assertTrue(v > 0 && v <= 1, key + " = " + v);
        }
        assertTrue(eval.out().contains("map@r"), eval.out());
    }

    @Test
    void aMissingDatasetFolderIsNamed() {
        Outcome o = run("train", "--data", dir.resolve("nowhere").toString(), "-o", dir.resolve("r").toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("dataset folder not found: " + dir.resolve("nowhere")), o.err());
    }

    @Test
    void aBatchSizeThatIsNotPTimesKFailsBeforeTraining() {
        Outcome o = run("train", "--batch-size", "50", "--samples-per-class", "16", "-o", dir.resolve("r").toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("batchSize 50 is not P×K for K = 16"), o.err());
        assertTrue(!Files.exists(dir.resolve("r")), "nothing is written for an invalid configuration");
    }

    @Test
    void aFileThatIsNotAnEmbeddingModelIsRefused() throws Exception {
        Path junk = dir.resolve("junk.onnx");
        Files.writeString(junk, "this is not a model");
        Outcome o = run("eval", "-m", junk.toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("cannot load " + junk + " as an ONNX model"), o.err());
    }

    @Test
    void classListsParse() {
        assertEquals(java.util.List.of(0, 1, 2, 8), DataOptions.parseClasses("0-2,8"));
        assertEquals(1, run("eval", "-m", "x.onnx", "--classes", "a-b").code());
    }
}
