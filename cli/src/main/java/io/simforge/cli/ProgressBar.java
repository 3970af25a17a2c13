package io.simforge.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line terminal progress bar with rate and ETA. On a terminal it redraws in place; when output is
 * redirected (CI, log files) it prints a line at every tenth of the way instead, so logs stay readable.
 */
public final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 28;
    private final PrintStream out;
    private final String label;
    private final long total;
    private final String unit;
    private final boolean interactive;
    private final long startNanos = System.nanoTime();
    private long lastDrawNanos;
    private int lastDecile = -1;
    private long done;
    private String suffix = "";

    public ProgressBar(PrintStream out, String label, long total, String unit) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.unit = unit;
        this.interactive = System.console() != null;
    }

    /** Sets the progress to {@code done} and the text after the bar (e.g. the current loss). */
    public void update(long done, String suffix) {
        this.done = done;
        this.suffix = suffix;
        long now = System.nanoTime();
        int decile = (int) (10 * done / total);
        if (interactive && (now - lastDrawNanos > 100_000_000L || done >= total)) {
            lastDrawNanos = now;
            out.print("\r" + render(now));
            out.flush();
        } else if (!interactive && decile != lastDecile) {
            lastDecile = decile;
            out.println(render(now));
        }
    }

    private String render(long now) {
        double seconds = (now - startNanos) / 1e9;
        double fraction = Math.min(1.0, done / (double) total);
        int filled = (int) Math.round(fraction * WIDTH);
        double rate = seconds > 0 ? done / seconds : 0;
        double eta = rate > 0 ? (total - done) / rate : 0;
        return String.format(Locale.ROOT, "%s [%s%s] %d/%d %.1f %s/s ETA %s %s", label, "#".repeat(filled),
                ".".repeat(WIDTH - filled), done, total, rate, unit, formatSeconds(eta), suffix);
    }

    static String formatSeconds(double s) {
        long t = Math.round(s);
        return String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
    }

    @Override
    public void close() {
        if (interactive) {
            out.println();
        }
    }
}
