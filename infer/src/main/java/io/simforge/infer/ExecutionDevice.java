package io.simforge.infer;

/**
 * Where ONNX Runtime runs a model: the CPU, or a CUDA GPU when the {@code onnxruntime_gpu} artifact is on
 * the class path (see the README). A CUDA request that cannot be met falls back to the CPU.
 */
public record ExecutionDevice(Kind kind, int deviceId) {
    /** The execution provider family. */
    public enum Kind { CPU, CUDA }

    public static ExecutionDevice cpu() {
        return new ExecutionDevice(Kind.CPU, 0);
    }

    public static ExecutionDevice cuda(int deviceId) {
        if (deviceId < 0) {
            throw new IllegalArgumentException("CUDA device id must be >= 0, got " + deviceId);
        }
        return new ExecutionDevice(Kind.CUDA, deviceId);
    }

    /** Parses {@code cpu}, {@code gpu}, {@code cuda}, {@code gpu:N} or {@code cuda:N}. */
    public static ExecutionDevice parse(String text) {
        String t = text.trim().toLowerCase();
        if (t.equals("cpu")) {
            return cpu();
        }
        if (t.equals("gpu") || t.equals("cuda")) {
            return cuda(0);
        }
        if (t.startsWith("gpu:") || t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(t.indexOf(':') + 1)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("device '" + text + "' is not understood: use cpu, gpu or gpu:N");
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + deviceId;
    }
}
