package io.simforge.infer;

/** A model could not be opened or run; the message names the file, the problem and the fix. */
public class EmbedderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EmbedderException(String message) {
        super(message);
    }

    public EmbedderException(String message, Throwable cause) {
        super(message, cause);
    }
}
