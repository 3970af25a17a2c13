package io.simforge.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.simforge.datasets.FashionMnist;
import io.simforge.datasets.ImageDataset;
import io.simforge.core.run.TrainingLog;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
    @TempDir
    Path dir;

    /** Real images, with embeddings that put each class around its own direction (so neighbours mostly agree). */
    private static float[] embeddings(int[] labels, int dim, long seed) {
        Random r = new Random(seed);
        float[] e = new float[labels.length * dim];
        for (int i = 0; i < labels.length; i++) {
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                double v = (d == labels[i] % dim ? 3 : 0) + r.nextGaussian();
                e[i * dim + d] = (float) v;
                norm += v * v;
            }
            for (int d = 0; d < dim; d++) {
                e[i * dim + d] /= (float) Math.sqrt(norm);
            }
        }
        return e;
    }

    @Test
    void thePageHasEverySectionItsDataAndDecodableImages() throws Exception {
        ImageDataset test = FashionMnist.bundledTestSplit().withClasses(List.of(5, 6, 7, 8, 9)).firstPerClass(60);
        int dim = 16;
        float[] e = embeddings(test.labels(), dim, 3);
        Path logFile = dir.resolve("log.jsonl");
        try (TrainingLog log = TrainingLog.create(logFile)) {
            for (int it = 1; it <= 120; it++) {
                log.iteration(it, 1.0 / it, it * 0.05);
                if (it % 40 == 0) {
                    log.validation(it, Map.of("recall@1", 0.5 + it / 1000.0, "map@r", 0.2));
                }
            }
        }
        HtmlReport report = HtmlReport.builder().setTitle("run <one> & \"two\"").setEmbeddings(e, dim, test.labels())
                .optFact("Loss", "Multi-Similarity").addMetrics("this model", Map.of("recall@1", 0.9, "nmi", 0.7))
                .addMetrics("raw pixels", Map.of("recall@1", 0.8)).optTrainingLog(TrainingLog.read(logFile))
                .optClassNames(c -> FashionMnist.CLASS_NAMES.get(c)).optImages(test::picture)
                .optProjectionPoints(200).optExamples(6, 8).build();
        Path page = dir.resolve("report.html");
        report.write(page);
        String html = Files.readString(page);

        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<title>run &lt;one&gt; &amp; &quot;two&quot;</title>"), "the title is escaped");
        for (String id : new String[] {"summary", "metrics", "training", "loss-chart", "validation-chart", "projection",
            "projection-chart", "retrieval", "report-data"}) {
            assertTrue(html.contains("id=\"" + id + "\""), "section " + id);
        }
        assertTrue(html.contains("echarts.init"), "charts are drawn with ECharts");
        assertTrue(html.length() > 1_000_000, "the ECharts library is inlined");
        assertFalse(Pattern.compile("<script[^>]+src=|<link[^>]+href=\"http|src=\"http").matcher(html).find(),
                "nothing is loaded from elsewhere: the page works offline");

        Matcher json = Pattern.compile("<script type=\"application/json\" id=\"report-data\">(.*?)</script>",
                Pattern.DOTALL).matcher(html);
        assertTrue(json.find());
        JsonObject data = JsonParser.parseString(json.group(1)).getAsJsonObject();
        assertEquals(120, data.getAsJsonObject("training").getAsJsonArray("loss").size());
        assertEquals(3, data.getAsJsonObject("training").getAsJsonObject("validation").getAsJsonArray("Recall@1").size());
        assertEquals(3, data.getAsJsonObject("training").getAsJsonObject("validation").getAsJsonArray("MAP@R").size());
        assertEquals(200, data.getAsJsonObject("projection").getAsJsonArray("points").size(),
                "a class-stratified sample of 200 of the 300 items");
        assertEquals("Sandal", data.getAsJsonObject("projection").getAsJsonObject("classNames").get("5").getAsString());

        // Every image is a PNG that decodes to a 28×28 picture; 6 queries × (1 + 8 neighbours).
        Matcher img = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        List<BufferedImage> images = new ArrayList<>();
        while (img.find()) {
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(img.group(1))));
            assertNotNull(decoded, "an inlined image does not decode");
            images.add(decoded);
        }
        assertEquals(6 * 9, images.size());
        images.forEach(i -> assertEquals(28, i.getWidth()));
        // Wrong neighbours are marked, right ones are not: the marks agree with the labels.
        int misses = count(html, "<figure class=\"miss\">");
        int hits = count(html, "<figure class=\"hit\">");
        assertEquals(6 * 8, misses + hits);
        assertEquals(misses, count(html, "<figcaption>✗ "));
        // The metrics table has both columns and a blank where a baseline lacks a metric.
        assertTrue(html.contains("<th>this model</th><th>raw pixels</th>"));
        assertTrue(html.contains("<td>NMI</td><td>0.7000</td><td></td>"));
    }

    /** With more classes than example queries, the queries come from classes across the label range, not the first. */
    @Test
    void exampleQueriesAreSpreadOverTheClasses() throws Exception {
        int classes = 200;
        int[] labels = new int[classes * 2];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i / 2;
        }
        BufferedImage tile = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        HtmlReport report = HtmlReport.builder().setTitle("many classes").setEmbeddings(embeddings(labels, 8, 5), 8, labels)
                .addMetrics("this model", Map.of("recall@1", 0.5)).optClassNames(c -> "class-" + c)
                .optImages(i -> tile).optProjectionPoints(20).optExamples(8, 2).build();
        Path page = dir.resolve("many.html");
        report.write(page);
        Matcher q = Pattern.compile("class-(\\d+)<br>query #").matcher(Files.readString(page));
        List<Integer> queried = new ArrayList<>();
        while (q.find()) {
            queried.add(Integer.parseInt(q.group(1)));
        }
        assertEquals(8, queried.size());
        assertEquals(8, queried.stream().distinct().count(), "one query per class");
        assertTrue(queried.stream().anyMatch(c -> c >= 100), "queries from across the classes, not only the first: " + queried);
    }

    @Test
    void withoutImagesOrLogThePageSaysSo() {
        int[] labels = new int[40];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 4;
        }
        String html = HtmlReport.builder().setTitle("vectors").setEmbeddings(embeddings(labels, 8, 1), 8, labels)
                .optExamples(3, 4).build().render();
        assertTrue(html.contains("no training log"));
        assertTrue(html.contains("No images are available"));
        assertEquals(3 * 5, count(html, "class=\"noimg\""));
        assertFalse(html.contains("data:image/png"));
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> HtmlReport.builder().setEmbeddings(new float[8], 2,
                new int[] {0, 1, 2, 3}).build(), "no title");
        assertThrows(IllegalArgumentException.class, () -> HtmlReport.builder().setTitle("t").setEmbeddings(new float[8], 2,
                new int[] {0, 1, 2}).build(), "rows and labels disagree");
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
