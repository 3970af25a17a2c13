package io.simforge.core.metrics;

/** Test data: unit vectors in 2-D at given angles, so neighbours can be worked out by hand. */
final class UnitVectors {
    private UnitVectors() {}

    /** Unit vectors at the given angles (degrees) in 2-D, row-major. */
    static float[] angles(double... degrees) {
        float[] x = new float[degrees.length * 2];
        for (int i = 0; i < degrees.length; i++) {
            x[2 * i] = (float) Math.cos(Math.toRadians(degrees[i]));
            x[2 * i + 1] = (float) Math.sin(Math.toRadians(degrees[i]));
        }
        return x;
    }
}
