package io.simforge.hnsw;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.codecs.hnsw.DefaultFlatVectorScorer;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.hnsw.RandomAccessVectorValues;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;
import org.junit.jupiter.api.Test;

class VectorApiFlatVectorsScorerTest {

    @Test
    void scoresMatchLuceneAndDoublePrecisionForBothSimilarities() throws IOException {
        Random r = new Random(11);
        for (int dim : new int[] {1, 7, 16, 33, 128, 512}) {
            List<float[]> rows = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                float[] v = new float[dim];
                double norm = 0;
                for (int d = 0; d < dim; d++) {
                    v[d] = (float) r.nextGaussian();
                    norm += v[d] * v[d];
                }
                for (int d = 0; d < dim; d++) {
                    v[d] /= (float) Math.sqrt(norm);
                }
                rows.add(v);
            }
            RandomAccessVectorValues.Floats values = RandomAccessVectorValues.fromFloats(rows, dim);
            for (VectorSimilarityFunction sim : new VectorSimilarityFunction[] {VectorSimilarityFunction.DOT_PRODUCT,
                    VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT}) {
                RandomVectorScorerSupplier ours = VectorApiFlatVectorsScorer.INSTANCE
                        .getRandomVectorScorerSupplier(sim, values);
                RandomVectorScorerSupplier lucene = DefaultFlatVectorScorer.INSTANCE
                        .getRandomVectorScorerSupplier(sim, values);
                for (int a = 0; a < rows.size(); a++) {
                    RandomVectorScorer o = ours.scorer(a);
                    RandomVectorScorer l = lucene.scorer(a);
                    RandomVectorScorer q = VectorApiFlatVectorsScorer.INSTANCE.getRandomVectorScorer(sim, values,
                            rows.get(a));
                    for (int b = 0; b < rows.size(); b++) {
                        double dot = 0;
                        for (int d = 0; d < dim; d++) {
                            dot += (double) rows.get(a)[d] * rows.get(b)[d];
                        }
                        double expected = sim == VectorSimilarityFunction.DOT_PRODUCT ? Math.max((1 + dot) / 2, 0)
                                : dot < 0 ? 1 / (1 - dot) : dot + 1;
                        assertEquals(expected, o.score(b), 1e-6, sim + " d=" + dim);
                        assertEquals(l.score(b), o.score(b), 1e-6, sim + " d=" + dim);
                        assertEquals(o.score(b), q.score(b), 0f);
                    }
                }
            }
        }
    }
}
