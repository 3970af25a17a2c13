package io.simforge.core.search;

import io.simforge.core.linalg.Int8Rows;
import io.simforge.core.linalg.PackedRows;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Exact top-k by inner product over rows kept twice, as float32 and as 8-bit codes ({@link Int8Rows}): the codes pick
 * each query's candidates, the float32 rows re-rank the few that could matter, and a bound on what the codes can get
 * wrong proves that no other row could rank among the best k. A query whose proof fails is searched again with {@value
 * #GROWTH}× the candidates, at worst by scanning its float32 rows. The result is therefore always the float32 scan's
 * ({@link ExactKnn#searchWithScores(float[], PackedRows, int, int)}): the same rows, scores and ties, not only on the
 * data the tests happen to try.
 *
 * <p>The proof, for a query {@code q} and a row {@code x} with codes {@code c} (decoded value {@code low + (c + 128)
 * ·step} per dimension, each within half a step of {@code x}): {@code q·x = Σ q·(low + 128·step) + Σ (q·step)·c + e}
 * with {@code |e| ≤ Σ |q|·step/2} ({@link Int8Rows#decodingErrorBound}). A {@link CandidatePicker} ranks rows by
 * (an approximation of) the middle sum, keeps the best ones, and bounds {@code q·x} from above for each candidate
 * (its own score plus the scoring error plus {@code e}'s bound) and for every row it did not keep (the same with the
 * lowest kept score). The {@code k} candidates with the highest bounds are re-ranked first; their k-th float32 score
 * {@code S} is a floor for the final one, so only candidates whose bound, plus the float32 rounding of an inner
 * product ({@code γ_dim · Σ|q·x|}), reaches {@code S} are re-ranked next. The list is proven when the bound of the rows
 * left out, plus that rounding, is below the final k-th score: every row not re-ranked then scores strictly less than
 * the k-th in float32 too, so it cannot be in the list, not even by a tie.
 */
public final class QuantizedSearch {
    /** How much the candidates grow for a query whose proof failed. */
    public static final int GROWTH = 8;
    /** The unit roundoff of float32. */
    private static final double U = 0x1p-24;

    private QuantizedSearch() {}

    /** Picks candidate rows by scoring codes, and bounds the inner product of each candidate and of every other row. */
    @FunctionalInterface
    public interface CandidatePicker {
        /**
         * @param queries row-major, the queries to serve now (a subset of the search's, in the same preparation)
         * @param perQuery candidates wanted per query, below the number of rows
         */
        Candidates pick(float[] queries, int perQuery);
    }

    /**
     * What a {@link CandidatePicker} found, per query: candidate rows (distinct), an upper bound on each one's exact
     * (real-number) inner product with the query, and an upper bound on that of every row not among them.
     */
    public record Candidates(int[][] rows, double[][] upper, double[] excludedBound) {}

    /** Ranked neighbours, and how many candidates each query needed before its list was proven. */
    public record Result(ExactKnn.Neighbours neighbours, int[] candidatesUsed) {
        /** How many queries needed more than the first round's candidates. */
        public int requeried(int firstCandidates) {
            return (int) Arrays.stream(candidatesUsed).filter(c -> c > firstCandidates).count();
        }
    }

    /**
     * Each query's best {@code k} rows of {@code exact} by inner product, exactly as the float32 scan ranks them.
     *
     * @param codes the codes of {@code exact}'s rows, same rows in the same order
     * @param firstCandidates candidates per query in the first round, at least {@code k}
     * @param picker how the codes are scored
     */
    public static Result search(float[] queries, Int8Rows codes, PackedRows exact, int k, int firstCandidates,
            CandidatePicker picker) {
        int dim = exact.dim();
        int n = exact.rows();
        if (k <= 0 || firstCandidates < k) {
            throw new IllegalArgumentException("k must be positive and at most the candidates, got k " + k
                    + " and " + firstCandidates + " candidates");
        }
        if (codes.dim() != dim || codes.rows() != n) {
            throw new IllegalArgumentException("the codes hold " + codes.rows() + " rows of dimension " + codes.dim()
                    + ", the float rows " + n + " of dimension " + dim);
        }
        if (queries.length % dim != 0) {
            throw new IllegalArgumentException("query length " + queries.length + " is not a multiple of dimension " + dim);
        }
        int numQueries = queries.length / dim;
        int[][] indices = new int[numQueries][];
        float[][] scores = new float[numQueries][];
        int[] used = new int[numQueries];
        int[] pending = IntStream.range(0, numQueries).toArray();
        long perQuery = firstCandidates;
        while (pending.length > 0) {
            float[] sub = gather(queries, pending, dim);
            ExactKnn.Neighbours got;
            if (perQuery >= n) {
                got = ExactKnn.searchWithScores(sub, exact, k, -1); // every row is a candidate: the scan itself
                for (int i = 0; i < pending.length; i++) {
                    accept(pending[i], got, i, n, indices, scores, used);
                }
                break;
            }
            int m = (int) perQuery;
            Candidates picked = picker.pick(sub, m);
            double[] rounding = new double[pending.length];
            for (int i = 0; i < pending.length; i++) {
                // Twice: once for the row's float32 product, once for the slack of the bounds' own double arithmetic.
                rounding[i] = 2 * gamma(dim + 4) * codes.magnitudeBound(sub, i * dim);
            }
            got = rerankWhatCanMatter(sub, exact, picked, rounding, k);
            int[] failed = new int[pending.length];
            int failures = 0;
            for (int i = 0; i < pending.length; i++) {
                // −∞ (fewer than k candidates) is never proven.
                if (picked.excludedBound()[i] + rounding[i] < got.scores()[i][k - 1]) {
                    accept(pending[i], got, i, m, indices, scores, used);
                } else {
                    failed[failures++] = pending[i];
                }
            }
            pending = Arrays.copyOf(failed, failures);
            perQuery *= GROWTH;
        }
        return new Result(new ExactKnn.Neighbours(indices, scores), used);
    }

    /**
     * Each query's best {@code k} among the candidates that could be in its list: first the {@code k} with the highest
     * bounds, whose k-th float32 score is a floor {@code S} for the final k-th; then every other candidate whose bound
     * plus {@code rounding} reaches {@code S}. A candidate below that scores strictly less than the k-th in float32.
     */
    private static ExactKnn.Neighbours rerankWhatCanMatter(float[] queries, PackedRows exact, Candidates picked,
            double[] rounding, int k) {
        int numQueries = picked.rows().length;
        boolean[][] first = new boolean[numQueries][];
        int[][] firstRows = new int[numQueries][];
        for (int i = 0; i < numQueries; i++) {
            first[i] = highest(picked.upper()[i], k);
            firstRows[i] = rowsWhere(picked.rows()[i], first[i]);
        }
        ExactKnn.Neighbours top = ExactKnn.rerank(queries, exact, firstRows, k);
        int[][] moreRows = new int[numQueries][];
        for (int i = 0; i < numQueries; i++) {
            float floor = top.scores()[i][k - 1];
            double[] upper = picked.upper()[i];
            boolean[] more = new boolean[upper.length];
            for (int j = 0; j < upper.length; j++) {
                more[j] = !first[i][j] && upper[j] + rounding[i] >= floor;
            }
            moreRows[i] = rowsWhere(picked.rows()[i], more);
        }
        ExactKnn.Neighbours rest = ExactKnn.rerank(queries, exact, moreRows, k);
        int[][] indices = new int[numQueries][];
        float[][] scores = new float[numQueries][];
        for (int i = 0; i < numQueries; i++) {
            ExactKnn.merge(top, rest, i, k, indices, scores);
        }
        return new ExactKnn.Neighbours(indices, scores);
    }

    /** Marks {@code min(k, upper.length)} positions whose values are the highest (ties to the earlier position). */
    private static boolean[] highest(double[] upper, int k) {
        boolean[] marked = new boolean[upper.length];
        if (upper.length <= k) {
            Arrays.fill(marked, true);
            return marked;
        }
        double[] sorted = upper.clone();
        Arrays.sort(sorted);
        double kth = sorted[upper.length - k];
        int taken = 0;
        for (int j = 0; j < upper.length; j++) { // strictly above the k-th first, then ties with it in order
            if (upper[j] > kth) {
                marked[j] = true;
                taken++;
            }
        }
        for (int j = 0; j < upper.length && taken < k; j++) {
            if (upper[j] == kth) {
                marked[j] = true;
                taken++;
            }
        }
        return marked;
    }

    private static int[] rowsWhere(int[] rows, boolean[] marked) {
        int count = 0;
        for (boolean m : marked) {
            count += m ? 1 : 0;
        }
        int[] out = new int[count];
        for (int j = 0, o = 0; j < rows.length; j++) {
            if (marked[j]) {
                out[o++] = rows[j];
            }
        }
        return out;
    }

    /** {@code γ_n = n·u / (1 − n·u)}: the relative error bound of a float32 sum of {@code n} products. */
    static double gamma(int n) {
        return n * U / (1 - n * U);
    }

    private static void accept(int query, ExactKnn.Neighbours got, int i, int candidates, int[][] indices,
            float[][] scores, int[] used) {
        indices[query] = got.indices()[i];
        scores[query] = got.scores()[i];
        used[query] = candidates;
    }

    private static float[] gather(float[] queries, int[] which, int dim) {
        if (which.length * dim == queries.length) {
            return queries;
        }
        float[] out = new float[which.length * dim];
        for (int i = 0; i < which.length; i++) {
            System.arraycopy(queries, which[i] * dim, out, i * dim, dim);
        }
        return out;
    }

    /**
     * Candidates by the Java kernel's scores of the codes ({@link ExactKnn#searchQuantized}'s picker). The kernel
     * scores {@code Σ fl(q·step)·c} in float32; a candidate's exact middle sum is at most its score plus the kernel's
     * rounding ({@code γ_dim · Σ|fl(q·step)|·128}) and the rounding of {@code fl(q·step)} itself ({@code u ·
     * Σ|fl(q·step)|·128}, with a margin); a row left out scored at most the lowest kept score.
     */
    public static CandidatePicker javaKernel(Int8Rows codes) {
        return (queries, perQuery) -> {
            int dim = codes.dim();
            float[] scaled = codes.scaleQueries(queries);
            float[][] kept = new float[queries.length / dim][];
            int[][] rows = ExactKnn.pickByCodes(scaled, codes, perQuery, kept);
            double[][] upper = new double[rows.length][];
            double[] excluded = new double[rows.length];
            for (int q = 0; q < rows.length; q++) {
                double scaledMagnitude = 0;
                for (int d = q * dim; d < (q + 1) * dim; d++) {
                    scaledMagnitude += Math.abs(scaled[d]);
                }
                double slack = codes.scoreOffset(queries, q * dim) + (gamma(dim) + 2 * U) * 128 * scaledMagnitude
                        + codes.decodingErrorBound(queries, q * dim);
                upper[q] = new double[rows[q].length];
                for (int j = 0; j < rows[q].length; j++) {
                    upper[q][j] = kept[q][j] + slack;
                }
                excluded[q] = kept[q][rows[q].length - 1] + slack; // the kernel's list is best first
            }
            return new Candidates(rows, upper, excluded);
        };
    }
}
