package io.simforge.spark;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.StageInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line on the driver for every finished stage that embedded images: how many, how many were rejected, the
 * bytes read, the stage's time and images/s. The figures are the stage's own updates of the transformer's
 * accumulators (named {@value #EMBEDDED}, {@value #REJECTED}, {@value #BYTES_READ}; Spark's UI shows them too), so a
 * task that failed and ran again may count its rows twice there; the rows written never do.
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

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
        StageInfo stage = event.stageInfo();
        long embedded = 0;
        long rejected = 0;
        long bytes = 0;
        boolean ours = false;
        for (AccumulableInfo a : scala.jdk.javaapi.CollectionConverters.asJava(stage.accumulables()).values()) {
            if (a.name().isEmpty() || a.update().isEmpty()) {
                continue;
            }
            long update = ((Number) a.update().get()).longValue();
            switch (a.name().get()) {
                case EMBEDDED -> { embedded += update; ours = true; }
                case REJECTED -> { rejected += update; ours = true; }
                case BYTES_READ -> bytes += update;
                default -> { }
            }
        }
        if (!ours) {
            return;
        }
        long start = stage.submissionTime().isDefined() ? (Long) stage.submissionTime().get() : 0;
        long end = stage.completionTime().isDefined() ? (Long) stage.completionTime().get() : start;
        StageReport report = new StageReport(stage.stageId(), stage.name(), embedded, rejected, bytes,
                (end - start) / 1000.0);
        reports.add(report);
        LOG.info(report.toString());
    }
}
