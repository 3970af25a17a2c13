package io.simforge.infer;

import io.simforge.core.error.InvalidInputException;
import io.simforge.core.error.SimforgeException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What every simforge search index does: hold (id, vector, attributes) items, add and remove them, search a batch of
 * queries for the top k (optionally among items whose attributes match a filter), save, and say its size,
 * dimension and metric. {@link ExactIndex} is exact search in memory; {@code io.simforge.hnsw.HnswIndex} (module
 * {@code simforge-hnsw}) is approximate search on Lucene's HNSW graphs, for galleries past exact scale.
 *
 * <p>Scores are inner products (cosine similarities for {@link Metric#COSINE}, whose vectors are L2-normalised on the
 * way in); results are best first. An id that is already present is refused by {@link #add}: remove it first.
 * Every add and remove that returned before {@link #refresh()} is visible to the searches that start after it.
 * Every failure is a {@link SimforgeException}.
 */
public interface VectorIndex extends AutoCloseable {

    /** How scores are computed. */
    enum Metric {
        /** Cosine similarity: vectors and queries are L2-normalised, then scored by inner product. */
        COSINE,
        /** Inner product of the vectors as given. */
        DOT;

        /**
         * Puts {@code dim} values at {@code offset} in the form this metric scores, in place: L2-normalised for
         * {@link #COSINE} (a zero vector stays zero), unchanged for {@link #DOT}. Whatever searches with the exact
         * kernel elsewhere (a distributed search, say) prepares its vectors here, so its scores are the index's bit
         * for bit.
         */
        public void prepare(float[] v, int offset, int dim) {
            if (this != COSINE) {
                return;
            }
            float inv = inverseNorm(v, offset, dim);
            for (int d = 0; d < dim; d++) {
                v[offset + d] *= inv;
            }
        }

        /** 1/‖v‖ in float, or 1 for a zero vector (which stays zero): the one scale every cosine vector gets. */
        static float inverseNorm(float[] v, int offset, int dim) {
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                norm += (double) v[offset + d] * v[offset + d];
            }
            return norm > 0 ? (float) (1 / Math.sqrt(norm)) : 1f;
        }
    }

    /** One search result. */
    record Hit(String id, float score) {}

    int dimension();

    Metric metric();

    /** The number of items added and not removed. */
    int size();

    /**
     * Adds an item with string attributes (a category, a shop) that {@link AttributeFilter}s select on.
     *
     * @throws InvalidInputException for a vector of another length, a NaN or infinite value, an id already present,
     *     or an attribute with an empty or null key or a null value; nothing is added then
     */
    void add(String id, float[] vector, Map<String, String> attributes);

    /** Adds an item without attributes. */
    default void add(String id, float[] vector) {
        add(id, vector, Map.of());
    }

    /** Removes an item; returns false when the id is not in the index. */
    boolean remove(String id);

    /**
     * The top {@code k} items for each query (row-major {@code numQueries × dimension}) among the items that
     * {@code filter} accepts, best first; fewer when fewer match.
     *
     * @throws InvalidInputException when k is below 1, the length is not a whole number of queries, or a query has a
     *     NaN or infinite value
     */
    List<List<Hit>> search(float[] queries, int k, AttributeFilter filter);

    /** The top {@code k} items for each query, over every item. */
    default List<List<Hit>> search(float[] queries, int k) {
        return search(queries, k, AttributeFilter.ALL);
    }

    /** Makes every add and remove that returned before this call visible to later searches. */
    default void refresh() {}

    /** Writes the index to {@code target} (a file or a folder, as the index keeps itself), durably. */
    void save(Path target);

    /** Releases files and threads the index holds; an in-memory index holds none. */
    @Override
    default void close() {}
}
