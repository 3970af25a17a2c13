package io.simforge.spark;

import io.simforge.infer.ExactIndex;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Exact top-k by cosine similarity or inner product over a gallery spread across the cluster, larger than any one
 * executor's memory: for every query row, the k nearest gallery rows, the same answers as {@link ExactIndex} holding
 * the gallery rows in the gallery Dataset's order, ties included (the row that comes first wins). Without queries it
 * is the self-join, the k nearest neighbours of every item, never the item itself (excluded by row, so an exact
 * duplicate elsewhere is still found).
 *
 * <pre>{@code
 * Dataset<Row> neighbours = ExactTopK.builder().setGallery(embedded).setK(10).build().run();
 * // id, neighbours: array<struct<id: string, index: bigint, score: float>>, best first
 * }</pre>
 *
 * <p>Rows whose embedding is null (rejected images) are left out. Ids are written as strings. See {@link BlockJoin}
 * for how the work is cut; {@link Builder#optBlockRows} sets the rows per block (default 16,384: 8 MB of 128-d vectors, so a
 * task holds about three of those plus k results per query).
 */
public final class ExactTopK {
    /** The output's schema: the query's id and its neighbours, best first. */
    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.StringType)
            .add("neighbours", DataTypes.createArrayType(new StructType()
                    .add("id", DataTypes.StringType)
                    .add("index", DataTypes.LongType, false)
                    .add("score", DataTypes.FloatType, false), false), false);

    private final Dataset<Row> gallery;
    private final Dataset<Row> queries;
    private final int k;
    private final String idCol;
    private final String embeddingCol;
    private final ExactIndex.Metric metric;
    private final int blockRows;

    private ExactTopK(Builder b) {
        gallery = b.gallery;
        queries = b.queries;
        k = b.k;
        idCol = b.idCol;
        embeddingCol = b.embeddingCol;
        metric = b.metric;
        blockRows = b.blockRows;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** One neighbour of one query on its way to the query's row; {@code id} is filled in by the join. */
    private record Hit(long query, String queryId, int rank, long index, float score, String id)
            implements java.io.Serializable {
        Hit(long query, String queryId, int rank, long index, float score) {
            this(query, queryId, rank, index, score, null);
        }

        Hit withId(String neighbourId) {
            return new Hit(query, queryId, rank, index, score, neighbourId);
        }
    }

    /**
     * Runs the search: cuts and caches the gallery (and queries) now, and returns the neighbours as a Dataset computed
     * when it is used (write it, or cache it when it is used more than once). Spark drops the cached blocks once
     * the result is no longer referenced.
     */
    public Dataset<Row> run() {
        BlockJoin.Table g = BlockJoin.table(gallery, idCol, embeddingCol, null, metric, blockRows);
        BlockJoin.Table q = queries == null ? g : BlockJoin.table(queries, idCol, embeddingCol, null, metric, blockRows);
        int want = k;
        JavaPairRDD<Long, BlockJoin.TopLists> lists = BlockJoin.search(q, g, queries == null, (block, row) -> want,
                false);
        // Neighbours travel as gallery indices; their ids join in once, after the merge (not once per gallery block).
        // Each query also sends a hit of index -1, so a query without neighbours still gets its row.
        JavaPairRDD<Long, Hit> hits = lists.join(q.blocks().mapToPair(b -> new Tuple2<>(b.key(), b.ids())))
                .flatMapToPair(t -> {
                    BlockJoin.TopLists l = t._2()._1();
                    String[] queryIds = t._2()._2();
                    List<Tuple2<Long, Hit>> out = new ArrayList<>();
                    for (int i = 0; i < l.queries(); i++) {
                        long query = l.queryFirst + i;
                        out.add(new Tuple2<>(-1L, new Hit(query, queryIds[i], -1, -1, 0)));
                        for (int r = 0; r < l.count(i); r++) {
                            out.add(new Tuple2<>(l.index[i][r], new Hit(query, queryIds[i], r, l.index[i][r],
                                    l.score[i][r])));
                        }
                    }
                    return out.iterator();
                });
        long[] galleryOffsets = g.offsets();
        JavaPairRDD<Long, String> galleryIds = g.blocks().flatMapToPair(b -> {
            long first = galleryOffsets[b.partition()] + b.start();
            List<Tuple2<Long, String>> out = new ArrayList<>(b.rows());
            for (int i = 0; i < b.rows(); i++) {
                out.add(new Tuple2<>(first + i, b.ids()[i]));
            }
            return out.iterator();
        });
        JavaRDD<Row> rows = hits.leftOuterJoin(galleryIds)
                .mapToPair(t -> new Tuple2<>(t._2()._1().query(), t._2()._1().withId(t._2()._2().orElse(null))))
                .groupByKey()
                .map(t -> {
                    List<Hit> ranked = new ArrayList<>();
                    String queryId = null;
                    for (Hit h : t._2()) {
                        queryId = h.queryId();
                        if (h.rank() >= 0) {
                            ranked.add(h);
                        }
                    }
                    ranked.sort(java.util.Comparator.comparingInt(Hit::rank));
                    List<Row> neighbours = ranked.stream()
                            .map(h -> RowFactory.create(h.id(), h.index(), h.score())).toList();
                    return RowFactory.create(queryId, scala.jdk.javaapi.CollectionConverters.asScala(neighbours).toSeq());
                });
        return SparkSession.active().createDataFrame(rows, SCHEMA);
    }

    /** {@code set…} for what a search needs, {@code opt…} for the rest; {@link #build()} checks them. */
    public static final class Builder {
        private Dataset<Row> gallery;
        private Dataset<Row> queries;
        private int k;
        private String idCol = "id";
        private String embeddingCol = "embedding";
        private ExactIndex.Metric metric = ExactIndex.Metric.COSINE;
        private int blockRows = 16_384;

        private Builder() {}

        /** The rows to search: an id column and an embedding column ({@code array<float>}, {@code array<double>}, Vector). */
        public Builder setGallery(Dataset<Row> gallery) {
            this.gallery = gallery;
            return this;
        }

        /** The nearest neighbours of each of this many (k ≥ 1). */
        public Builder setK(int k) {
            this.k = k;
            return this;
        }

        /** Rows to find neighbours for, with the same columns; without them, every gallery row (the self-join). */
        public Builder optQueries(Dataset<Row> queries) {
            this.queries = queries;
            return this;
        }

        /** The id column of gallery and queries (default {@code id}). */
        public Builder optIdColumn(String idCol) {
            this.idCol = idCol;
            return this;
        }

        /** The embedding column of gallery and queries (default {@code embedding}). */
        public Builder optEmbeddingColumn(String embeddingCol) {
            this.embeddingCol = embeddingCol;
            return this;
        }

        /** Cosine similarity (default: vectors L2-normalised first, as {@link ExactIndex} does) or inner product. */
        public Builder optMetric(ExactIndex.Metric metric) {
            this.metric = metric;
            return this;
        }

        /** Rows per block (default 16,384): bigger blocks mean fewer tasks, each holding more memory. */
        public Builder optBlockRows(int blockRows) {
            this.blockRows = blockRows;
            return this;
        }

        public ExactTopK build() {
            List<String> problems = new ArrayList<>();
            if (gallery == null) {
                problems.add("no gallery (setGallery)");
            }
            if (k < 1) {
                problems.add("k must be at least 1, got " + k + " (setK)");
            }
            if (blockRows < 1) {
                problems.add("block rows must be positive, got " + blockRows);
            }
            if (metric == null) {
                problems.add("no metric");
            }
            for (Dataset<Row> d : queries == null ? List.of(gallery) : List.of(gallery, queries)) {
                if (d == null) {
                    continue;
                }
                for (String c : List.of(idCol, embeddingCol)) {
                    if (!List.of(d.columns()).contains(c)) {
                        problems.add("no column '" + c + "' in " + (d == gallery ? "the gallery" : "the queries")
                                + " (columns " + List.of(d.columns()) + "); name it with optIdColumn/optEmbeddingColumn");
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new SimforgeSparkException("cannot search: " + String.join("; ", problems));
            }
            return new ExactTopK(this);
        }
    }
}
