package io.simforge.cli;

import io.simforge.core.device.DeviceSpec;
import io.simforge.core.io.Json;
import io.simforge.core.io.Npy;
import io.simforge.core.model.Preprocessing;
import io.simforge.infer.Embedder;
import io.simforge.infer.ExactIndex;
import io.simforge.infer.OnnxIndexScorer;
import io.simforge.infer.ImagePreprocessor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Queries an index with images, vectors or the ids of indexed items. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Find the k most similar indexed items for query images (with -m), query vectors (.npy) or "
                + "indexed items (by id; the item itself is left out). Prints the results, or writes them as JSON.")
final class SearchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "INDEX", description = "The .sfindex file.")
    Path indexFile;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Queries queries;

    static final class Queries {
        @Option(names = "--images", arity = "1..*", description = "Query image files (needs -m).")
        List<Path> images;

        @Option(names = "--vectors", description = "Query vectors, n × d .npy.")
        Path vectors;

        @Option(names = "--ids", split = ",", description = "Ids of indexed items to use as queries.")
        List<String> ids;
    }

    @Option(names = {"-m", "--model"}, description = "The .onnx model that embeds --images.")
    Path model;

    @Option(converter = Ranges.Positive.class, names = "-k", defaultValue = "10", description = "Results per query (default 10).")
    int k;

    @Option(names = "--json", description = "Write the results to this JSON file instead of printing them.")
    Path json;

    @Option(names = "--scoring", defaultValue = "java", description = "java (SIMD kernel, default) or onnx (an ONNX "
            + "Runtime graph: MatMul + TopK).")
    String scoring;

    @picocli.CommandLine.Mixin
    ModelSettingsOptions modelSettings;

    @Option(names = "--device", defaultValue = "cpu", converter = Devices.class, description = "With --scoring onnx: "
            + "where ONNX Runtime scores: cpu, cuda or cuda:N (falls back to the CPU). Default cpu.")
    io.simforge.core.device.DeviceSpec device;

    @Override
    public Integer call() throws Exception {
        ExactIndex index = ExactIndex.load(indexFile);
        List<String> names = new ArrayList<>();
        float[] q;
        boolean excludeSelf = false;
        if (queries.images != null) {
            if (model == null) {
                throw new IllegalArgumentException("--images needs the model that embedded the index (-m model.onnx)");
            }
            try (Embedder embedder = Embedder.builder().setModelPath(model).optOverrides(modelSettings.overrides())
                    .build()) {
                if (embedder.embeddingSize() != index.dimension()) {
                    throw new IllegalArgumentException(model + " gives " + embedder.embeddingSize() + "-d embeddings, "
                            + "but " + indexFile + " holds " + index.dimension() + "-d vectors: use the model that "
                            + "embedded the index");
                }
                Preprocessing pre = embedder.metadata().preprocessing();
                if (pre == null) {
                    throw new IllegalArgumentException(model + " takes feature vectors, not images");
                }
                List<java.awt.image.BufferedImage> pictures = new ArrayList<>();
                for (Path image : queries.images) {
                    pictures.add(ImagePreprocessor.decode(image));
                    names.add(image.toString());
                }
                q = embedder.embed(pictures);
            }
        } else if (queries.vectors != null) {
            Npy.FloatArray v = Npy.readFloats(queries.vectors);
            if (v.shape().length != 2 || v.rowSize() != index.dimension()) {
                throw new IllegalArgumentException(queries.vectors + " has shape " + java.util.Arrays.toString(v.shape())
                        + ", but " + indexFile + " holds " + index.dimension() + "-d vectors: queries must be n × "
                        + index.dimension() + " (embedded by the model that embedded the index)");
            }
            io.simforge.core.error.InvalidInputException.requireFinite(v.values(), v.rowSize(),
                    queries.vectors.getFileName().toString());
            q = v.values();
            for (int i = 0; i < v.rows(); i++) {
                names.add(queries.vectors.getFileName() + "[" + i + "]");
            }
        } else {
            q = new float[queries.ids.size() * index.dimension()];
            for (int i = 0; i < queries.ids.size(); i++) {
                float[] v = index.vector(queries.ids.get(i));
                if (v == null) {
                    throw new IllegalArgumentException("id '" + queries.ids.get(i) + "' is not in " + indexFile);
                }
                System.arraycopy(v, 0, q, i * index.dimension(), index.dimension());
                names.add(queries.ids.get(i));
            }
            excludeSelf = true;
        }
        if (q.length % index.dimension() != 0 || q.length == 0) {
            throw new IllegalArgumentException("the queries have " + (q.length == 0 ? "no values" : "a dimension other than "
                    + "the index's " + index.dimension()));
        }
        List<List<ExactIndex.Hit>> hits;
        if ("onnx".equals(scoring)) {
            Devices.note(device);
            try (OnnxIndexScorer scorer = new OnnxIndexScorer(device, 0)) {
                hits = scorer.search(index, q, excludeSelf ? k + 1 : k);
            }
        } else if ("java".equals(scoring)) {
            hits = index.search(q, excludeSelf ? k + 1 : k);
        } else {
            throw new IllegalArgumentException("--scoring must be java or onnx, got " + scoring);
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String self = excludeSelf ? names.get(i) : null;
            List<ExactIndex.Hit> list = hits.get(i).stream().filter(h -> !h.id().equals(self)).limit(k).toList();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("query", names.get(i));
            r.put("results", list.stream().map(h -> Map.of("id", h.id(), "score", h.score())).toList());
            results.add(r);
            if (json == null) {
                System.out.println(names.get(i));
                for (int j = 0; j < list.size(); j++) {
                    System.out.printf(Locale.ROOT, "  %2d. %.4f  %s%n", j + 1, list.get(j).score(), list.get(j).id());
                }
            }
        }
        if (json != null) {
            Json.write(json, results);
            System.out.println("Wrote " + results.size() + " result lists to " + json);
        }
        return 0;
    }
}
