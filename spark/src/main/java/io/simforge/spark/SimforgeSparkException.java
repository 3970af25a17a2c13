package io.simforge.spark;

/** A simforge job on Spark cannot run as asked: the message names the problem and the fix. */
public final class SimforgeSparkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SimforgeSparkException(String message) {
        super(message);
    }

    public SimforgeSparkException(String message, Throwable cause) {
        super(message, cause);
    }
}
