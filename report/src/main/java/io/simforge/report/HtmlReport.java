package io.simforge.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.simforge.core.io.AtomicFiles;
import io.simforge.core.linalg.PackedRows;
import io.simforge.core.run.TrainingLog;
import io.simforge.core.search.ExactKnn;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntFunction;
import javax.imageio.ImageIO;

/**
 * One self-contained HTML page about a model: the training loss and validation curves, the metrics table,
 * a t-SNE map of the test embeddings coloured by class, and retrieval examples (a query image and its
 * nearest neighbours, wrong ones marked). Everything is inlined — the charting library (Apache ECharts),
 * the data, the images as PNG data URIs — so the page opens offline and can be mailed around.
 *
 * <p>The chart data also sits in a {@code <script type="application/json" id="report-data">} block, so the
 * page can be checked (and reused) without running its JavaScript.
 */
public final class HtmlReport {
    /** The ECharts build inlined into every page (a Maven dependency, see the parent POM). */
    static final String ECHARTS = "META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();

    private final Builder b;

    private HtmlReport(Builder b) {
        this.b = b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds the report: {@code set…} for what it needs, {@code opt…} for the rest. */
    public static final class Builder {
        private String title;
        private String subtitle = "";
        private float[] embeddings;
        private int dim;
        private int[] labels;
        private final Map<String, String> facts = new LinkedHashMap<>();
        private final Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        private final List<String> notes = new ArrayList<>();
        private TrainingLog.Contents log;
        private IntFunction<String> classNames = label -> "class " + label;
        private IntFunction<BufferedImage> images;
        private IntFunction<String> itemNames;
        private int projectionPoints = 1500;
        private int queries = 8;
        private int neighbours = 8;
        private long seed = 1;

        private Builder() {}

        public Builder setTitle(String title) {
            this.title = title;
            return this;
        }

        /** The evaluated embeddings (L2-normalised, row-major {@code n × dim}) and their labels. */
        public Builder setEmbeddings(float[] embeddings, int dim, int[] labels) {
            this.embeddings = embeddings;
            this.dim = dim;
            this.labels = labels;
            return this;
        }

        public Builder optSubtitle(String subtitle) {
            this.subtitle = subtitle;
            return this;
        }

        /** A line of the summary, e.g. "Loss" → "Multi-Similarity". */
        public Builder optFact(String name, String value) {
            facts.put(name, value);
            return this;
        }

        /** A column of the metrics table (metric name → value), e.g. "learned" or a baseline. */
        public Builder addMetrics(String column, Map<String, Double> values) {
            metrics.put(column, new LinkedHashMap<>(values));
            return this;
        }

        /** A sentence under the metrics table (protocol, caveats). */
        public Builder optNote(String note) {
            notes.add(note);
            return this;
        }

        public Builder optTrainingLog(TrainingLog.Contents log) {
            this.log = log;
            return this;
        }

        public Builder optClassNames(IntFunction<String> names) {
            this.classNames = names;
            return this;
        }

        /** Item {@code i}'s picture (null when it cannot be shown); without it the examples show class names only. */
        public Builder optImages(IntFunction<BufferedImage> images) {
            this.images = images;
            return this;
        }

        /** Item {@code i}'s name, shown under its picture (e.g. the file it came from: which style drew it). */
        public Builder optItemNames(IntFunction<String> names) {
            this.itemNames = names;
            return this;
        }

        /** Points in the t-SNE map (a class-stratified sample; default 1500). */
        public Builder optProjectionPoints(int points) {
            this.projectionPoints = points;
            return this;
        }

        /** How many example queries and neighbours each (default 8 and 8). */
        public Builder optExamples(int queries, int neighbours) {
            this.queries = queries;
            this.neighbours = neighbours;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public HtmlReport build() {
            if (title == null || title.isBlank()) {
                throw new IllegalArgumentException("a report needs a title (setTitle)");
            }
            if (embeddings == null || labels == null || dim <= 0 || (long) labels.length * dim != embeddings.length) {
                throw new IllegalArgumentException("a report needs embeddings with one label per row (setEmbeddings)");
            }
            if (labels.length < 4) {
                throw new IllegalArgumentException("a report needs at least 4 evaluated items, got " + labels.length);
            }
            if (projectionPoints < 4 || queries < 0 || neighbours < 1) {
                throw new IllegalArgumentException("projection points must be >= 4, queries >= 0, neighbours >= 1");
            }
            return new HtmlReport(this);
        }
    }

    /** Writes the page atomically. */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, render());
    }

