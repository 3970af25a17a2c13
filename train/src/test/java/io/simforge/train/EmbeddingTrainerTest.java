package io.simforge.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.core.data.FashionMnist;
import io.simforge.core.data.ImageDataset;
import io.simforge.core.model.Preprocessing;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingTrainerTest {

    @Test
    void lossFallsOnRealImages() {
        ImageDataset data = FashionMnist.bundledTestSplit().withClasses(List.of(0, 1, 2, 3, 4)).firstPerClass(200);
        TrainConfig c = new TrainConfig();
        c.iterations = Integer.getInteger("simforge.test.iterations", 40);
        c.widths = new int[] {16, 32};
        c.embeddingSize = 32;
        c.batchSize = 40;
        c.samplesPerClass = 8;
        long t0 = System.nanoTime();
        try (TrainedModel m = EmbeddingTrainer.train(c, data, Preprocessing.fashionMnist(), null)) {
            List<Float> l = m.losses();
            assertEquals(c.iterations, l.size());
            double first = l.subList(0, 5).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
            double last = l.subList(l.size() - 5, l.size()).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
            System.out.printf("first %.4f last %.4f in %.1fs%n", first, last, (System.nanoTime() - t0) / 1e9);
            assertTrue(last < first * 0.8, "loss should fall: first " + first + ", last " + last);
        }
    }

    @Test
    void batchThatIsNotPTimesKIsRefusedBeforeTraining() {
        TrainConfig c = new TrainConfig();
        c.batchSize = 81;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::validate);
        assertTrue(e.getMessage().contains("batchSize 81 is not P×K"), e.getMessage());
    }
}
