package io.simforge.infer.extract;

import io.simforge.core.error.SimforgeException;

/** An extraction that cannot go on, with what to do about it. */
public final class ExtractionException extends SimforgeException {
    private static final long serialVersionUID = 1L;

    public ExtractionException(String message) {
        super(message);
    }

    public ExtractionException(String message, Throwable cause) {
        super(message, cause);
    }
}
