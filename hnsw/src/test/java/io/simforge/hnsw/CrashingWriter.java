package io.simforge.hnsw;

import java.util.Random;

/**
 * A child JVM for {@link LiveUpdatesTest}: adds items to the index in args[0] in batches of args[1], committing after
 * each and printing "committed N" — until it is killed.
 */
public final class CrashingWriter {
    private CrashingWriter() {}

    public static void main(String[] args) {
        int batch = Integer.parseInt(args[1]);
        Random r = new Random(1);
        HnswIndex index = HnswIndex.open(java.nio.file.Path.of(args[0]));
        for (int next = 0;; ) {
            for (int i = 0; i < batch; i++, next++) {
                float[] v = new float[8];
                for (int d = 0; d < 8; d++) {
                    v[d] = (float) r.nextGaussian();
                }
                index.add("item-" + next, v);
            }
            index.commit();
            System.out.println("committed " + next);
            System.out.flush();
        }
    }
}
