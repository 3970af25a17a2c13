package io.simforge.train.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Class-balanced P×K batches: P distinct classes, K items of each, the K items of a class consecutive
 * (so that rows 2j and 2j+1 share a class, which Embedding Expansion relies on).
 *
 * <p>Classes are visited in shuffled rounds so every class appears equally often; within a class the
 * items are drawn without replacement from a shuffled cycle, and a class with fewer than K items is
 * filled up by drawing with replacement.
 */
public final class PkSampler {
    private final int classesPerBatch;
    private final int samplesPerClass;
    private final int[] classIds;
    private final int[][] members;
    private final int[] cursor;
    private final Random random;
    private final int[] classOrder;
    private int classCursor;

    private PkSampler(Builder b) {
        this.classesPerBatch = b.classesPerBatch;
        this.samplesPerClass = b.samplesPerClass;
        this.random = new Random(b.seed);
        Map<Integer, List<Integer>> byClass = new TreeMap<>();
        for (int i = 0; i < b.labels.length; i++) {
            byClass.computeIfAbsent(b.labels[i], k -> new ArrayList<>()).add(i);
        }
        classIds = byClass.keySet().stream().mapToInt(Integer::intValue).toArray();
        members = byClass.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray())
                .toArray(int[][]::new);
        for (int[] m : members) {
            shuffle(m);
        }
        cursor = new int[members.length];
        classOrder = new int[members.length];
        for (int c = 0; c < classOrder.length; c++) {
            classOrder[c] = c;
        }
        shuffle(classOrder);
    }

    public static Builder builder() {
        return new Builder();
    }

    public int batchSize() {
        return classesPerBatch * samplesPerClass;
    }

    public int classesPerBatch() {
        return classesPerBatch;
    }

    public int samplesPerClass() {
        return samplesPerClass;
    }

    /** Dataset indices of the next batch, class by class. */
    public int[] next() {
        int[] batch = new int[batchSize()];
        int[] chosen = nextClasses();
        for (int p = 0; p < classesPerBatch; p++) {
            fillClass(chosen[p], batch, p * samplesPerClass);
        }
        return batch;
    }

    /** How many classes have fewer than K items (filled by sampling with replacement; one warning says so). */
    public int classesSmallerThanK() {
        return (int) Arrays.stream(members).filter(m -> m.length < samplesPerClass).count();
    }

    private int largestClass() {
        return Arrays.stream(members).mapToInt(m -> m.length).max().orElse(0);
    }

    /** The dataset label of each class index used by {@link #next()}; exposed for tests and logs. */
    public int[] classIds() {
        return classIds.clone();
    }

    private int[] nextClasses() {
        int[] chosen = new int[classesPerBatch];
        boolean[] taken = new boolean[members.length];
        for (int p = 0; p < classesPerBatch; p++) {
            if (classCursor == classOrder.length) {
                shuffle(classOrder);
                classCursor = 0;
            }
            int c = classOrder[classCursor++];
            if (taken[c]) {
                // The new round started mid-batch and repeated a class: take the next untaken one instead.
                int j = classCursor;
                while (taken[classOrder[j]]) {
                    j++;
                }
                int tmp = classOrder[j];
                classOrder[j] = classOrder[classCursor - 1];
                classOrder[classCursor - 1] = tmp;
                c = tmp;
            }
            taken[c] = true;
            chosen[p] = c;
        }
        return chosen;
    }

    private void fillClass(int c, int[] batch, int offset) {
        int[] items = members[c];
        if (items.length < samplesPerClass) {
            for (int k = 0; k < samplesPerClass; k++) {
                batch[offset + k] = k < items.length ? items[k] : items[random.nextInt(items.length)];
            }
            return;
        }
        if (cursor[c] + samplesPerClass > items.length) {
            shuffle(items);
            cursor[c] = 0;
        }
        System.arraycopy(items, cursor[c], batch, offset, samplesPerClass);
        cursor[c] += samplesPerClass;
    }

    private void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** Builder: labels, P and K are required; the seed is optional. */
    public static final class Builder {
        private int[] labels;
        private int classesPerBatch;
        private int samplesPerClass;
        private long seed = 42;

        public Builder setLabels(int[] labels) {
            this.labels = labels.clone();
            return this;
        }

        public Builder setClassesPerBatch(int p) {
            this.classesPerBatch = p;
            return this;
        }

        public Builder setSamplesPerClass(int k) {
            this.samplesPerClass = k;
            return this;
        }

        /** Sets P and K from a batch size and K; the batch size must be a multiple of K. */
        public Builder setBatch(int batchSize, int samplesPerClass) {
            if (samplesPerClass <= 0 || batchSize <= 0 || batchSize % samplesPerClass != 0) {
                throw new IllegalArgumentException("batch size " + batchSize + " is not P×K for K = "
                        + samplesPerClass + " samples per class: choose a batch size that is a multiple of K "
                        + "(e.g. " + Math.max(2, batchSize / Math.max(1, samplesPerClass)) * Math.max(1, samplesPerClass)
                        + ")");
            }
            this.classesPerBatch = batchSize / samplesPerClass;
            this.samplesPerClass = samplesPerClass;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public PkSampler build() {
            if (labels == null || labels.length == 0) {
                throw new IllegalArgumentException("PkSampler needs the labels of a non-empty dataset");
            }
            if (samplesPerClass < 1) {
                throw new IllegalArgumentException("samples per class K must be at least 1, got " + samplesPerClass);
            }
            if (classesPerBatch < 2) {
                throw new IllegalArgumentException("classes per batch P must be at least 2 (metric losses need "
                        + "negatives), got " + classesPerBatch);
            }
            long distinct = Arrays.stream(labels).distinct().count();
            if (distinct < 2) {
                throw new IllegalArgumentException("the dataset has only one class, and metric learning needs at least "
                        + "two (every batch pairs items of the same class against items of other classes): add images "
                        + "of another class (another folder under root/<class>/), or choose more classes");
            }
            if (classesPerBatch > distinct) {
                throw new IllegalArgumentException("P = " + classesPerBatch + " classes per batch, but the dataset has "
                        + "only " + distinct + " classes: lower P (batch size / K) to at most " + distinct);
            }
            PkSampler sampler = new PkSampler(this);
            int small = sampler.classesSmallerThanK();
            if (small > 0) {
                System.getLogger(PkSampler.class.getName()).log(System.Logger.Level.WARNING, small + " of "
                        + sampler.members.length + " classes have fewer than K = " + samplesPerClass + " items: their "
                        + "batches repeat items (sampling with replacement)" + (small == sampler.members.length
                        ? "; every class does, so lower K (-K) to at most " + sampler.largestClass() : ""));
            }
            return sampler;
        }
    }
}
