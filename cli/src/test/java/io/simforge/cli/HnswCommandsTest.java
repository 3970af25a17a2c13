package io.simforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import io.simforge.core.io.Npy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `index --type hnsw`, `search --beam --filter` and `index recall`, end to end. */
class HnswCommandsTest {
    @TempDir
    Path dir;

    private record Outcome(int code, String out, String err) {}

    private static Outcome run(String... args) {
        StringWriter err = new StringWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err));
            int code = cl.execute(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void oldGraphDegreeSpellingStillParsesButIsNotAdvertised() {
        IndexCommand index = new IndexCommand();
        new CommandLine(index).parseArgs("--m", "12", "-o", "x.sfindex");
        assertEquals(12, index.m);
        BenchCommand.Hnsw bench = new BenchCommand.Hnsw();
        new CommandLine(bench).parseArgs("dir", "--m", "24");
        assertEquals(24, bench.m);
        for (Object command : new Object[] {new IndexCommand(), new BenchCommand.Hnsw()}) {
            String usage = new CommandLine(command).getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertTrue(usage.contains("--graph-degree=<degree>"), usage);
            assertTrue(!usage.contains("--m ") && !usage.contains("--m="), usage);
        }
    }

    @Test
    void hnswAndExactIndexesAgreeUnderAFilterAndRecallIsMeasured() throws Exception {
        Random r = new Random(3);
        int n = 300;
        int dim = 8;
        float[] v = new float[n * dim];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        Npy.writeFloats(dir.resolve("e.npy"), v, n, dim);
        Npy.writeFloats(dir.resolve("q.npy"), java.util.Arrays.copyOf(v, 2 * dim), 2, dim);
        List<String> ids = new ArrayList<>();
        List<String> attributes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add("i" + i);
            attributes.add("i" + i + "\tshop=" + (i % 3 == 0 ? "berlin" : "paris") + "\tsize=" + (i % 2));
        }
        Files.write(dir.resolve("ids.txt"), ids);
        Files.write(dir.resolve("a.tsv"), attributes);
        String[] data = {"--embeddings", dir.resolve("e.npy").toString(), "--ids", dir.resolve("ids.txt").toString(),
                "--attributes", dir.resolve("a.tsv").toString()};
        Outcome hnsw = run(concat(new String[] {"index", "--type", "hnsw", "--graph-degree", "8", "--beam", "50", "-o",
                dir.resolve("g.hnsw").toString()}, data));
        assertEquals(0, hnsw.code(), hnsw.err());
        Outcome exact = run(concat(new String[] {"index", "-o", dir.resolve("g.sfindex").toString()}, data));
        assertEquals(0, exact.code(), exact.err());
        List<JsonArray> results = new ArrayList<>();
        for (String index : new String[] {"g.hnsw", "g.sfindex"}) {
            Path json = dir.resolve(index + ".json");
            Outcome s = run("search", dir.resolve(index).toString(), "--vectors", dir.resolve("q.npy").toString(),
                    "-k", "5", "--beam", "300", "--filter", "shop=berlin,size=0", "--json", json.toString());
            assertEquals(0, s.code(), s.err());
            results.add(JsonParser.parseString(Files.readString(json)).getAsJsonArray());
        }
        for (int q = 0; q < 2; q++) { // a beam as wide as the index gives the exact answer (scores to float rounding)
            var approximate = results.get(0).get(q).getAsJsonObject().getAsJsonArray("results");
            var exactHits = results.get(1).get(q).getAsJsonObject().getAsJsonArray("results");
            assertEquals(exactHits.size(), approximate.size());
            for (int j = 0; j < exactHits.size(); j++) {
                assertEquals(exactHits.get(j).getAsJsonObject().get("id"), approximate.get(j).getAsJsonObject().get("id"));
                assertEquals(exactHits.get(j).getAsJsonObject().get("score").getAsDouble(),
                        approximate.get(j).getAsJsonObject().get("score").getAsDouble(), 1e-5);
            }
        }
        for (var hit : results.get(0).get(0).getAsJsonObject().getAsJsonArray("results")) {
            int i = Integer.parseInt(hit.getAsJsonObject().get("id").getAsString().substring(1));
            assertTrue(i % 6 == 0, "shop=berlin and size=0: " + i);
        }
        Outcome recall = run("index", "recall", dir.resolve("g.hnsw").toString(), "--sample", "50", "--beam", "300");
        assertEquals(0, recall.code(), recall.err());
        assertTrue(recall.out().contains("300    1.0000"), recall.out());
        Outcome bad = run("search", dir.resolve("g.hnsw").toString(), "--vectors", dir.resolve("q.npy").toString(),
                "--filter", "shop");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("not key=value"), bad.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
