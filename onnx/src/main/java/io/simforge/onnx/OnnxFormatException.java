package io.simforge.onnx;

import java.io.IOException;

/**
 * A file or byte array that is not a readable ONNX model: truncated, damaged, or not ONNX at all. The message
 * names the source and what was wrong at which byte, so a user can tell a cut-off download from a wrong file.
 */
public class OnnxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public OnnxFormatException(String message) {
        super(message);
    }

    public OnnxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
