package io.simforge.export;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.simforge.models.DjlEmbedder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs the same inputs through the DJL block (inference mode) and through ONNX Runtime on the exported
 * file, and reports the largest absolute difference between the two sets of embeddings.
 */
public final class ParityCheck {
    /** The agreement the project promises between DJL and the exported model (fp32). */
    public static final double TOLERANCE = 1e-4;

    private ParityCheck() {}

    /** Largest |DJL − ORT| over every embedding value, plus the number of items compared. */
    public record Result(double maxAbsDiff, int items) {
        public boolean passed() {
            return maxAbsDiff <= TOLERANCE;
        }
    }

    /**
     * @param inputs preprocessed, row-major {@code n × itemSize}
     */
    public static Result compare(Block block, NDManager manager, Path onnxFile, String inputName, float[] inputs,
            int[] itemShape) throws OrtException {
        float[] djl = DjlEmbedder.embed(block, manager, inputs, itemShape, 64);
        int itemSize = 1;
        for (int d : itemShape) {
            itemSize *= d;
        }
        int n = inputs.length / itemSize;
        long[] shape = new long[itemShape.length + 1];
        shape[0] = n;
        for (int i = 0; i < itemShape.length; i++) {
            shape[i + 1] = itemShape[i];
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] ort;
        try (OrtSession session = env.createSession(onnxFile.toString(), new OrtSession.SessionOptions());
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(inputs), shape);
                OrtSession.Result r = session.run(Map.of(inputName, x))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            ort = new float[out.remaining()];
            out.get(ort);
        }
        if (ort.length != djl.length) {
            throw new IllegalStateException("the ONNX model returned " + ort.length + " values, DJL " + djl.length);
        }
        double max = 0;
        for (int i = 0; i < ort.length; i++) {
            max = Math.max(max, Math.abs((double) ort[i] - djl[i]));
        }
        return new Result(max, n);
    }
}
