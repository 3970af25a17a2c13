package io.simforge.spark;

import io.simforge.core.error.SimforgeException;

/**
 * A simforge job on Spark cannot run as asked (a model that cannot serve, a column of the wrong type, k out of range):
 * the member of the {@link SimforgeException} family for Spark, its message naming the problem and the fix.
 */
public final class SimforgeSparkException extends SimforgeException {
    private static final long serialVersionUID = 1L;

    public SimforgeSparkException(String message) {
        super(message);
    }

    public SimforgeSparkException(String message, Throwable cause) {
        super(message, cause);
    }
}
