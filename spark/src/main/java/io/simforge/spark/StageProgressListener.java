package io.simforge.spark;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line on the driver for every finished stage that embedded images: how many, how many were rejected, the
 * bytes read, the stage's time and images/s. The figures are the updates of the transformer's accumulators (named
 * {@value #EMBEDDED}, {@value #REJECTED}, {@value #BYTES_READ}; Spark's UI shows them too) from the stage's
 * successful tasks, so a task that failed and ran again counts once.
 */
public final class StageProgressListener extends SparkListener {
    public static final String EMBEDDED = "simforge images embedded";
    public static final String REJECTED = "simforge images rejected";
    public static final String BYTES_READ = "simforge bytes read";

    private static final Logger LOG = LoggerFactory.getLogger(StageProgressListener.class);
    private static final java.util.Map<SparkContext, StageProgressListener> INSTANCES = new java.util.WeakHashMap<>();

    /** One finished stage's embedding work. */
    public record StageReport(int stageId, String name, long embedded, long rejected, long bytesRead, double seconds) {
        public double imagesPerSecond() {
            return seconds > 0 ? (embedded + rejected) / seconds : 0;
        }

        /** The driver's log line. */
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "simforge: stage %d (%s) embedded %,d images, rejected %,d, read %.1f MB "
                    + "in %.1f s: %.0f images/s", stageId, name, embedded, rejected, bytesRead / 1e6, seconds,
                    imagesPerSecond());
        }
    }

    private final List<StageReport> reports = new CopyOnWriteArrayList<>();

    private StageProgressListener() {}

    /** Adds the listener to {@code sc} unless it has one already (one per application). */
    static synchronized void registerOnce(SparkContext sc) {
        INSTANCES.computeIfAbsent(sc, c -> {
            StageProgressListener listener = new StageProgressListener();
            c.addSparkListener(listener);
            return listener;
        });
    }

    /** The reports of the stages finished so far in {@code sc}'s application (empty before any embedding). */
    public static synchronized List<StageReport> reports(SparkContext sc) {
        StageProgressListener l = INSTANCES.get(sc);
        return l == null ? List.of() : List.copyOf(l.reports);
    }

    /** Per running stage (id, attempt): the accumulator updates of its successful tasks so far. */
    private final java.util.Map<String, long[]> running = new java.util.HashMap<>();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        if (!(event.reason() instanceof org.apache.spark.Success$)) {
            return; // a failed attempt's rows are done again by its retry: count them once
        }
        long[] counts = null;
        for (AccumulableInfo a : scala.jdk.javaapi.CollectionConverters.asJava(event.taskInfo().accumulables())) {
            if (a.name().isEmpty() || a.update().isEmpty()) {
                continue;
            }
            int slot = switch (a.name().get()) {
                case EMBEDDED -> 0;
                case REJECTED -> 1;
                case BYTES_READ -> 2;
                default -> -1;
            };
            if (slot >= 0) {
                if (counts == null) {
                    counts = running.computeIfAbsent(event.stageId() + "." + event.stageAttemptId(), k -> new long[3]);
                }
                counts[slot] += ((Number) a.update().get()).longValue();
            }
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
        StageInfo stage = event.stageInfo();
        long[] counts = running.remove(stage.stageId() + "." + stage.attemptNumber());
        if (counts == null) {
            return; // the stage embedded nothing
        }
        long start = stage.submissionTime().isDefined() ? (Long) stage.submissionTime().get() : 0;
        long end = stage.completionTime().isDefined() ? (Long) stage.completionTime().get() : start;
        StageReport report = new StageReport(stage.stageId(), stage.name(), counts[0], counts[1], counts[2],
                (end - start) / 1000.0);
        reports.add(report);
        LOG.info(report.toString());
    }
}
