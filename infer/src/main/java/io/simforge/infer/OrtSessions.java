package io.simforge.infer;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.simforge.core.device.DeviceSpec;
import java.lang.System.Logger.Level;

/**
 * Opens ONNX Runtime sessions on a {@link DeviceSpec}: one GPU through the CUDA execution provider, or the CPU. A
 * CUDA request the runtime cannot meet (no {@code onnxruntime_gpu}, no CUDA libraries, no device) falls back to the
 * CPU with one log line, so the same code runs everywhere; the device actually used is returned.
 */
final class OrtSessions {
    private static final System.Logger LOG = System.getLogger(OrtSessions.class.getName());

    private OrtSessions() {}

    /** A session and the device it runs on. */
    record Opened(OrtSession session, DeviceSpec device) {}

    /** Creates the session from options the caller never sees. */
    @FunctionalInterface
    interface Factory {
        OrtSession create(OrtEnvironment env, OrtSession.SessionOptions options) throws OrtException;
    }

    /**
     * @param threads intra-op threads, 0 for ONNX Runtime's default (every core)
     * @param what names the model in the fallback message
     * @throws IllegalArgumentException for several GPUs: a session runs on one device
     */
    static Opened open(Factory factory, DeviceSpec device, int threads, String what) throws OrtException {
        if (device.isMultiple()) {
            throw new IllegalArgumentException("device " + device + ": ONNX Runtime runs a session on one device; give "
                    + "cpu or cuda:N");
        }
        DeviceSpec chosen = device;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            if (!device.isCpu()) {
                try {
                    options.addCUDA(device.ids().get(0));
                } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                    LOG.log(Level.WARNING, "CUDA execution provider unavailable (" + e.getMessage() + "); running "
                            + what + " on the CPU. Put onnxruntime_gpu and the CUDA 12 libraries on the path to use "
                            + "the GPU.");
                    chosen = DeviceSpec.cpu();
                }
            }
            return new Opened(factory.create(OrtEnvironment.getEnvironment(), options), chosen);
        }
    }
}
