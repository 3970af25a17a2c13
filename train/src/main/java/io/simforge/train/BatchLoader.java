package io.simforge.train;

import io.simforge.core.data.DatasetException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Fills a batch's inputs and labels from {@link TrainingImages}: in parallel and asynchronously for image
 * files, in place for in-memory data. Each item's augmentation is seeded from (run seed, iteration, slot),
 * so results do not depend on thread timing. An unreadable item is replaced by another item of its class
 * (the P×K layout holds), with one warning per file, unless images are strict.
 */
final class BatchLoader {
    private static final System.Logger LOG = System.getLogger(BatchLoader.class.getName());
    private static final int REPLACEMENT_TRIES = 8;

    private final TrainingImages data;
    private final int itemSize;
    private final long seed;
    private final boolean strict;
    private final Map<Integer, List<Integer>> byClass = new HashMap<>();
    private final Set<Integer> unreadable = ConcurrentHashMap.newKeySet();

    BatchLoader(TrainingImages data, TrainConfig config, int itemSize) {
        this.data = data;
        this.itemSize = itemSize;
        this.seed = config.seed();
        this.strict = config.strictImages();
        for (int i = 0; i < data.size(); i++) {
            byClass.computeIfAbsent(data.label(i), k -> new ArrayList<>()).add(i);
        }
    }

    /**
     * Starts filling {@code pixels}, {@code labels} and {@code ids} (the items used, after any replacement of an
     * unreadable one) with batch {@code idx} of iteration {@code iteration}.
     */
    CompletableFuture<Void> start(int iteration, int[] idx, float[] pixels, int[] labels, int[] ids) {
        if (!data.slow()) {
            fill(iteration, idx, pixels, labels, ids, false);
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.runAsync(() -> fill(iteration, idx, pixels, labels, ids, true));
    }

    static void join(CompletableFuture<Void> pending) {
        if (pending == null) {
            return;
        }
        try {
            pending.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    Set<Integer> unreadable() {
        return Set.copyOf(unreadable);
    }

    private void fill(int iteration, int[] idx, float[] pixels, int[] labels, int[] ids, boolean parallel) {
        IntStream slots = IntStream.range(0, idx.length);
        (parallel ? slots.parallel() : slots).forEach(b -> {
            Random random = new Random(seed * 1_000_003L + iteration * 4_099L + b);
            int item = idx[b];
            for (int attempt = 0; ; attempt++) {
                try {
                    data.input(item, pixels, b * itemSize, random);
                    break;
                } catch (IOException e) {
                    if (strict) {
                        throw new DatasetException(e.getMessage() + " (strictImages is on; turn it off to skip unreadable "
                                + "images)", e);
                    }
                    if (unreadable.add(item)) {
                        LOG.log(Level.WARNING, "skipping an unreadable image: " + e.getMessage());
                    }
                    List<Integer> same = byClass.get(data.label(item));
                    if (attempt >= REPLACEMENT_TRIES || same.stream().allMatch(unreadable::contains)) {
                        throw new DatasetException("every image tried for class " + data.label(item) + " is unreadable ("
                                + e.getMessage() + ")");
                    }
                    item = same.get(random.nextInt(same.size()));
                }
            }
            labels[b] = data.label(idx[b]);
            ids[b] = item;
        });
    }
}
