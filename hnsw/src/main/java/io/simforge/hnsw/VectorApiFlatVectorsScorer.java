package io.simforge.hnsw;

import io.simforge.core.linalg.DotKernel;
import java.io.IOException;
import org.apache.lucene.codecs.hnsw.DefaultFlatVectorScorer;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.VectorUtil;
import org.apache.lucene.util.hnsw.RandomAccessVectorValues;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;

/**
 * Lucene's flat-vectors scorer with the inner products of {@link DotKernel#best()}: SIMD through the Vector API on
 * Java 17, where Lucene 9.12 itself computes them with scalar loops (its Panama provider needs Java 21 or later).
 * It scores float vectors under {@link VectorSimilarityFunction#DOT_PRODUCT} and
 * {@link VectorSimilarityFunction#MAXIMUM_INNER_PRODUCT}, the two similarities simforge's indexes use, with Lucene's
 * own score transforms, and hands every other case to Lucene's {@link DefaultFlatVectorScorer}.
 */
final class VectorApiFlatVectorsScorer implements FlatVectorsScorer {
    static final VectorApiFlatVectorsScorer INSTANCE = new VectorApiFlatVectorsScorer();
    private static final DotKernel KERNEL = DotKernel.best();

    private VectorApiFlatVectorsScorer() {}

    @Override
    public RandomVectorScorerSupplier getRandomVectorScorerSupplier(VectorSimilarityFunction similarity,
            RandomAccessVectorValues values) throws IOException {
        if (handles(similarity) && values instanceof RandomAccessVectorValues.Floats floats) {
            return new Supplier(similarity, floats);
        }
        return DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorerSupplier(similarity, values);
    }

    @Override
    public RandomVectorScorer getRandomVectorScorer(VectorSimilarityFunction similarity,
            RandomAccessVectorValues values, float[] target) throws IOException {
        if (handles(similarity) && values instanceof RandomAccessVectorValues.Floats floats) {
            if (target.length != floats.dimension()) {
                throw new IllegalArgumentException("a " + target.length + "-d query against " + floats.dimension()
                        + "-d vectors");
            }
            return new Scorer(similarity, floats, target);
        }
        return DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorer(similarity, values, target);
    }

    @Override
    public RandomVectorScorer getRandomVectorScorer(VectorSimilarityFunction similarity,
            RandomAccessVectorValues values, byte[] target) throws IOException {
        return DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorer(similarity, values, target);
    }

    private static boolean handles(VectorSimilarityFunction similarity) {
        return similarity == VectorSimilarityFunction.DOT_PRODUCT
                || similarity == VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT;
    }

    /** Lucene's score for an inner product under {@code similarity} (as {@link VectorSimilarityFunction#compare}). */
    static float score(VectorSimilarityFunction similarity, float dot) {
        return similarity == VectorSimilarityFunction.DOT_PRODUCT
                ? Math.max((1 + dot) / 2, 0)
                : VectorUtil.scaleMaxInnerProductScore(dot);
    }

    @Override
    public String toString() {
        return "VectorApiFlatVectorsScorer(" + KERNEL.name() + ")";
    }

    /** Scores stored vectors against one query. */
    private static final class Scorer extends RandomVectorScorer.AbstractRandomVectorScorer {
        private final VectorSimilarityFunction similarity;
        private final RandomAccessVectorValues.Floats values;
        private final float[] target;

        Scorer(VectorSimilarityFunction similarity, RandomAccessVectorValues.Floats values, float[] target) {
            super(values);
            this.similarity = similarity;
            this.values = values;
            this.target = target;
        }

        @Override
        public float score(int node) throws IOException {
            return VectorApiFlatVectorsScorer.score(similarity,
                    KERNEL.dot(target, 0, values.vectorValue(node), 0, target.length));
        }
    }

    /** Scores stored vectors against a stored one (graph building and merging). */
    private static final class Supplier implements RandomVectorScorerSupplier {
        private final VectorSimilarityFunction similarity;
        private final RandomAccessVectorValues.Floats targets;
        private final RandomAccessVectorValues.Floats values;

        Supplier(VectorSimilarityFunction similarity, RandomAccessVectorValues.Floats values) throws IOException {
            this.similarity = similarity;
            this.targets = values.copy(); // each copy has its own read buffer
            this.values = values.copy();
        }

        @Override
        public RandomVectorScorer scorer(int ord) throws IOException {
            return new Scorer(similarity, values, targets.vectorValue(ord).clone());
        }

        @Override
        public RandomVectorScorerSupplier copy() throws IOException {
            return new Supplier(similarity, values);
        }
    }
}
