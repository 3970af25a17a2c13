package io.simforge.hnsw;

import io.simforge.core.error.InvalidInputException;
import io.simforge.infer.AttributeFilter;
import io.simforge.infer.ExactIndex;
import io.simforge.infer.VectorIndex;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Recall@k of an approximate index against exact search on the same items and queries: the share of the exact top k
 * that the approximate search also returns, averaged over queries. What users tune the search beam with, on their
 * own data.
 */
public final class IndexRecall {
    private IndexRecall() {}

    /**
     * One measurement.
     *
     * @param queries how many queries were searched
     * @param k results per query
     * @param beam the approximate search's beam
     * @param recall mean recall@k (queries whose exact answer is empty are left out)
     * @param approximateMillis the approximate search's wall time for all queries
     * @param exactMillis the exact search's
     */
    public record Result(int queries, int k, int beam, double recall, double approximateMillis, double exactMillis) {}

    /**
     * Searches {@code queries} in both indexes, with {@code filter}, and compares their top {@code k}.
     *
     * @param exact an exact index of the same items ({@link HnswIndex#toExactIndex()})
     */
    public static Result measure(HnswIndex approximate, ExactIndex exact, float[] queries, int k, int beam,
            AttributeFilter filter) {
        if (queries.length == 0) {
            throw new InvalidInputException("recall needs at least one query");
        }
        long t0 = System.nanoTime();
        List<List<VectorIndex.Hit>> found = approximate.search(queries, k, filter, beam);
        long t1 = System.nanoTime();
        List<List<VectorIndex.Hit>> truth = exact.search(queries, k, filter);
        long t2 = System.nanoTime();
        return new Result(queries.length / approximate.dimension(), k, beam, recall(found, truth), (t1 - t0) / 1e6,
                (t2 - t1) / 1e6);
    }

    /** Mean over queries of |found ∩ truth| / |truth|, by id; queries with an empty truth are left out. */
    public static double recall(List<List<VectorIndex.Hit>> found, List<List<VectorIndex.Hit>> truth) {
        double sum = 0;
        int counted = 0;
        for (int q = 0; q < truth.size(); q++) {
            if (truth.get(q).isEmpty()) {
                continue;
            }
            Set<String> expected = new HashSet<>();
            truth.get(q).forEach(h -> expected.add(h.id()));
            long hits = found.get(q).stream().filter(h -> expected.contains(h.id())).count();
            sum += (double) hits / expected.size();
            counted++;
        }
        return counted == 0 ? 1 : sum / counted;
    }

    /**
     * Up to {@code n} of the vectors the index's searches see, chosen at random (reservoir sampling, {@code seed}):
     * queries drawn from the data itself, as stored (L2-normalised for cosine).
     *
     * @param all the index's items ({@link HnswIndex#toExactIndex()})
     */
    public static float[] sampleStoredVectors(HnswIndex index, ExactIndex all, int n, long seed) {
        int dim = index.dimension();
        java.util.Random r = new java.util.Random(seed);
        List<String> ids = index.storedIds().stream().filter(all::contains).toList();
        int count = Math.min(n, ids.size());
        String[] chosen = new String[count];
        for (int i = 0; i < ids.size(); i++) {
            int slot = i < count ? i : r.nextInt(i + 1);
            if (slot < count) {
                chosen[slot] = ids.get(i);
            }
        }
        float[] out = new float[count * dim];
        for (int i = 0; i < count; i++) {
            System.arraycopy(all.vector(chosen[i]), 0, out, i * dim, dim);
        }
        return out;
    }
}