    /** The whole page. */
    public String render() {
        JsonObject data = new JsonObject();
        data.add("training", trainingData());
        data.add("projection", projectionData());
        StringBuilder h = new StringBuilder(1_200_000);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta name=\"generator\" content=\"simforge\">\n")
                .append("<title>").append(esc(b.title)).append("</title>\n<style>\n").append(CSS).append("</style>\n")
                .append("<!-- Apache ECharts 5.3.1, Apache License 2.0, https://echarts.apache.org -->\n<script>")
                .append(echarts()).append("</script>\n</head>\n<body>\n<main>\n");
        h.append("<header><h1>").append(esc(b.title)).append("</h1><p class=\"sub\">").append(esc(b.subtitle))
                .append(b.subtitle.isEmpty() ? "" : " · ").append("report written ")
                .append(esc(ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"))))
                .append("</p></header>\n");
        summary(h);
        metricsTable(h);
        h.append("<section id=\"training\"><h2>Training</h2>\n");
        if (b.log == null || b.log.steps().isEmpty()) {
            h.append("<p class=\"note\">This run has no training log (it evaluated an existing model).</p>\n");
        } else {
            h.append("<div class=\"charts\"><div id=\"loss-chart\" class=\"chart\"></div>")
                    .append("<div id=\"validation-chart\" class=\"chart\"></div></div>\n");
            if (b.log.validations().isEmpty()) {
                h.append("<p class=\"note\">No validation was logged during training.</p>\n");
            }
        }
        h.append("</section>\n");
        int shown = data.getAsJsonObject("projection").getAsJsonArray("points").size();
        h.append("<section id=\"projection\"><h2>Map of the test embeddings</h2>\n")
                .append("<div id=\"projection-chart\" class=\"chart tall\"></div>\n<p class=\"note\">t-SNE (perplexity 30) of ")
                .append(shown).append(shown < b.labels.length ? " items sampled evenly across classes from " : " of ")
                .append(b.labels.length).append(" test items, coloured by class. Nearby points have similar embeddings; "
                        + "distances between far-apart groups mean little in t-SNE.</p>\n</section>\n");
        examples(h);
        h.append("<footer>simforge · charts by Apache ECharts</footer>\n</main>\n")
                .append("<script type=\"application/json\" id=\"report-data\">")
                .append(GSON.toJson(data).replace("</", "<\\/")).append("</script>\n<script>\n").append(SCRIPT)
                .append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private void summary(StringBuilder h) {
        h.append("<section id=\"summary\"><dl>");
        b.facts.forEach((k, v) -> h.append("<dt>").append(esc(k)).append("</dt><dd>").append(esc(v)).append("</dd>"));
        h.append("<dt>Evaluated items</dt><dd>").append(b.labels.length).append(" in ")
                .append(java.util.Arrays.stream(b.labels).distinct().count()).append(" classes, ").append(b.dim)
                .append("-d embeddings</dd></dl></section>\n");
    }

    private void metricsTable(StringBuilder h) {
        h.append("<section id=\"metrics\"><h2>Metrics</h2>\n");
        if (b.metrics.isEmpty()) {
            h.append("<p class=\"note\">No metrics were recorded.</p>");
        } else {
            List<String> names = new ArrayList<>();
            b.metrics.values().forEach(m -> m.keySet().forEach(k -> {
                if (!names.contains(k)) {
                    names.add(k);
                }
            }));
            h.append("<table class=\"metrics\"><thead><tr><th>Metric</th>");
            b.metrics.keySet().forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
            h.append("</tr></thead><tbody>\n");
            for (String name : names) {
                h.append("<tr><td>").append(esc(label(name))).append("</td>");
                for (Map<String, Double> column : b.metrics.values()) {
                    Double v = column.get(name);
                    h.append("<td>").append(v == null ? "" : v.isNaN() ? "n/a" : String.format(Locale.ROOT, "%.4f", v))
                            .append("</td>");
                }
                h.append("</tr>\n");
            }
            h.append("</tbody></table>\n");
        }
        for (String note : b.notes) {
            h.append("<p class=\"note\">").append(esc(note)).append("</p>\n");
        }
        h.append("</section>\n");
    }

    /** Display names for the metric keys the project writes. */
    static String label(String key) {
        if (key.startsWith("recall@")) {
            return "Recall@" + key.substring(7);
        }
        return switch (key) {
            case "p@1" -> "P@1";
            case "map@r" -> "MAP@R";
            case "r_precision" -> "R-Precision";
            case "nmi" -> "NMI";
            case "f1" -> "F1 (clustering)";
            default -> key;
        };
    }

    private JsonObject trainingData() {
        JsonObject t = new JsonObject();
        JsonArray loss = new JsonArray();
        JsonArray smooth = new JsonArray();
        if (b.log != null) {
            List<TrainingLog.Step> steps = b.log.steps();
            int window = Math.max(1, steps.size() / 50);
            double sum = 0;
            for (int i = 0; i < steps.size(); i++) {
                sum += steps.get(i).loss();
                if (i >= window) {
                    sum -= steps.get(i - window).loss();
                }
                loss.add(pair(steps.get(i).iteration(), steps.get(i).loss()));
                smooth.add(pair(steps.get(i).iteration(), sum / Math.min(i + 1, window)));
            }
            t.addProperty("smoothingWindow", window);
        }
        t.add("loss", loss);
        t.add("lossSmoothed", smooth);
        JsonObject validation = new JsonObject();
        if (b.log != null) {
            Map<String, JsonArray> series = new LinkedHashMap<>();
            for (TrainingLog.Check c : b.log.validations()) {
                for (String key : new String[] {"recall@1", "map@r"}) {
                    Double v = c.metrics().get(key);
                    if (v != null) {
                        series.computeIfAbsent(label(key), k -> new JsonArray()).add(pair(c.iteration(), v));
                    }
                }
            }
            series.forEach(validation::add);
        }
        t.add("validation", validation);
        return t;
    }

    private static JsonArray pair(double x, double y) {
        JsonArray a = new JsonArray();
        a.add(x);
        a.add(y);
        return a;
    }

    /** A class-stratified, seeded sample of the items, in item order. */
    private int[] sample(int max) {
        int n = b.labels.length;
        if (n <= max) {
            return java.util.stream.IntStream.range(0, n).toArray();
        }
        Map<Integer, List<Integer>> byClass = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            byClass.computeIfAbsent(b.labels[i], k -> new ArrayList<>()).add(i);
        }
        Random r = new Random(b.seed);
        List<Integer> picked = new ArrayList<>();
        for (List<Integer> items : byClass.values()) {
            java.util.Collections.shuffle(items, r);
            long take = Math.max(1, Math.round(items.size() * (double) max / n));
            picked.addAll(items.subList(0, (int) Math.min(take, items.size())));
        }
        return picked.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    private JsonObject projectionData() {
        int[] idx = sample(b.projectionPoints);
        float[] x = new float[idx.length * b.dim];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(b.embeddings, idx[i] * b.dim, x, i * b.dim, b.dim);
        }
        double[] y = Tsne.embed(x, b.dim, 30);
        JsonObject p = new JsonObject();
        JsonArray points = new JsonArray();
        Map<Integer, String> classes = new TreeMap<>();
        for (int i = 0; i < idx.length; i++) {
            JsonArray pt = new JsonArray();
            pt.add(Math.round(y[2 * i] * 1000) / 1000.0);
            pt.add(Math.round(y[2 * i + 1] * 1000) / 1000.0);
            pt.add(b.labels[idx[i]]);
            points.add(pt);
            classes.putIfAbsent(b.labels[idx[i]], b.classNames.apply(b.labels[idx[i]]));
        }
        JsonObject names = new JsonObject();
        classes.forEach((k, v) -> names.addProperty(Integer.toString(k), v));
        p.add("points", points);
        p.add("classNames", names);
        return p;
    }

    private void examples(StringBuilder h) {
        h.append("<section id=\"retrieval\"><h2>Retrieval examples</h2>\n");
        if (b.queries == 0) {
            h.append("</section>\n");
            return;
        }
        // Queries: one per class in turn (seeded), so every class gets shown before any repeats.
        Map<Integer, List<Integer>> byClass = new TreeMap<>();
        for (int i = 0; i < b.labels.length; i++) {
            byClass.computeIfAbsent(b.labels[i], k -> new ArrayList<>()).add(i);
        }
        Random r = new Random(b.seed + 1);
        List<Integer> queries = new ArrayList<>();
        List<List<Integer>> pools = new ArrayList<>(byClass.values());
        for (int round = 0; queries.size() < Math.min(b.queries, b.labels.length); round++) {
            for (List<Integer> pool : pools) {
                if (queries.size() < b.queries && round < pool.size()) {
                    int pick;
                    do {
                        pick = pool.get(r.nextInt(pool.size()));
                    } while (queries.contains(pick));
                    queries.add(pick);
                }
            }
        }
        float[] q = new float[queries.size() * b.dim];
        for (int i = 0; i < queries.size(); i++) {
            System.arraycopy(b.embeddings, queries.get(i) * b.dim, q, i * b.dim, b.dim);
        }
        int k = Math.min(b.neighbours + 1, b.labels.length);
        ExactKnn.Neighbours nb = ExactKnn.searchWithScores(q, PackedRows.pack(b.embeddings, b.labels.length, b.dim), k, -1);
        h.append("<p class=\"note\">Each row: a test item (left) and its ").append(b.neighbours)
                .append(" nearest other test items by cosine similarity, best first. A red frame and ✗ mark a "
                        + "neighbour of another class.")
                .append(b.images == null ? " (No images are available for this evaluation: classes only.)" : "")
                .append("</p>\n<div class=\"grid\">\n");
        for (int i = 0; i < queries.size(); i++) {
            int query = queries.get(i);
            h.append("<div class=\"row\"><figure class=\"query\">").append(image(query)).append("<figcaption>")
                    .append(esc(b.classNames.apply(b.labels[query]))).append("<br>query #").append(query)
                    .append(itemName(query)).append("</figcaption></figure>");
            int shown = 0;
            int correct = 0;
            for (int j = 0; j < k && shown < b.neighbours; j++) {
                int g = nb.indices()[i][j];
                if (g < 0 || g == query) {
                    continue;
                }
                boolean hit = b.labels[g] == b.labels[query];
                correct += hit ? 1 : 0;
                h.append("<figure class=\"").append(hit ? "hit" : "miss").append("\">").append(image(g))
                        .append("<figcaption>").append(hit ? "" : "✗ ").append(esc(b.classNames.apply(b.labels[g])))
                        .append("<br>").append(String.format(Locale.ROOT, "%.3f", nb.scores()[i][j]))
                        .append(itemName(g)).append("</figcaption></figure>");
                shown++;
            }
            h.append("<div class=\"tally\">").append(correct).append("/").append(shown).append("</div></div>\n");
        }
        h.append("</div>\n</section>\n");
    }

    private String itemName(int item) {
        String name = b.itemNames == null ? null : b.itemNames.apply(item);
        return name == null ? "" : "<br><span class=\"item\">" + esc(name) + "</span>";
    }

    private String image(int item) {
        BufferedImage img = b.images == null ? null : b.images.apply(item);
        if (img == null) {
            return "<div class=\"noimg\">" + esc(b.classNames.apply(b.labels[item])) + "</div>";
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "<img alt=\"item " + item + "\" width=\"" + img.getWidth() + "\" height=\"" + img.getHeight()
                + "\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray()) + "\">";
    }

    private static String echarts() {
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(ECHARTS)) {
            if (in == null) {
                throw new IllegalStateException("the ECharts library (" + ECHARTS + ") is missing from the classpath; "
                        + "rebuild simforge (it comes from the org.webjars.npm:echarts dependency)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("</script", "<\\/script");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static final String CSS = """
            :root { --fg:#1d2330; --muted:#5b6475; --line:#e3e6ec; --hit:#2e9d5b; --miss:#d6453d; --bg:#f7f8fa; }
            * { box-sizing: border-box; }
            body { margin:0; background:var(--bg); color:var(--fg);
                   font:15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
            main { max-width:1180px; margin:0 auto; padding:28px 24px 48px; }
            header h1 { margin:0 0 4px; font-size:26px; }
            .sub { margin:0; color:var(--muted); }
            section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:18px 22px; margin-top:20px; }
            h2 { margin:0 0 12px; font-size:18px; }
            dl { display:grid; grid-template-columns:max-content 1fr; gap:4px 18px; margin:0; }
            dt { color:var(--muted); } dd { margin:0; }
            table.metrics { border-collapse:collapse; font-variant-numeric:tabular-nums; }
            table.metrics th, table.metrics td { padding:6px 14px; border-bottom:1px solid var(--line); text-align:right; }
            table.metrics th:first-child, table.metrics td:first-child { text-align:left; }
            table.metrics th { font-weight:600; color:var(--muted); }
            table.metrics td:nth-child(2) { font-weight:600; }
            .note { color:var(--muted); font-size:13.5px; margin:10px 0 0; }
            .charts { display:grid; grid-template-columns:1fr 1fr; gap:16px; }
            .chart { height:320px; } .chart.tall { height:560px; }
            @media (max-width: 800px) { .charts { grid-template-columns:1fr; } }
            .grid .row { display:flex; align-items:flex-start; gap:8px; padding:8px 0; border-bottom:1px solid var(--line); }
            figure { margin:0; text-align:center; width:84px; }
            figure img, .noimg { width:72px; height:72px; image-rendering:pixelated; border:3px solid transparent;
                                 border-radius:6px; display:block; margin:0 auto; background:#000; }
            .noimg { background:#eef0f4; color:var(--muted); font-size:11px; display:flex; align-items:center;
                     justify-content:center; }
            figure.query img, figure.query .noimg { border-color:#3b6fd8; }
            figcaption .item { color:var(--muted); font-size:10px; word-break:break-all; }
            figure.query { margin-right:14px; font-weight:600; }
            figure.hit img, figure.hit .noimg { border-color:var(--hit); }
            figure.miss img, figure.miss .noimg { border-color:var(--miss); }
            figcaption { font-size:11px; line-height:1.3; color:var(--muted); margin-top:3px; }
            figure.miss figcaption { color:var(--miss); font-weight:600; }
            .tally { margin-left:auto; align-self:center; color:var(--muted); font-variant-numeric:tabular-nums; }
            footer { color:var(--muted); font-size:12px; margin-top:18px; text-align:center; }
            """;

    private static final String SCRIPT = """
            (function () {
              var data = JSON.parse(document.getElementById('report-data').textContent);
              var palette = ['#4e79a7','#f28e2b','#e15759','#76b7b2','#59a14f','#edc948','#b07aa1','#ff9da7',
                             '#9c755f','#bab0ac','#1f77b4','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2'];
              function chart(id, option) {
                var el = document.getElementById(id);
                if (!el) return;
                var c = echarts.init(el, null, {renderer: 'canvas'});
                c.setOption(option);
                window.addEventListener('resize', function () { c.resize(); });
              }
              var t = data.training;
              if (t.loss.length) {
                chart('loss-chart', {
                  animation: false,
                  title: {text: 'Training loss', left: 'center', textStyle: {fontSize: 14}},
                  tooltip: {trigger: 'axis'},
                  legend: {bottom: 0},
                  grid: {left: 50, right: 20, top: 40, bottom: 60},
                  xAxis: {type: 'value', name: 'iteration', nameLocation: 'middle', nameGap: 26, min: 'dataMin', max: 'dataMax'},
                  yAxis: {type: 'value', scale: true},
                  series: [
                    {name: 'per iteration', type: 'line', data: t.loss, showSymbol: false,
                     lineStyle: {width: 1, opacity: 0.35}, itemStyle: {color: '#9aa7bd'}},
                    {name: 'moving average (' + t.smoothingWindow + ')', type: 'line', data: t.lossSmoothed,
                     showSymbol: false, lineStyle: {width: 2.5}, itemStyle: {color: '#3b6fd8'}}
                  ]
                });
                var names = Object.keys(t.validation);
                chart('validation-chart', {
                  animation: false,
                  title: {text: names.length ? 'Validation' : 'Validation (none logged)', left: 'center', textStyle: {fontSize: 14}},
                  tooltip: {trigger: 'axis', valueFormatter: function (v) { return v.toFixed(4); }},
                  legend: {bottom: 0},
                  grid: {left: 50, right: 20, top: 40, bottom: 60},
                  xAxis: {type: 'value', name: 'iteration', nameLocation: 'middle', nameGap: 26, min: 0,
                          max: t.loss.length ? t.loss[t.loss.length - 1][0] : null},
                  yAxis: {type: 'value', min: 0, max: 1},
                  series: names.map(function (n, i) {
                    return {name: n, type: 'line', data: t.validation[n], symbolSize: 7,
                            itemStyle: {color: ['#2e9d5b', '#e08a1e'][i % 2]}, lineStyle: {width: 2.5}};
                  })
                });
              }
              var p = data.projection;
              var byClass = {};
              p.points.forEach(function (pt) { (byClass[pt[2]] = byClass[pt[2]] || []).push([pt[0], pt[1]]); });
              chart('projection-chart', {
                animation: false,
                tooltip: {trigger: 'item', formatter: function (x) { return x.seriesName; }},
                legend: {type: 'scroll', bottom: 0},
                grid: {left: 20, right: 20, top: 10, bottom: 50},
                xAxis: {type: 'value', show: false, scale: true},
                yAxis: {type: 'value', show: false, scale: true},
                series: Object.keys(byClass).map(function (label, i) {
                  return {name: p.classNames[label] || ('class ' + label), type: 'scatter', data: byClass[label],
                          symbolSize: 5, itemStyle: {color: palette[i % palette.length], opacity: 0.8}};
                })
              });
            })();
            """;
}
