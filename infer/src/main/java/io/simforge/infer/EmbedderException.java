package io.simforge.infer;

import io.simforge.core.error.SimforgeException;

/**
 * A model could not be opened or run, does not fit its settings, or produced a non-finite embedding; or the
 * {@link Embedder} was used after it was closed. The message names the file, the problem and the fix.
 */
public class EmbedderException extends SimforgeException {
    private static final long serialVersionUID = 1L;

    public EmbedderException(String message) {
        super(message);
    }

    public EmbedderException(String message, Throwable cause) {
        super(message, cause);
    }
}
