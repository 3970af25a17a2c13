package io.simforge.hnsw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.simforge.infer.AttributeFilter;
import io.simforge.infer.VectorIndex.Hit;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveUpdatesTest {
    @TempDir
    Path tmp;

    @Test
    void aProcessKilledDuringAddsReopensAtItsLastCommitIntact() throws Exception {
        Path folder = tmp.resolve("crash");
        HnswIndex.builder().setFolder(folder).setDimension(8).build().close();
        String classPath = String.join(File.pathSeparator, System.getProperty("java.class.path"),
                System.getProperty("jdk.module.path", ""),
                Path.of(CrashingWriter.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", classPath, CrashingWriter.class.getName(),
                folder.toString(), "50").redirectErrorStream(true).start();
        int lastSeen = -1;
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                output.add(line);
                if (line.startsWith("committed ")) {
                    lastSeen = Integer.parseInt(line.substring(10));
                    if (lastSeen >= 400) {
                        break; // it is adding the next batch now
                    }
                }
            }
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(lastSeen >= 400, "the child never committed: " + output);
        try (FSDirectory dir = FSDirectory.open(folder); CheckIndex check = new CheckIndex(dir)) {
            assertTrue(check.checkIndex().clean, "Lucene's CheckIndex finds the index damaged");
        }
        try (HnswIndex index = HnswIndex.open(folder)) {
            int n = index.size();
            assertTrue(n >= lastSeen && n % 50 == 0, n + " items after a crash at commit " + lastSeen);
            for (int i = 0; i < n; i++) {
                assertTrue(index.contains("item-" + i), "item-" + i);
            }
            assertEquals(n, index.visibleSize());
            index.add("after-crash", new float[8]);
            index.commit();
            assertEquals(n + 1, index.size());
        }
    }

    @Test
    void eightThreadsSearchWhileItemsAreAddedAndSeeEveryRefreshMonotonically() throws Exception {
        int dim = 16;
        int batches = 20;
        int batch = 50;
        float[] g = Vectors.clustered(new Random(7), batches * batch, dim, 10, 0.5);
        AtomicInteger visibleUpTo = new AtomicInteger(); // items whose refresh has returned
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger searches = new AtomicInteger();
        try (HnswIndex index = HnswIndex.builder().setFolder(tmp.resolve("live")).setDimension(dim).optThreads(2)
                .build()) {
            CountDownLatch started = new CountDownLatch(8);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                Random r = new Random(t);
                Thread thread = new Thread(() -> {
                    started.countDown();
                    int lastVisible = 0;
                    while (!done.get()) {
                        try {
                            int upTo = visibleUpTo.get();
                            int visible = index.visibleSize();
                            if (visible < lastVisible || visible < upTo) {
                                throw new AssertionError("saw " + visible + " items after " + lastVisible + " and a "
                                        + "refresh of " + upTo);
                            }
                            lastVisible = visible;
                            if (upTo > 0) { // an item published by a refresh is found (few match: scored exactly)
                                int item = r.nextInt(upTo);
                                float[] q = java.util.Arrays.copyOfRange(g, item * dim, (item + 1) * dim);
                                List<Hit> hits = index.search(q, 1, AttributeFilter.parse("item=" + item)).get(0);
                                if (hits.size() != 1 || !hits.get(0).id().equals("item-" + item)) {
                                    throw new AssertionError("item-" + item + " visible since " + upTo + " not found: "
                                            + hits);
                                }
                                index.search(q, 10); // and unfiltered searches run alongside
                            }
                            searches.incrementAndGet();
                        } catch (Throwable e) {
                            errors.add(e);
                            return;
                        }
                    }
                });
                thread.start();
                threads.add(thread);
            }
            started.await();
            for (int b = 0; b < batches; b++) {
                for (int i = b * batch; i < (b + 1) * batch; i++) {
                    index.add("item-" + i, java.util.Arrays.copyOfRange(g, i * dim, (i + 1) * dim),
                            Map.of("item", String.valueOf(i)));
                }
                index.refresh();
                visibleUpTo.set((b + 1) * batch);
                if (b % 5 == 4) {
                    index.commit();
                }
            }
            done.set(true);
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(errors.isEmpty(), () -> errors.peek().toString());
            assertTrue(searches.get() > 8, "searches " + searches.get());
            assertEquals(batches * batch, index.visibleSize());
        }
    }
}
