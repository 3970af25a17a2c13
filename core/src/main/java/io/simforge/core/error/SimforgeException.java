package io.simforge.core.error;

import io.simforge.core.format.FormatException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one exception family of simforge's library API: every problem an application can meet when it embeds,
 * searches or extracts is a subtype of this unchecked exception, input and output problems included, and its
 * message names the thing at fault (the file, the item, the row and column), the problem and the fix.
 *
 * <ul>
 *   <li>{@link InvalidInputException}: what the caller passed cannot be used (a NaN value, a wrong length, k = 0);
 *   <li>{@link UnreadableFileException}: a file is of another format, newer than this simforge, or damaged;
 *   <li>{@link SimforgeIOException}: reading or writing failed (a missing file, no permission, a full disk);
 *   <li>subtypes in the modules for a model that cannot be run ({@code infer.EmbedderException}) and a job that
 *       cannot go on ({@code infer.extract.ExtractionException},
 *       {@code spark.SimforgeSparkException}).
 * </ul>
 */
public class SimforgeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SimforgeException(String message) {
        super(message);
    }

    public SimforgeException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The family member for an {@link IOException}: {@link UnreadableFileException} for a file simforge refused
     * ({@link FormatException}), {@link SimforgeIOException} for any other failure; the message is kept.
     */
    public static SimforgeException of(IOException e) {
        if (e instanceof FormatException f) {
            return new UnreadableFileException(f);
        }
        return new SimforgeIOException(e);
    }

    /** As {@link #of(IOException)} for an {@link UncheckedIOException}'s cause. */
    public static SimforgeException of(UncheckedIOException e) {
        return of(e.getCause());
    }
}
